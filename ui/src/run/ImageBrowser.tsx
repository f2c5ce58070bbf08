import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { api, query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { FractionInput } from "../components/FractionInput";
import { Pager } from "../components/Pager";
import { Loading } from "../components/Loading";
import { ClassLegend } from "../overlay/ClassLegend";
import type { TaskInfo } from "../tasks";
import { ImageDetail } from "./ImageDetail";
import { ImageTile } from "./ImageTile";
import { gridOverlay, maskKind } from "./overlays";
import { OverlayControls } from "./OverlayControls";
import type { RecordPage } from "./types";

const PAGE = 24;
const SORTS: [string, string][] = [
  ["index:asc", "Dataset order"],
  ["confidence:asc", "Confidence, lowest first"],
  ["confidence:desc", "Confidence, highest first"],
  ["loss:desc", "Loss, highest first"],
  ["loss:asc", "Loss, lowest first"],
  ["iou:asc", "IoU, lowest first"],
  ["iou:desc", "IoU, highest first"],
];

/** The per-image results of one evaluation (a validation epoch or a test run): filters, sorting,
 * pages of tiles (each image as it is, with its boxes or masks drawn over it as chosen here) and a
 * detail view of one image. ``base`` is the evaluation's API path. */
export function ImageBrowser({
  base,
  task,
  classes,
  threshold,
}: {
  base: string;
  task: TaskInfo;
  classes: string[];
  threshold: number;
}) {
  const id = useId();
  const [correct, setCorrect] = useState("");
  const [className, setClassName] = useState("");
  const [sort, setSort] = useState("index:asc");
  const [minConfidence, setMinConfidence] = useState("");
  const [maxConfidence, setMaxConfidence] = useState("");
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const [overlay, setOverlay] = useState(() => gridOverlay(task.target));
  const grid = useRef<HTMLUListElement>(null);

  const sorts = SORTS.filter(([key]) => !key.startsWith("iou") || task.target !== "label");
  const [sortKey, order] = sort.split(":");
  const params = {
    correct,
    class_name: className,
    min_confidence: minConfidence,
    max_confidence: maxConfidence,
    sort: sortKey,
    order,
    limit: PAGE,
    offset,
  };
  const page = useQuery({
    queryKey: [base, "images", params],
    queryFn: () => api<RecordPage>(`${base}/images${query(params)}`),
    placeholderData: keepPreviousData,
  });
  const filter =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setOffset(0);
    };
  const items = page.data?.items ?? [];
  const total = page.data?.total ?? 0;
  const openIndex = open === null ? -1 : items.findIndex((r) => r.index === open);

  return (
    <section className="image-browser" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Images</h3>
      <div className="toolbar filters">
        <label>
          Correctness
          <select value={correct} onChange={(e) => filter(setCorrect)(e.target.value)}>
            <option value="">All images</option>
            <option value="true">Correct only</option>
            <option value="false">Mistakes only</option>
          </select>
        </label>
        <label>
          Class (truth or prediction)
          <select value={className} onChange={(e) => filter(setClassName)(e.target.value)}>
            <option value="">Any class</option>
            {classes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => filter(setSort)(e.target.value)}>
            {sorts.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min confidence
          <FractionInput value={minConfidence} onChange={filter(setMinConfidence)} />
        </label>
        <label>
          Max confidence
          <FractionInput value={maxConfidence} onChange={filter(setMaxConfidence)} />
        </label>
      </div>
      <OverlayControls target={task.target} value={overlay} onChange={setOverlay} />
      <ClassLegend classes={classes} kind={maskKind(task.target)} />
      <ErrorNotice error={page.error} title="Could not load the images" />
      {page.isPending && <Loading what="Loading images" />}
      {page.data && (
        <>
          <Pager offset={offset} limit={PAGE} total={total} unit="images" onOffset={setOffset} busy={page.isFetching} />
          {total === 0 ? (
            <p className="muted">No image matches these filters.</p>
          ) : (
            <ul className="image-grid" aria-label="Evaluated images" ref={grid}>
              {items.map((record) => (
                <ImageTile
                  key={record.index}
                  base={base}
                  record={record}
                  target={task.target}
                  threshold={threshold}
                  overlay={overlay}
                  onOpen={() => setOpen(record.index)}
                />
              ))}
            </ul>
          )}
        </>
      )}
      {open !== null && (
        <ImageDetail
          base={base}
          record={items[openIndex] ?? null}
          index={open}
          task={task}
          classes={classes}
          threshold={threshold}
          onClose={() => {
            // Back to the tile of the image last shown, as a keyboard user expects.
            const tile = grid.current?.querySelector<HTMLButtonElement>(`button[data-index="${open}"]`);
            setOpen(null);
            tile?.focus();
          }}
          onPrevious={openIndex > 0 ? () => setOpen(items[openIndex - 1].index) : undefined}
          onNext={openIndex >= 0 && openIndex < items.length - 1 ? () => setOpen(items[openIndex + 1].index) : undefined}
        />
      )}
    </section>
  );
}
