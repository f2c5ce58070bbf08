import { useId, useState } from "react";
import type { ConfusionMatrix } from "./types";

/** Rows are true classes, columns predicted ones; each cell is shaded by its share of the row
 * (blue on the diagonal, red off it). Pixel matrices (segmentation) start as row percentages. */
export function ConfusionMatrixView({ matrix, pixels }: { matrix: ConfusionMatrix; pixels: boolean }) {
  const [percent, setPercent] = useState(pixels);
  const id = useId();
  const totals = matrix.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  return (
    <section className="confusion" aria-labelledby={id}>
      <div className="toolbar">
        <h3 id={id}>Confusion matrix{pixels ? " (pixels)" : ""}</h3>
        <label className="inline small">
          <input type="checkbox" checked={percent} onChange={(e) => setPercent(e.target.checked)} />
          Row percentages
        </label>
      </div>
      <div className="table-scroll">
        <table className="matrix data" aria-label="Confusion matrix: rows are true classes, columns predicted classes">
          <thead>
            <tr>
              <th scope="col" className="corner">
                true ↓ / predicted →
              </th>
              {matrix.labels.map((label) => (
                <th key={label} scope="col">
                  {label}
                </th>
              ))}
              <th scope="col" className="num">
                total
              </th>
            </tr>
          </thead>
          <tbody>
            {matrix.matrix.map((row, i) => (
              <tr key={matrix.labels[i]}>
                <th scope="row">{matrix.labels[i]}</th>
                {row.map((value, j) => {
                  const share = totals[i] ? value / totals[i] : 0;
                  const hue = i === j ? "31, 111, 235" : "201, 48, 44";
                  return (
                    <td
                      key={j}
                      style={{
                        background: value ? `rgba(${hue}, ${0.08 + 0.85 * share})` : undefined,
                        color: share > 0.55 ? "#fff" : undefined,
                      }}
                      title={`true ${matrix.labels[i]}, predicted ${matrix.labels[j]}: ${value.toLocaleString()} (${(100 * share).toFixed(1)}% of the row)`}
                    >
                      {percent ? `${(100 * share).toFixed(share && share < 0.1 ? 1 : 0)}%` : value.toLocaleString()}
                    </td>
                  );
                })}
                <td className="num muted">{totals[i].toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
