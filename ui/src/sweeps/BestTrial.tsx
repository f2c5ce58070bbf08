import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router-dom";
import { post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { keys } from "../queries";
import type { RunPublic } from "../types";
import { PublishBest } from "./PublishBest";
import { sweepLabel } from "./queries";
import type { SweepPublic } from "./types";
import { paramNames, paramText, valueText } from "./values";

/** The best completed trial: its objective and values, and in one click each a run started from its config
 * or its run published to the registry. */
export function BestTrial({ sweep }: { sweep: SweepPublic }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const best = sweep.best_trial;
  const start = useMutation({
    mutationFn: () =>
      post<RunPublic>("/api/v1/runs", {
        model: sweep.model,
        dataset: sweep.dataset,
        config: sweep.best_config ?? {},
        name: `${sweepLabel(sweep).slice(0, 150)} · best trial ${best?.number}`,
        note: `Started from the best config of sweep ${sweep.id} (trial ${best?.number}, ${sweep.objective.metric} ${valueText(best?.value)}).`,
      }),
    onSuccess: (run) => {
      client.invalidateQueries({ queryKey: keys.runs });
      navigate(`/runs/${encodeURIComponent(run.id)}`);
    },
  });

  if (!best)
    return (
      <section className="card sweep-best" aria-labelledby="sweep-best-title">
        <h2 id="sweep-best-title">Best trial</h2>
        <p className="muted">No trial has completed yet: the best one is shown here once one has.</p>
      </section>
    );

  return (
    <section className="card sweep-best" aria-labelledby="sweep-best-title" data-testid="best-trial">
      <h2 id="sweep-best-title">Best trial</h2>
      <p className="sweep-best-value">
        <span className="mono">{sweep.objective.metric}</span> <strong>{valueText(best.value)}</strong>
        <span className="muted small">
          {" "}
          · trial {best.number}
          {best.run_id && (
            <>
              {" "}
              · run <Link to={`/runs/${encodeURIComponent(best.run_id)}`}>{best.run_id}</Link>
            </>
          )}
        </span>
      </p>
      <dl className="facts sweep-best-params" aria-label="Best values">
        {paramNames(sweep)
          .filter((name) => name in best.params)
          .map((name) => (
            <div className="fact" key={name}>
              <dt className="mono">{name}</dt>
              <dd>{paramText(best.params[name])}</dd>
            </div>
          ))}
      </dl>
      <div className="toolbar sweep-best-actions">
        <button
          type="button"
          className="primary"
          disabled={!sweep.best_config || start.isPending}
          onClick={() => start.mutate()}
        >
          {start.isPending ? "Starting…" : "Start a run from the best config"}
        </button>
        <PublishBest sweep={sweep} />
      </div>
      <ErrorNotice error={start.error} title="The run was not started" />
    </section>
  );
}
