import type { DrawnBox } from "../overlay/BoxLayer";
import { SampleFrame } from "./SampleFrame";
import type { DatasetSummary, SampleImage } from "./types";

/** A sample's boxes to draw, coloured by the class's index in the dataset's class list. */
function drawnBoxes(sample: SampleImage, classes: string[]): DrawnBox[] | null {
  if (!sample.boxes) return null;
  return sample.boxes.map((b) => ({
    box: b.box,
    label: b.class_name,
    classIndex: Math.max(0, classes.indexOf(b.class_name)),
  }));
}

/** ``<split>/images/<name>.<ext>`` → ``<split>/masks/<name>.png`` (the mask-folder layout). */
function maskOf(path: string): string | null {
  const match = /^([^/]+)\/images\/(.+)\.[^./]+$/.exec(path);
  return match ? `${match[1]}/masks/${match[2]}.png` : null;
}

/** ``<split>/A/<name>.<ext>`` → ``<split>/label/<name>.png`` (the LEVIR-CD layout). */
function labelOf(path: string): string | null {
  const match = /^([^/]+)\/A\/(.+)\.[^./]+$/.exec(path);
  return match ? `${match[1]}/label/${match[2]}.png` : null;
}

/** Before/after pairs: the API lists each pair's A file then its B file. */
function pairs(samples: SampleImage[]): [SampleImage, SampleImage | undefined][] {
  const out: [SampleImage, SampleImage | undefined][] = [];
  for (let i = 0; i < samples.length; i++) {
    const next = samples[i + 1];
    if (next && /\/B\//.test(next.path) && /\/A\//.test(samples[i].path)) {
      out.push([samples[i], next]);
      i++;
    } else out.push([samples[i], undefined]);
  }
  return out;
}

export function SampleGrid({
  summary,
  samples,
  annotations,
}: {
  summary: DatasetSummary;
  samples: SampleImage[];
  /** draw masks / change labels / boxes */
  annotations: boolean;
}) {
  const dataset = summary.name;
  if (summary.format === "levir_cd")
    return (
      <div className="sample-grid pairs">
        {pairs(samples).map(([before, after]) => (
          <figure key={before.path}>
            <div className="pair">
              <SampleFrame dataset={dataset} path={before.path} alt={`before: ${before.path}`} corner="before" />
              {after && (
                <SampleFrame
                  dataset={dataset}
                  path={after.path}
                  alt={`after: ${after.path}`}
                  corner="after"
                  maskPath={annotations ? labelOf(before.path) : null}
                  kind="change"
                />
              )}
            </div>
            <figcaption>
              <span className="badge">{before.split}</span> <span className="path">{before.path.replace(/^[^/]+\/A\//, "")}</span>
            </figcaption>
          </figure>
        ))}
      </div>
    );
  return (
    <div className="sample-grid">
      {samples.map((s) => (
        <figure key={s.path}>
          <SampleFrame
            dataset={dataset}
            path={s.path}
            alt={s.class_name ? `${s.class_name}: ${s.path}` : s.path}
            maskPath={annotations && summary.format === "masks" ? maskOf(s.path) : null}
            boxes={annotations ? drawnBoxes(s, summary.classes) : null}
          />
          <figcaption>
            {s.class_name !== null && (
<strong>{s.class_name} </strong>
            )}
            <span className="badge">{s.split}</span>
            <div className="path">{s.path}</div>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}
