import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { ErrorNotice } from "../components/ErrorNotice";
import { StatusBadge } from "../components/StatusBadge";
import { TaskTitle } from "../components/TaskTitle";
import { formatDuration, formatTime } from "../format";
import { TrialProgress } from "./TrialProgress";
import type { SweepPublic } from "./types";
import { countsOf, prunerText } from "./values";

/** Title, status and the facts of a sweep: what it trains, what it optimizes and how it searches. */
export function SweepHeader({ sweep }: { sweep: SweepPublic }) {
  const direction = sweep.objective.direction;
  return (
    <header className="sweep-header">
      <div className="sweep-title">
        <h1>{sweep.name ?? sweep.id}</h1>
        <StatusBadge status={sweep.status} />
        {sweep.status === "stopped" && !sweep.finished_at && <span className="small muted">its trials are ending</span>}
      </div>
      {sweep.name && <p className="muted small mono sweep-id">{sweep.id}</p>}
      <dl className="facts sweep-facts">
        <Fact term="Model">
          <Link to="/models">{sweep.model}</Link>
          <span className="muted small"> · <TaskTitle name={sweep.task} /></span>
        </Fact>
        <Fact term="Dataset">
          <Link to={`/datasets/${encodeURIComponent(sweep.dataset)}`}>{sweep.dataset}</Link>
        </Fact>
        <Fact term="Objective">
          <span className="mono">{sweep.objective.metric}</span>
          <span className={`badge direction-${direction}`}>{direction}</span>
        </Fact>
        <Fact term="Sampler">{sweep.sampler}</Fact>
        <Fact term="Pruner">{prunerText(sweep.pruner)}</Fact>
        <Fact term="Parallelism">
          {sweep.parallelism} trial{sweep.parallelism === 1 ? "" : "s"} at a time
        </Fact>
        <Fact term="Trials">
          <TrialProgress sweep={{ n_trials: sweep.n_trials, trial_counts: countsOf(sweep.trials) }} />
          <Link className="small" to={`/runs?sweep=${encodeURIComponent(sweep.id)}`}>
            in the runs list
          </Link>
        </Fact>
        {sweep.timeout_s != null && <Fact term="Time limit">{formatDuration(sweep.timeout_s)}</Fact>}
        <Fact term="Created">{formatTime(sweep.created_at)}</Fact>
        {sweep.started_at && <Fact term="Started">{formatTime(sweep.started_at)}</Fact>}
        {sweep.finished_at && <Fact term="Finished">{formatTime(sweep.finished_at)}</Fact>}
      </dl>
      {sweep.error && <ErrorNotice error={new Error(sweep.error)} title={sweep.status === "failed" ? "The sweep failed" : "Last error"} />}
    </header>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
