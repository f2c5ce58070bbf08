import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { post, request } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorNotice } from "../components/ErrorNotice";
import { keys } from "../queries";
import type { RunPublic } from "../types";
import { runKeys, runPath } from "./keys";

type Action = "pause" | "resume" | "stop" | "retry";

/** What the server accepts in each status (services/control.py); the server still has the last word. */
export function allowed(run: RunPublic, extendTo: number | null) {
  const pending = run.control;
  return {
    pause: ["running", "queued", "restarting"].includes(run.status) && pending !== "pause" && pending !== "stop",
    stop: ["running", "queued", "restarting", "paused"].includes(run.status) && pending !== "stop",
    resume:
      ["paused", "stopped", "failed"].includes(run.status) ||
      (run.status === "completed" && extendTo !== null && extendTo > run.epochs),
    retry: run.status === "failed",
    remove: !["running", "restarting"].includes(run.status),
  };
}

/** Pause, Resume (optionally to more epochs), Stop, Retry and Delete, each enabled when the status allows it. */
export function RunControls({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [epochs, setEpochs] = useState("");
  const extendTo = epochs.trim() === "" ? null : Number(epochs);
  const can = allowed(run, extendTo);

  const control = useMutation({
    mutationFn: (action: Action) =>
      post<RunPublic>(
        runPath(run.id, `/${action}`),
        action === "resume" && extendTo !== null ? { epochs: extendTo } : undefined,
      ),
    onSuccess: (updated) => {
      client.setQueryData(runKeys.run(run.id), updated);
      setEpochs("");
    },
  });
  const remove = useMutation({
    mutationFn: () => request(runPath(run.id), { method: "DELETE" }),
    onSuccess: () => {
      client.removeQueries({ queryKey: runKeys.run(run.id) });
      client.invalidateQueries({ queryKey: keys.runs });
      navigate("/");
    },
  });
  const busy = control.isPending || remove.isPending;
  const epochsInvalid = extendTo !== null && (!Number.isInteger(extendTo) || extendTo < 1);

  return (
    <div className="run-controls">
      <div className="toolbar">
        <button type="button" disabled={busy || !can.pause} onClick={() => control.mutate("pause")}>
          Pause
        </button>
        <span className="resume-group">
          <button
            type="button"
            className="primary"
            disabled={busy || !can.resume || epochsInvalid}
            onClick={() => control.mutate("resume")}
          >
            Resume
          </button>
          <label className="inline small">
            Epochs
            <input
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              className="epochs-input"
              placeholder={String(run.epochs)}
              value={epochs}
              aria-describedby="resume-epochs-help"
              onChange={(e) => setEpochs(e.target.value)}
            />
          </label>
          <span id="resume-epochs-help" className="field-help">
            total; raise it to extend the run
          </span>
        </span>
        <ConfirmButton
          label="Stop"
          question="Stop this run? It saves a checkpoint and can be resumed later."
          disabled={busy || !can.stop}
          onConfirm={() => control.mutate("stop")}
        />
        <button type="button" disabled={busy || !can.retry} onClick={() => control.mutate("retry")}>
          Retry
        </button>
        <span className="spacer" />
        <ConfirmButton
          label="Delete run"
          question="Delete this run with its checkpoints, tests and exports?"
          disabled={busy || !can.remove}
          onConfirm={() => remove.mutate()}
        />
      </div>
      <ErrorNotice error={control.error} title={control.variables ? `Could not ${control.variables}` : undefined} />
      <ErrorNotice error={remove.error} title="Could not delete the run" />
    </div>
  );
}
