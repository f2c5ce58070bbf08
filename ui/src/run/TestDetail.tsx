import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { StatusBadge } from "../components/StatusBadge";
import { formatTime } from "../format";
import type { RunPublic } from "../types";
import { EvaluationView } from "./EvaluationView";
import { JOB_DONE, runKeys, runPath } from "./keys";
import type { TestRunDetail } from "./types";

/** /runs/:runId/tests/:testId: one test run's report and its images. */
export function TestDetail({ run }: { run: RunPublic }) {
  const { testId = "" } = useParams();
  const base = runPath(run.id, `/tests/${encodeURIComponent(testId)}`);
  const test = useQuery({
    queryKey: [...runKeys.tests(run.id), testId],
    queryFn: () => api<TestRunDetail>(base),
    refetchInterval: (q) => (q.state.data && !JOB_DONE.has(q.state.data.status) ? 2000 : false),
  });
  const t = test.data;
  return (
    <section aria-labelledby="test-title">
      <p className="small">
        <Link to={`/runs/${encodeURIComponent(run.id)}/tests`}>← All test runs</Link>
      </p>
      <h2 id="test-title">
        Test <span className="mono">{testId}</span> {t && <StatusBadge status={t.status} />}
      </h2>
      <ErrorNotice error={test.error} title="Could not load the test" />
      {test.isPending && <Loading what="Loading the test" />}
      {t && (
        <>
          <dl className="facts">
            <dt>Checkpoint</dt>
            <dd>
              {t.checkpoint_kind} {t.checkpoint_epoch != null && `(epoch ${t.checkpoint_epoch})`}{" "}
              <span className="mono small muted">{t.checkpoint}</span>
            </dd>
            <dt>Data</dt>
            <dd>
              {t.dataset} · {t.split}
            </dd>
            <dt>Started</dt>
            <dd>
              {formatTime(t.started_at)}
              {t.finished_at && ` · finished ${formatTime(t.finished_at)}`}
            </dd>
          </dl>
          {t.error && <ErrorNotice error={new Error(t.error)} title="The test failed" />}
          {!JOB_DONE.has(t.status) && <p className="notice info">The test is {t.status}; results appear when it completes.</p>}
          {t.report && <EvaluationView report={t.report} base={base} />}
        </>
      )}
    </section>
  );
}
