import { Frame } from "../overlay/Frame";
import type { PredictionEntry } from "./types";

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The image, the top class, and the ranked classes with score bars. */
export function ClassificationView({ entry, image }: { entry: PredictionEntry; image: string }) {
  const ranked = entry.top_k ?? [];
  return (
    <div className="result-layout">
      <Frame className="result-image">
        <img src={image} alt={entry.files[0]} />
      </Frame>
      <div>
        <p className="top-label">
          <strong>{entry.class_name}</strong> <span className="muted">{percent(entry.confidence ?? 0)}</span>
        </p>
        <ol className="ranked" aria-label="Classes by score">
          {ranked.map((c) => (
            <li key={c.label}>
              <span className="name">{c.class_name}</span>
              <span
                className="progress"
                role="meter"
                aria-label={c.class_name}
                aria-valuemin={0}
                aria-valuemax={1}
                aria-valuenow={c.confidence}
                aria-valuetext={percent(c.confidence)}
              >
                <span style={{ width: percent(c.confidence) }} />
              </span>
              <span className="score">{percent(c.confidence)}</span>
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}
