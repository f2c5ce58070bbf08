import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { ClassLegend } from "../overlay/ClassLegend";
import { Field } from "../components/Field";
import { hasMasks, targetOf, useTasks } from "../tasks";
import { SampleGrid } from "./SampleGrid";
import { datasetPath, type DatasetSummary, type SampleImage } from "./types";

const PER_CLASS = [4, 8, 16, 32, 64, 100];
const DRAW_LABELS: Record<string, string> = {
  masks: "Draw masks",
  levir_cd: "Draw change labels",
  coco: "Draw boxes",
  yolo: "Draw boxes",
};

/** Sample images spread over each class (the API's ``per_class``), filtered by split and class. */
export function DatasetSamples({ summary }: { summary: DatasetSummary }) {
  const [split, setSplit] = useState("");
  const [chosenClass, setChosenClass] = useState("");
  const [perClass, setPerClass] = useState(PER_CLASS[0]);
  const [annotations, setAnnotations] = useState(true);
  const classified = summary.format === "image_folder";
  const detection = summary.format === "coco" || summary.format === "yolo";
  const drawable = detection || summary.format === "masks" || summary.format === "levir_cd";
  const tasks = useTasks();
  const shapes = summary.format === "coco" && summary.tasks.some((task) => hasMasks(targetOf(tasks.data, task)));

  const samples = useQuery({
    queryKey: ["dataset-samples", summary.name, split, perClass],
    queryFn: () =>
      api<SampleImage[]>(`${datasetPath(summary.name)}/samples${query({ per_class: perClass, split })}`),
    placeholderData: (previous) => previous,
  });
  const shown = (samples.data ?? []).filter((s) => !chosenClass || s.class_name === chosenClass);

  return (
    <>
      <div className="filters">
        <Field label="Split">
          {(id) => (
            <select id={id} value={split} onChange={(e) => setSplit(e.target.value)}>
              <option value="">All splits</option>
              {summary.splits.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
        {classified && (
          <Field label="Class">
            {(id) => (
              <select id={id} value={chosenClass} onChange={(e) => setChosenClass(e.target.value)}>
                <option value="">All classes</option>
                {summary.classes.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Samples per class">
          {(id) => (
            <select id={id} value={perClass} onChange={(e) => setPerClass(Number(e.target.value))}>
              {PER_CLASS.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          )}
        </Field>
        {drawable && (
          <label className="inline">
            <input
              type="checkbox"
              checked={annotations}
              onChange={(e) => setAnnotations(e.target.checked)}
            />
            {DRAW_LABELS[summary.format]}
          </label>
        )}
        <span className="muted small" aria-live="polite">
          {samples.isSuccess && `${shown.length} ${summary.format === "levir_cd" ? "files" : "images"} shown`}
          {samples.isFetching && !samples.isPending && " (loading…)"}
        </span>
      </div>
      {summary.format === "masks" && annotations && <ClassLegend classes={summary.classes} />}
      {shapes && (
        <p className="muted small">COCO segmentation shapes are not drawn in this preview, only the annotations' boxes.</p>
      )}
      <ErrorNotice error={samples.error} title="The samples could not be listed" />
      {samples.isPending && <Loading what="Loading samples" />}
      {samples.isSuccess && shown.length === 0 && <p className="muted">No images match these filters.</p>}
      {shown.length > 0 && <SampleGrid summary={summary} samples={shown} annotations={annotations} />}
    </>
  );
}
