import type { ReactNode } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Pager } from "../components/Pager";
import { useSweepList } from "../sweeps/queries";
import "../sweeps/sweeps.css";
import { SweepsTable } from "../sweeps/SweepsTable";

const PAGE_SIZE = 25;

/** /sweeps: the hyperparameter sweeps, newest first, a page at a time (``offset`` in the address),
 * refreshed every two seconds while one of them is running or paused. */
export function SweepsPage() {
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const sweeps = useSweepList(PAGE_SIZE, offset);

  function goTo(next: number) {
    const search = new URLSearchParams(window.location.search);
    if (next) search.set("offset", String(next));
    else search.delete("offset");
    setParams(search, { replace: true });
  }

  let body: ReactNode;
  if (sweeps.error && !sweeps.data) body = <ErrorNotice error={sweeps.error} title="The sweeps could not be listed" />;
  else if (!sweeps.data) body = <Loading what="Loading sweeps" />;
  else if (sweeps.data.total === 0) body = <EmptyState />;
  else
    body = (
      <>
        {sweeps.error && <ErrorNotice error={sweeps.error} title="The list could not be refreshed" />}
        <SweepsTable sweeps={sweeps.data.items} />
        {(sweeps.data.total > PAGE_SIZE || offset > 0) && (
          <Pager
            offset={offset}
            limit={PAGE_SIZE}
            total={sweeps.data.total}
            unit="sweeps"
            busy={sweeps.isPlaceholderData}
            onOffset={goTo}
          />
        )}
      </>
    );

  return (
    <section className="sweeps">
      <div className="toolbar sweeps-head">
        <h1>Sweeps</h1>
        <span className="spacer" />
        <Link to="/sweeps/new" className="button primary">
          New sweep
        </Link>
      </div>
      <p className="muted">
        Hyperparameter searches: each trial is a run of the same model and dataset with values drawn from a search
        space, and weak trials can be pruned early.
      </p>
      {body}
    </section>
  );
}

function EmptyState() {
  return (
    <div className="card sweeps-empty">
      <h2>No sweeps yet</h2>
      <p className="muted">
        Pick a model, a dataset and the settings to search over; the sweep trains the trials and finds the best
        values.
      </p>
      <Link to="/sweeps/new" className="button primary">
        Start a sweep
      </Link>
    </div>
  );
}
