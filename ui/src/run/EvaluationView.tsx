import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { useTasks } from "../tasks";
import { EvaluationSummary } from "./EvaluationSummary";
import { ImageBrowser } from "./ImageBrowser";
import type { EvaluationReport } from "./types";

/** A validation epoch or a test run (its API path ``base``): the summary and the images, drawn as its
 * task's spec says. */
export function EvaluationView({ report, base }: { report: EvaluationReport; base: string }) {
  const tasks = useTasks();
  const task = tasks.data?.find((t) => t.name === report.task);
  if (!tasks.data)
    return (
      <>
        <ErrorNotice error={tasks.error} title="Could not list the tasks" />
        {tasks.isPending && <Loading what="Loading the tasks" />}
      </>
    );
  if (!task) return <p className="notice error">This server does not declare the task {report.task}.</p>;
  return (
    <>
      <EvaluationSummary report={report} target={task.target} />
      <ImageBrowser
        key={base}
        base={base}
        task={task}
        classes={report.classes}
        threshold={report.score_threshold}
      />
    </>
  );
}
