import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, query } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { CountsTable } from "../datasets/CountsTable";
import { DatasetSamples } from "../datasets/DatasetSamples";
import { IssueList } from "../datasets/IssueList";
import {
  datasetPath,
  FORMAT_NAMES,
  type DatasetDetail,
} from "../datasets/types";
import { useTaskTitle } from "../tasks";
import { useDatasets } from "../queries";
import "../datasets/datasets.css";
import { Field } from "../components/Field";

export function DatasetDetailPage() {
  const name = useParams().name ?? "";
  return <DatasetDetailView key={name} name={name} />;
}

function DatasetDetailView({ name }: { name: string }) {
  const [task, setTask] = useState("");
  const title = useTaskTitle();
  // The listing is cheap (no image opened) and gives the facts at once; the detail opens every image.
  const listed = useDatasets();
  const detail = useQuery({
    queryKey: ["dataset", name, task],
    queryFn: () => api<DatasetDetail>(`${datasetPath(name)}${query({ task })}`),
  });
  const summary = detail.data?.summary ?? listed.data?.find((d) => d.name === name);

  return (
    <div className="dataset-detail">
      <div className="toolbar">
        <h1>Dataset {name}</h1>
        <span className="spacer" />
        {summary && (
          <Link className="button primary" to={`/runs/new${query({ dataset: name })}`}>
            Train on this dataset
          </Link>
        )}
      </div>
      <p>
        <Link to="/datasets">← All datasets</Link>
      </p>
      {!summary && detail.isPending && <Loading what="Reading the dataset" />}
      {!summary && <ErrorNotice error={detail.error} title={`Dataset ${name} could not be read`} />}
      {summary && (
        <>
          <div className="row">
            <section className="card grow">
              <h2 id="facts-title">Facts</h2>
              <dl className="facts">
                <dt>Format</dt>
                <dd>{FORMAT_NAMES[summary.layout] ?? summary.layout}</dd>
                <dt>Trains</dt>
                <dd>{summary.tasks.map(title).join(", ")}</dd>
                <dt>Classes</dt>
                <dd>
                  {summary.classes.length}: {summary.classes.join(", ")}
                </dd>
                <dt>Splits</dt>
                <dd>{summary.splits.join(", ")}</dd>
                <dt>Samples</dt>
                <dd>
                  {summary.image_count.toLocaleString()}
                  {summary.format === "levir_cd" && " before/after pairs"}
                </dd>
                <dt>Non-image files</dt>
                <dd>{summary.non_image_count ? `${summary.non_image_count} (skipped by training)` : "none"}</dd>
                <dt>Folder</dt>
                <dd className="mono small">{summary.path}</dd>
              </dl>
            </section>
            <section className="card grow">
              <h2 id="counts-title">Counts</h2>
              <CountsTable summary={summary} />
            </section>
          </div>
          <section className="card">
            <div className="toolbar">
              <h2 id="check-title">Check</h2>
              <span className="spacer" />
              {summary.tasks.length > 1 && (
                <Field label="Check as" className="inline-field">
                  {(id) => (
                    <select id={id} value={task || summary.tasks[0]} onChange={(e) => setTask(e.target.value)}>
                      {summary.tasks.map((t) => (
                        <option key={t} value={t}>
                          {title(t)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              )}
            </div>
            {detail.isPending && <Loading what="Checking every image and annotation" />}
            <ErrorNotice error={detail.error} title="The check failed" />
            {detail.data && <IssueList report={detail.data.report} />}
          </section>
          <section>
            <h2 id="samples-title">Samples</h2>
            <DatasetSamples summary={summary} />
          </section>
        </>
      )}
    </div>
  );
}
