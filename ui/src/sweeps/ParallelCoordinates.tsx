import type { SweepPublic, Trial } from "./types";
import { isBetter, paramAxis, paramNames, paramText, valueColour, valueText, type ParamAxis } from "./values";

const WIDTH = 760;
const HEIGHT = 300;
const TOP = 34;
const BOTTOM = 20;
const SIDE = 74;
const UNSCORED = "#c3c9d2";

/** Parallel coordinates: an axis per parameter (choices evenly spaced, ranges on the scale they were searched
 * on) and one for the objective; a line per trial through its values, coloured by its objective (pale to dark
 * as it gets better; grey and dashed for a trial without one: pruned, failed or not done). Drawn by hand in SVG. */
export function ParallelCoordinates({ sweep }: { sweep: SweepPublic }) {
  const names = paramNames(sweep);
  const trials = sweep.trials.filter((t) => Object.keys(t.params).length > 0);
  const metric = sweep.objective.metric;
  const direction = sweep.objective.direction;
  const scored = trials.filter((t): t is Trial & { value: number } => t.value != null);
  const values = scored.map((t) => t.value);
  const worst = values.length ? values.reduce((a, b) => (isBetter(direction, a, b) ? b : a)) : 0;
  const best = values.length ? values.reduce((a, b) => (isBetter(direction, a, b) ? a : b)) : 0;
  const share = (value: number) => (best === worst ? 1 : (value - worst) / (best - worst));

  const axes: ParamAxis[] = names.map((name) => paramAxis(name, sweep.space[name], trials.map((t) => t.params[name])));
  const objective = paramAxis(metric, undefined, values);
  const all = [...axes, objective];
  const x = (i: number) => (all.length === 1 ? WIDTH / 2 : SIDE + (i * (WIDTH - 2 * SIDE)) / (all.length - 1));
  const y = (at: number) => TOP + (1 - at) * (HEIGHT - TOP - BOTTOM);

  const line = (trial: Trial) =>
    all
      .map((axis, i) => {
        const at = i < axes.length ? axis.scale(trial.params[axis.name]) : axis.scale(trial.value);
        return at === null ? null : `${x(i).toFixed(1)},${y(at).toFixed(1)}`;
      })
      .filter(Boolean)
      .join(" ");
  // unscored lines first, then the scored from worst to best, so the best is drawn on top
  const order = [...trials].sort((a, b) => (a.value == null ? -1 : b.value == null ? 1 : share(a.value) - share(b.value)));
  const bestNumber = sweep.best_trial?.number;

  return (
    <figure
      className="chart sweep-chart sweep-parallel"
      data-testid="sweep-parallel"
      data-lines={trials.length}
      aria-labelledby="sweep-parallel-title"
    >
      <h3 id="sweep-parallel-title">Parameters and {metric}: parallel coordinates</h3>
      {trials.length === 0 ? (
        <p className="muted small chart-empty">No trial has been given its values yet.</p>
      ) : (
        <>
          <svg
            viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
            width="100%"
            role="img"
            aria-labelledby="sweep-parallel-title sweep-parallel-desc"
            className="parallel-coordinates"
          >
            <desc id="sweep-parallel-desc">
              {`${trials.length} trials across ${names.join(", ")} and ${metric}; ${scored.length} with a value, the best ${valueText(
                values.length ? best : null,
              )}.`}
            </desc>
            {order.map((trial) => (
              <polyline
                key={trial.number}
                className={`pc-line${trial.value == null ? " unscored" : ""}${trial.number === bestNumber ? " best" : ""}`}
                data-trial={trial.number}
                points={line(trial)}
                fill="none"
                stroke={trial.value == null ? UNSCORED : valueColour(share(trial.value))}
                strokeWidth={trial.number === bestNumber ? 3 : 1.6}
                strokeDasharray={trial.value == null ? "4 3" : undefined}
              >
                <title>{trialTitle(trial, names, metric)}</title>
              </polyline>
            ))}
            {all.map((axis, i) => (
              <g key={axis.name} className={`pc-axis${i === axes.length ? " objective" : ""}`}>
                <line x1={x(i)} x2={x(i)} y1={y(1)} y2={y(0)} stroke="#5d6878" strokeWidth={1} />
                <text x={x(i)} y={TOP - 14} textAnchor="middle" className="pc-axis-name">
                  {axis.name}
                </text>
                {axis.ticks.map((tick) => (
                  <g key={`${tick.at}-${tick.text}`}>
                    <line x1={x(i) - 3} x2={x(i) + 3} y1={y(tick.at)} y2={y(tick.at)} stroke="#5d6878" />
                    <text x={x(i) - 6} y={y(tick.at) + 4} textAnchor="end" className="pc-tick">
                      {tick.text}
                    </text>
                  </g>
                ))}
              </g>
            ))}
          </svg>
          {values.length > 0 && (
            <p className="pc-scale small muted">
              <span>{metric}</span>
              <span>worst {valueText(worst)}</span>
              <span
                className="pc-gradient"
                aria-hidden="true"
                style={{ background: `linear-gradient(to right, ${valueColour(0)}, ${valueColour(0.5)}, ${valueColour(1)})` }}
              />
              <span>best {valueText(best)}</span>
              <span className="pc-unscored" aria-hidden="true" />
              <span>no value (pruned, failed or running)</span>
            </p>
          )}
        </>
      )}
    </figure>
  );
}

function trialTitle(trial: Trial, names: string[], metric: string): string {
  const values = names.filter((n) => n in trial.params).map((n) => `${n} ${paramText(trial.params[n])}`);
  return `trial ${trial.number} (${trial.status}): ${values.join(", ")}; ${metric} ${valueText(trial.value)}`;
}
