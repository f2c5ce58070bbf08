import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { keys } from "../queries";
import { registryName } from "../registry/names";
import { modelPath, type ModelVersionDetail } from "../registry/types";
import type { SweepPublic } from "./types";
import { valueText } from "./values";

/** One click publishes the best trial's best checkpoint to the registry as the next version of a model named
 * after the sweep (or its model); the new version with its link, or the server's refusal, shows under it. */
export function PublishBest({ sweep }: { sweep: SweepPublic }) {
  const client = useQueryClient();
  const best = sweep.best_trial;
  const name = registryName(sweep.name, sweep.model);
  const objective = `${sweep.objective.metric} ${valueText(best?.value)}`;
  const publish = useMutation({
    mutationFn: () =>
      post<ModelVersionDetail>(`${modelPath(name)}/versions`, {
        run_id: best?.run_id,
        checkpoint: "best",
        description: `Best trial ${best?.number} of sweep ${sweep.id} (${objective}).`,
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.registry }),
  });
  const published = publish.data;

  return (
    <>
      <button
        type="button"
        disabled={!best?.run_id || publish.isPending}
        title={
          best?.run_id
            ? `Publishes its best checkpoint as the next version of ${name}`
            : "The best trial has no run to publish"
        }
        onClick={() => publish.mutate()}
      >
        {publish.isPending ? "Publishing…" : "Publish the best trial"}
      </button>
      {published && (
        <p className="notice ok" role="status">
          Published <strong>{published.name}</strong> version {published.version} (epoch {published.epoch}).{" "}
          <Link to={`/registry/${encodeURIComponent(published.name)}`}>Open {published.name} in the registry</Link>
        </p>
      )}
      <ErrorNotice error={publish.error} title="The best trial was not published" />
    </>
  );
}
