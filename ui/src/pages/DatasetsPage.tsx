import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { Loading } from "../components/Loading";
import { DatasetTable } from "../datasets/DatasetTable";
import { UploadDataset } from "../datasets/UploadDataset";
import "../datasets/datasets.css";
import { formatBytes } from "../format";
import { keys, useDatasets } from "../queries";
import type { StorageUsage } from "../types";

export function DatasetsPage() {
  const client = useQueryClient();
  const [fresh, setFresh] = useState<string | null>(null);
  const datasets = useDatasets();
  const storage = useQuery({ queryKey: keys.storage, queryFn: () => api<StorageUsage>("/api/v1/storage") });
  const items = datasets.data ?? [];
  return (
    <>
      <h1>Datasets</h1>
      <UploadDataset
        taken={items.map((d) => d.name)}
        onUploaded={(summary) => {
          setFresh(summary.name);
          client.invalidateQueries({ queryKey: keys.datasets });
          client.invalidateQueries({ queryKey: keys.storage });
        }}
      />
      <div className="toolbar">
        <h2>Datasets under the data roots</h2>
        <span className="spacer" />
        {storage.data && (
          <span className="muted small">{formatBytes(storage.data.areas.datasets)} on disk in all</span>
        )}
      </div>
      <ErrorNotice error={datasets.error} title="The datasets could not be listed" />
      {datasets.isPending && <Loading what="Looking for datasets" />}
      {datasets.isSuccess && items.length === 0 && (
        <p className="notice info">
          No datasets yet. Upload a zip above, put a dataset folder under the data root, or run{" "}
          <code>visionyard demo</code> for demo data.
        </p>
      )}
      {items.length > 0 && <DatasetTable datasets={items} fresh={fresh} />}
    </>
  );
}
