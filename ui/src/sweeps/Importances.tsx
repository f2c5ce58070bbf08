import type { SweepPublic } from "./types";

/** Each parameter's importance for the objective (Optuna's fANOVA, shares that sum to 1) as a horizontal
 * bar, the most important first. */
export function Importances({ sweep }: { sweep: SweepPublic }) {
  const rows = Object.entries(sweep.importances).sort(([, a], [, b]) => b - a);
  return (
    <section className="chart sweep-importances" data-testid="sweep-importances" aria-labelledby="sweep-importances-title">
      <h3 id="sweep-importances-title">Parameter importances for {sweep.objective.metric}</h3>
      {rows.length === 0 ? (
        <p className="muted small chart-empty">
          They are estimated once at least two trials with different values have completed.
        </p>
      ) : (
        <ul className="importance-bars">
          {rows.map(([name, value]) => {
            const percent = Math.max(0, Math.min(100, value * 100));
            return (
              <li key={name}>
                <span className="importance-name mono" id={`importance-${name}`}>
                  {name}
                </span>
                <span
                  className="importance-bar"
                  role="meter"
                  aria-labelledby={`importance-${name}`}
                  aria-valuemin={0}
                  aria-valuemax={1}
                  aria-valuenow={value}
                  aria-valuetext={`${percent.toFixed(1)}%`}
                >
                  <span style={{ width: `${percent}%` }} />
                </span>
                <span className="importance-value small">{percent.toFixed(1)}%</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
