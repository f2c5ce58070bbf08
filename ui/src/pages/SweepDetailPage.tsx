import { Link, useParams } from "react-router-dom";
import { ApiError } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { Section } from "../components/Section";
import { BestTrial } from "../sweeps/BestTrial";
import { HistoryChart } from "../sweeps/HistoryChart";
import { Importances } from "../sweeps/Importances";
import { ParallelCoordinates } from "../sweeps/ParallelCoordinates";
import { useSweep } from "../sweeps/queries";
import { SweepControls } from "../sweeps/SweepControls";
import { SweepHeader } from "../sweeps/SweepHeader";
import "../sweeps/sweeps.css";
import { TrialsTable } from "../sweeps/TrialsTable";
import type { SweepPublic } from "../sweeps/types";
import { distributionText } from "../sweeps/values";

/** /sweeps/:sweepId: a sweep's header and controls, its best trial (a run from its config, publishing it),
 * the optimization history, parallel coordinates, parameter importances and every trial; refreshed every
 * two seconds until its last trial is accounted for. */
export function SweepDetailPage() {
  const { sweepId = "" } = useParams();
  const sweep = useSweep(sweepId);

  if (sweep.isPending) return <Loading what="Loading the sweep" />;
  if (!sweep.data)
    return (
      <>
        <h1>Sweep {sweepId}</h1>
        <ErrorNotice
          error={sweep.error}
          title={sweep.error instanceof ApiError && sweep.error.status === 404 ? "No such sweep" : "Could not load the sweep"}
        />
        <p>
          <Link to="/sweeps">Back to the sweeps</Link>
        </p>
      </>
    );

  const data = sweep.data;
  return (
    <div className="sweep-detail">
      <SweepHeader sweep={data} />
      <SweepControls sweep={data} />
      {sweep.error && <ErrorNotice error={sweep.error} title="The sweep could not be refreshed" />}
      <div className="sweep-summary">
        <BestTrial sweep={data} />
        <Importances sweep={data} />
      </div>
      <div className="sweep-charts">
        <HistoryChart sweep={data} />
        <ParallelCoordinates sweep={data} />
      </div>
      <h2>Trials</h2>
      <TrialsTable sweep={data} />
      <Section title="Search space and base config">
        <SearchSpace sweep={data} />
      </Section>
    </div>
  );
}

function SearchSpace({ sweep }: { sweep: SweepPublic }) {
  return (
    <div className="row">
      <div className="grow">
        <h3>Search space</h3>
        <dl className="facts">
          {Object.entries(sweep.space).map(([name, spec]) => (
            <div className="fact" key={name}>
              <dt className="mono">{name}</dt>
              <dd>
                {spec.type === "categorical" ? "one of " : `${spec.type} from `}
                {distributionText(spec)}
              </dd>
            </div>
          ))}
        </dl>
      </div>
      <div className="grow">
        <h3>Base config</h3>
        {Object.keys(sweep.config).length ? (
          <pre className="sweep-config">{JSON.stringify(sweep.config, null, 2)}</pre>
        ) : (
          <p className="muted">The model's defaults.</p>
        )}
      </div>
    </div>
  );
}
