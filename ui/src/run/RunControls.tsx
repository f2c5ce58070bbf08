import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { post, request } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorNotice } from "../components/ErrorNotice";
import { keys } from "../queries";
import { runActions, type RunPublic } from "../types";
import { runKeys, runPath } from "./keys";

type Action = "pause" | "resume" | "stop" | "retry";

/** Pause, Resume (optionally to more epochs), Stop, Retry and Delete, each enabled when the run's
 * ``actions`` (the server's) has it: a resume to more epochs is an ``extend`` (a completed run too). */
export function RunControls({ run }: { run: RunPublic }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [epochs, setEpochs] = useState("");
  const extendTo = epochs.trim() === "" ? null : Number(epochs);
  const can = runActions(run);
  const resumable = can.has("resume") || (can.has("extend") && extendTo !== null && extendTo > run.epochs);

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
        <button type="button" disabled={busy || !can.has("pause")} onClick={() => control.mutate("pause")}>
          Pause
        </button>
        <span className="resume-group">
          <button
            type="button"
            className="primary"
            disabled={busy || !resumable || epochsInvalid}
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
          disabled={busy || !can.has("stop")}
          onConfirm={() => control.mutate("stop")}
        />
        <button type="button" disabled={busy || !can.has("retry")} onClick={() => control.mutate("retry")}>
          Retry
        </button>
        <span className="spacer" />
        <ConfirmButton
          label="Delete run"
          question="Delete this run with its checkpoints, tests and exports?"
          disabled={busy || !can.has("delete")}
          onConfirm={() => remove.mutate()}
        />
      </div>
      <ErrorNotice error={control.error} title={control.variables ? `Could not ${control.variables}` : undefined} />
      <ErrorNotice error={remove.error} title="Could not delete the run" />
    </div>
  );
}
