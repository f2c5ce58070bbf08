import { TaskTitle } from "../components/TaskTitle";
import type { ModelMetadata } from "./types";

/** What the catalog says about a model, as a definition list. */
export function ModelFacts({ model }: { model: ModelMetadata }) {
  return (
    <dl className="facts">
      <dt>Task</dt>
      <dd>
        <TaskTitle name={model.task_type} />
        {model.input_images > 1 && <span className="muted"> (image pairs: before and after)</span>}
      </dd>
      <dt>Framework</dt>
      <dd>{model.framework}</dd>
      <dt>Recommended batch size</dt>
      <dd>{model.recommended_batch_size ?? "—"}</dd>
      <dt>Input sizes</dt>
      <dd>{model.supported_image_sizes.length ? `${model.supported_image_sizes.join(", ")} px` : "any"}</dd>
      <dt>GPU memory</dt>
      <dd>{model.min_gpu_memory_gb ? `${model.min_gpu_memory_gb} GB or more` : "not stated"}</dd>
      <dt>Version</dt>
      <dd>
        {model.version}
        {model.author && <span className="muted"> by {model.author}</span>}
      </dd>
      {model.tags.length > 0 && (
        <>
          <dt>Tags</dt>
          <dd>
            {model.tags.map((tag) => (
              <span key={tag} className="badge newrun-tag">
                {tag}
              </span>
            ))}
          </dd>
        </>
      )}
    </dl>
  );
}
