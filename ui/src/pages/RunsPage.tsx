import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Pager } from "../components/Pager";
import { keys } from "../queries";
import { ACTIVE, STATUS_FILTERS, statusesOf } from "../runs/filters";
import "../runs/runs.css";
import { RunsTable } from "../runs/RunsTable";
import type { RunList } from "../types";

const PAGE_SIZE = 25;
/** A text search looks through this many of the newest runs (the API has no text filter). */
const SEARCH_DEPTH = 500;

/** / and /runs: every run, newest first, refreshed every two seconds while one is active. */
export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const text = params.get("q") ?? "";
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const searching = text.trim() !== "";

  const path = `/api/v1/runs${query({
    status: statusesOf(status),
    limit: searching ? SEARCH_DEPTH : PAGE_SIZE,
    offset: searching ? 0 : offset,
  })}`;
  const runs = useQuery({
    queryKey: [...keys.runs, path],
    queryFn: () => api<RunList>(path),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((r) => ACTIVE.includes(r.status)) ? 2000 : 10_000),
  });

  function update(changes: Record<string, string>) {
    // from the address bar, not this render's params: two quick changes must not undo each other
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  }

  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (runs.data?.items ?? []).filter((run) => {
    const haystack = [run.name, run.id, run.model, run.dataset, run.task].join(" ").toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  const filtered = status !== "" || searching;

  let body: ReactNode;
  if (runs.error && !runs.data) body = <ErrorNotice error={runs.error} title="The runs could not be listed" />;
  else if (!runs.data) body = <Loading what="Loading runs" />;
  else if (runs.data.total === 0 && !filtered) body = <EmptyState />;
  else if (!shown.length)
    body = (
      <div className="card runs-empty">
        <p>No run matches these filters.</p>
        <button type="button" onClick={() => update({ status: "", q: "", offset: "" })}>
          Show all runs
        </button>
      </div>
    );
  else
    body = (
      <>
        <RunsTable runs={shown} />
        {searching ? (
          runs.data.total > SEARCH_DEPTH && (
            <p className="small muted">The search looks through the {SEARCH_DEPTH} newest runs.</p>
          )
        ) : (
          (runs.data.total > PAGE_SIZE || offset > 0) && (
            <Pager
              offset={offset}
              limit={PAGE_SIZE}
              total={runs.data.total}
              unit="runs"
              onOffset={(o) => update({ offset: o ? String(o) : "" })}
            />
          )
        )}
      </>
    );

  return (
    <section>
      <div className="toolbar runs-head">
        <h1>Runs</h1>
        <span className="spacer" />
        <Link to="/runs/new" className="button primary">
          New run
        </Link>
      </div>
      <div className="toolbar runs-filters">
        <label htmlFor="runs-status">Status</label>
        <select id="runs-status" value={status} onChange={(e) => update({ status: e.target.value, offset: "" })}>
          {STATUS_FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
        <label htmlFor="runs-search">Search</label>
        <input
          id="runs-search"
          type="search"
          value={text}
          placeholder="name, model or dataset"
          onChange={(e) => update({ q: e.target.value, offset: "" })}
        />
        <span className="spacer" />
        {runs.data && (
          <span className="small muted" aria-live="polite">
            {searching ? `${shown.length} of ${runs.data.items.length}` : runs.data.total} run
            {(searching ? shown.length : runs.data.total) === 1 ? "" : "s"}
          </span>
        )}
      </div>
      {runs.error && runs.data && <ErrorNotice error={runs.error} title="The list could not be refreshed" />}
      {body}
    </section>
  );
}

function EmptyState() {
  return (
    <div className="card runs-empty">
      <h2>No training runs yet</h2>
      <p className="muted">
        Pick a model and one of your datasets and start training with sensible defaults; every setting can be
        tuned when you need it.
      </p>
      <Link to="/runs/new" className="button primary">
        Start your first run
      </Link>
      <Link to="/datasets" className="button">
        Add a dataset
      </Link>
    </div>
  );
}
