/** Previous / next over a paged list, with where we are in words ("1–24 of 31 images"). */
export function Pager({
  offset,
  limit,
  total,
  unit,
  onOffset,
  busy = false,
}: {
  offset: number;
  limit: number;
  total: number;
  /** what the list holds, in the plural */
  unit: string;
  onOffset: (offset: number) => void;
  busy?: boolean;
}) {
  const last = Math.min(offset + limit, total);
  return (
    <nav className="toolbar pager" aria-label="Pages">
      <span className="muted small" aria-live="polite">
        {total ? `${offset + 1}–${last} of ${total} ${unit}` : `0 ${unit}`}
        {busy ? " · loading…" : ""}
      </span>
      <span className="spacer" />
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        Previous page
      </button>
      <button type="button" disabled={last >= total} onClick={() => onOffset(offset + limit)}>
        Next page
      </button>
    </nav>
  );
}
