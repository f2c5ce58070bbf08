import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { FileDrop } from "../predict/FileDrop";
import { predictItems, useImageLists } from "../predict/images";
import { predict } from "../predict/predict";
import { PredictionResult } from "../predict/PredictionResult";
import { Slider } from "../components/Slider";
import { useSource, type SourceChoice } from "../predict/sources";
import { SourcePicker } from "../predict/SourcePicker";
import { IMAGE_KINDS, IMAGE_TYPES, MAX_IMAGE_BYTES, MAX_IMAGES } from "../predict/types";
import { capitalised, formatBytes } from "../format";
import { hasObjects, useTask } from "../tasks";
import "../predict/predict.css";

/** What predicts, starting from the address: ?run=&checkpoint=&export= or ?model=name:3 / name@alias. */
function useChoice(): [SourceChoice, (changes: Partial<SourceChoice>) => void] {
  const [params] = useSearchParams();
  const [choice, setChoice] = useState<SourceChoice>(() => ({
    mode: params.get("model") ? "registry" : "run",
    run: params.get("run") ?? "",
    checkpoint: params.get("checkpoint") ?? "",
    export: params.get("export") ?? "",
    model: params.get("model") ?? "",
  }));
  return [choice, (changes) => setChoice((current) => ({ ...current, ...changes }))];
}

export function PredictPage() {
  const [choice, setChoice] = useChoice();
  const { source, problem } = useSource(choice);
  const task = useTask(source?.task);
  const inputs = task?.inputs ?? ["image"];
  const pair = inputs.length > 1;
  const { lists, choose } = useImageLists(inputs.length);
  const [threshold, setThreshold] = useState(0.25);
  const { items, problem: mismatch } = predictItems(lists, inputs, MAX_IMAGES, MAX_IMAGE_BYTES);
  const ready = source !== null && task !== undefined && items.length > 0;

  const result = useQuery({
    queryKey: ["predict", source?.runId, source?.checkpoint, source?.exportId, source?.runtime, source?.task, ...items.flat().map((i) => i.id)],
    queryFn: () => predict(source!, inputs, items),
    enabled: ready,
    retry: false,
    staleTime: Infinity,
    gcTime: 60_000,
  });

  const drops = pair
    ? inputs.map((input) => [`${capitalised(input)} image`, `Choose ${input} images`])
    : [["Image", "Choose images"]];
  const named = `${inputs.join(" and ")} images`;

  return (
    <div className="predict-page">
      <h1>Predict</h1>
      <p className="muted">
        Try a trained model on your own images: pick a run's checkpoint (or one of its exports) or a published
        version, then drop up to {MAX_IMAGES} {pair ? `${named}, paired in the order chosen` : "images"}.
      </p>
      <SourcePicker choice={choice} onChange={setChoice} />
      {problem && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      <div className="drops">
        {drops.map(([label, button], index) => (
          <FileDrop
            key={label}
            label={label}
            button={button}
            hint={`Drop ${IMAGE_KINDS} here, or several (up to ${formatBytes(MAX_IMAGE_BYTES)} in all).`}
            accept={IMAGE_TYPES}
            kind={IMAGE_KINDS}
            maxSize={MAX_IMAGE_BYTES}
            multiple
            onFiles={(files) => choose(index, files)}
            chosen={lists[index].map((image) => image.file.name).join(", ") || undefined}
          />
        ))}
      </div>
      {mismatch && (
        <p className="notice warning" role="alert">
          {mismatch}
        </p>
      )}
      {hasObjects(task?.target) && (
        <div className="controls">
          <Slider label="Score threshold" value={threshold} step={0.01} shown={threshold.toFixed(2)} onChange={setThreshold} />
        </div>
      )}
      <section className="card" aria-label="Prediction" data-testid="prediction" aria-busy={result.isFetching}>
        {!source && !problem && <p className="muted">Choose a run or a model version above.</p>}
        {source && !ready && (
          <p className="muted">
            {pair ? `Drop ${named}, as many of each.` : "Drop one or more images to see what the model sees."}
          </p>
        )}
        {result.isFetching && <Loading what="Predicting (the first call loads the model)" />}
        <ErrorNotice error={result.error} title="The prediction failed" />
        {result.data && !result.isFetching && ready && (
          <PredictionResult
            task={task}
            response={result.data}
            items={items}
            classes={source?.classes ?? null}
            threshold={threshold}
            reference={source?.reference ?? null}
          />
        )}
        {(result.data || result.error) && !result.isFetching && (
          <button type="button" onClick={() => result.refetch()}>
            Predict again
          </button>
        )}
      </section>
    </div>
  );
}
