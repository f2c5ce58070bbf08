import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError, query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Pager } from "../components/Pager";
import { comparePath, MAX_COMPARED } from "../compare/queries";
import { keys } from "../queries";
import { ACTIVE, apiParams, FILTER_KEYS, filtersOf, isFiltered } from "../runs/filters";
import { RunFilterBar, type FilterChange } from "../runs/RunFilterBar";
import "../runs/runs.css";
import { RunsTable } from "../runs/RunsTable";
import type { RunList } from "../types";

const PAGE_SIZE = 25;

/** / and /runs: the runs, newest first, filtered on the server by what the query string holds, a page at a
 * time, refreshed every two seconds while one is active; runs picked on any page can be compared. */
export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const [picked, setPicked] = useState<string[]>([]);

  const path = `/api/v1/runs${query({ ...apiParams(filters), limit: PAGE_SIZE, offset })}`;
  const runs = useQuery({
    queryKey: [...keys.runs, path],
    queryFn: () => api<RunList>(path),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((r) => ACTIVE.includes(r.status)) ? 2000 : 10_000),
  });
  const boundError =
    filters.where.length && runs.error instanceof ApiError && runs.error.status === 422 ? runs.error : null;

  /** Changes filters (and goes back to the first page) or the page. */
  function update(changes: FilterChange & { offset?: string }) {
    // from the address bar, not this render's params: two quick changes must not undo each other
    const next = new URLSearchParams(window.location.search);
    if (!("offset" in changes)) next.delete("offset");
    for (const [key, value] of Object.entries(changes)) {
      next.delete(key);
      for (const item of Array.isArray(value) ? value : [value]) if (item) next.append(key, item);
    }
    setParams(next, { replace: true });
  }

  function clearFilters() {
    const next = new URLSearchParams(window.location.search);
    for (const key of FILTER_KEYS) next.delete(key);
    setParams(next, { replace: true });
  }

  const pick = (id: string, on: boolean) =>
    setPicked((current) => (on ? [...current.filter((p) => p !== id), id] : current.filter((p) => p !== id)));
  function addTag(tag: string) {
    if (!filters.tags.includes(tag)) update({ tag: [...filters.tags, tag] });
  }

  let body: ReactNode;
  if (boundError) body = <p className="muted">No runs listed until the bound is fixed.</p>;
  else if (runs.error && !runs.data) body = <ErrorNotice error={runs.error} title="The runs could not be listed" />;
  else if (!runs.data) body = <Loading what="Loading runs" />;
  else if (runs.data.total === 0 && !isFiltered(filters)) body = <EmptyState />;
  else if (!runs.data.items.length)
    body = (
      <div className="card runs-empty">
        <p>No run matches these filters{offset > 0 ? " on this page" : ""}.</p>
        <button type="button" onClick={clearFilters}>
          Show all runs
        </button>
      </div>
    );
  else
    body = (
      <>
        <RunsTable runs={runs.data.items} picked={new Set(picked)} onPick={pick} onTag={addTag} />
        {(runs.data.total > PAGE_SIZE || offset > 0) && (
          <Pager
            offset={offset}
            limit={PAGE_SIZE}
            total={runs.data.total}
            unit="runs"
            busy={runs.isPlaceholderData}
            onOffset={(o) => update({ offset: o ? String(o) : "" })}
          />
        )}
      </>
    );

  return (
    <section>
      <div className="toolbar runs-head">
        <h1>Runs</h1>
        <span className="spacer" />
        <CompareButton picked={picked} onClear={() => setPicked([])} />
        <Link to="/runs/new" className="button primary">
          New run
        </Link>
      </div>
      <RunFilterBar filters={filters} onChange={update} boundError={boundError} />
      {runs.data && !boundError && (
        <p className="small muted runs-count" aria-live="polite">
          {runs.data.total} run{runs.data.total === 1 ? "" : "s"}
          {isFiltered(filters) && " match these filters"}
        </p>
      )}
      {runs.error && runs.data && !boundError && (
        <ErrorNotice error={runs.error} title="The list could not be refreshed" />
      )}
      {body}
    </section>
  );
}

/** Opens the comparison of the picked runs (2 to 10 of them). */
function CompareButton({ picked, onClear }: { picked: string[]; onClear: () => void }) {
  const navigate = useNavigate();
  const fits = picked.length >= 2 && picked.length <= MAX_COMPARED;
  return (
    <>
      {picked.length > 0 && (
        <>
          <span className="small muted">
            {picked.length > MAX_COMPARED ? `compare at most ${MAX_COMPARED} runs` : `${picked.length} picked`}
          </span>
          <button type="button" onClick={onClear}>
            Clear picks
          </button>
        </>
      )}
      <button
        type="button"
        disabled={!fits}
        title={fits ? undefined : `Pick 2 to ${MAX_COMPARED} runs to compare them`}
        onClick={() => navigate(comparePath(picked))}
      >
        Compare ({picked.length})
      </button>
    </>
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
