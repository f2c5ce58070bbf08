import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { FractionInput } from "../components/FractionInput";
import { useDatasets } from "../queries";
import { hasObjects, useTask } from "../tasks";
import type { RunPublic } from "../types";
import { CheckpointSelect } from "./CheckpointSelect";
import { useTests } from "./jobs";
import { PendingJob } from "./PendingJob";
import { runKeys, runPath } from "./keys";
import type { TestRun } from "./types";

/** Queue a test run: a checkpoint evaluated on a split of this run's dataset or of another with the same classes. */
export function TestForm({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const [checkpoint, setCheckpoint] = useState("best");
  const [dataset, setDataset] = useState("");
  const [split, setSplit] = useState("");
  const [threshold, setThreshold] = useState("0.25");
  const datasets = useDatasets();
  const task = useTask(run.task);
  const tests = useTests(run.id);
  const own = datasets.data?.find((d) => d.name === run.dataset);
  const others = (datasets.data ?? []).filter(
    (d) => d.name !== run.dataset && d.tasks.includes(run.task) && (!own || same(d.classes, own.classes)),
  );
  const chosen = datasets.data?.find((d) => d.name === (dataset || run.dataset));
  const start = useMutation({
    mutationFn: () =>
      post<TestRun>(runPath(run.id, "/tests"), {
        checkpoint,
        dataset: dataset || null,
        split: split || null,
        score_threshold: Number(threshold),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: runKeys.tests(run.id) }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    start.mutate();
  }

  return (
    <form className="card test-form" onSubmit={submit} aria-labelledby="test-form-title">
      <h3 id="test-form-title">Start a test run</h3>
      <div className="form-grid">
        <CheckpointSelect runId={run.id} value={checkpoint} onChange={setCheckpoint} />
        <label>
          Dataset
          <select value={dataset} onChange={(e) => setDataset(e.target.value)}>
            <option value="">{run.dataset} (this run's)</option>
            {others.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
          <span className="field-help">other datasets need the same classes in the same order</span>
        </label>
        <label>
          Split
          <select value={split} onChange={(e) => setSplit(e.target.value)}>
            <option value="">default (the test split)</option>
            {["test", "val", "train"].map((s) => (
              <option key={s} value={s} disabled={chosen ? !chosen.splits.includes(s) && s !== "val" : false}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {hasObjects(task?.target) && (
          <label>
            Score threshold
            <FractionInput required value={threshold} onChange={setThreshold} />
            <span className="field-help">detections counted from this score</span>
          </label>
        )}
      </div>
      <div className="toolbar form-actions">
        <button type="submit" className="primary" disabled={start.isPending}>
          Start test
        </button>
        {start.isSuccess && <PendingJob what="Test" id={start.data.id} jobs={tests.data} />}
      </div>
      <ErrorNotice error={start.error} title="Could not start the test" />
      <ErrorNotice error={datasets.error} title="Could not list the datasets" />
    </form>
  );
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
