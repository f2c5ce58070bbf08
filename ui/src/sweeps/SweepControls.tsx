import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router-dom";
import { post, request } from "../api";
import { ConfirmButton } from "../components/ConfirmButton";
import { ErrorNotice } from "../components/ErrorNotice";
import { keys } from "../queries";
import { sweepKeys, sweepPath } from "./queries";
import { sweepActions, type SweepPublic } from "./types";

type Action = "pause" | "resume" | "stop";

/** Pause, Resume, Stop and Delete, each enabled when the sweep's ``actions`` (the server's) has it. A
 * stopped sweep can be deleted once its last trial has ended (``finished_at``). */
export function SweepControls({ sweep }: { sweep: SweepPublic }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const can = sweepActions(sweep);
  const control = useMutation({
    mutationFn: (action: Action) => post<SweepPublic>(sweepPath(sweep.id, `/${action}`)),
    onSuccess: (updated) => {
      client.setQueryData(sweepKeys.sweep(sweep.id), updated);
      client.invalidateQueries({ queryKey: keys.sweeps });
      client.invalidateQueries({ queryKey: keys.runs });
    },
  });
  const remove = useMutation({
    mutationFn: () => request(sweepPath(sweep.id), { method: "DELETE" }),
    onSuccess: () => {
      client.removeQueries({ queryKey: sweepKeys.sweep(sweep.id) });
      client.invalidateQueries({ queryKey: keys.sweeps });
      client.invalidateQueries({ queryKey: keys.runs });
      navigate("/sweeps");
    },
  });
  const busy = control.isPending || remove.isPending;
  const ending = can.has("delete") && !sweep.finished_at;

  return (
    <div className="sweep-controls">
      <div className="toolbar">
        <button type="button" disabled={busy || !can.has("pause")} onClick={() => control.mutate("pause")}>
          Pause
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || !can.has("resume")}
          onClick={() => control.mutate("resume")}
        >
          Resume
        </button>
        <ConfirmButton
          label="Stop"
          question="Stop this sweep? Its trials stop (with a checkpoint); it can be resumed later."
          disabled={busy || !can.has("stop")}
          onConfirm={() => control.mutate("stop")}
        />
        <span className="spacer" />
        {ending && <span className="small muted">Deletable once its trials have ended.</span>}
        <ConfirmButton
          label="Delete sweep"
          question="Delete this sweep with its study and its trials' runs (published ones stay)?"
          disabled={busy || !can.has("delete") || ending}
          onConfirm={() => remove.mutate()}
        />
      </div>
      <ErrorNotice error={control.error} title={control.variables ? `Could not ${control.variables} the sweep` : undefined} />
      <ErrorNotice error={remove.error} title="Could not delete the sweep" />
    </div>
  );
}
