import { Link } from "react-router-dom";

/** How versions get into the registry (there is no publish form here: it belongs to a run). */
export function PublishHint() {
  return (
    <div className="notice info publish-hint">
      <p>
        <strong>Nothing is published yet.</strong> A version is a copy of a run's checkpoint, so publishing
        starts from a run: open a completed run from the <Link to="/runs">Runs</Link> list and use its{" "}
        <strong>Publish</strong> tab, or run <code>visionyard registry publish RUN NAME</code>.
      </p>
      <p className="small muted">
        API: <code>POST /api/v1/registry/models/&lt;name&gt;/versions {'{"run_id": "…"}'}</code>. A run's
        config can also publish it when it completes (<code>registry.publish: true</code>).
      </p>
    </div>
  );
}
