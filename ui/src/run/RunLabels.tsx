import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { post } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { TagChips } from "../components/TagChips";
import { keys } from "../queries";
import { splitTags } from "../runs/tags";
import type { RunLabels as Labels, RunPublic } from "../types";
import { runKeys, runPath } from "./keys";
import "./labels.css";

/** The run's tags (links to the runs that share one) and note, and a form to change them. */
export function RunLabels({ run }: { run: RunPublic }) {
  const [editing, setEditing] = useState(false);
  if (editing) return <LabelsForm run={run} onDone={() => setEditing(false)} />;
  return (
    <div className="run-labels">
      <div className="run-labels-tags">
        {run.tags.length ? <TagChips tags={run.tags} /> : <span className="small muted">No tags</span>}
        <button type="button" className="link small" onClick={() => setEditing(true)}>
          Edit tags and note
        </button>
      </div>
      {run.note && <p className="run-note">{run.note}</p>}
    </div>
  );
}

/** Tags added and removed one by one, the note as text; saved together (``PATCH /runs/{id}``). */
function LabelsForm({ run, onDone }: { run: RunPublic; onDone: () => void }) {
  const client = useQueryClient();
  const [tags, setTags] = useState(run.tags);
  const [typed, setTyped] = useState("");
  const [note, setNote] = useState(run.note ?? "");
  const save = useMutation({
    mutationFn: (labels: Labels) => post<RunPublic>(runPath(run.id), labels, "PATCH"),
    onSuccess: (updated) => {
      client.setQueryData(runKeys.run(run.id), updated);
      client.invalidateQueries({ queryKey: runKeys.run(run.id), exact: true });
      client.invalidateQueries({ queryKey: keys.runs });
      client.invalidateQueries({ queryKey: ["compare"] });
      onDone();
    },
  });

  /** The tags with those typed in the box (comma-separated) added. */
  const withTyped = () => [...tags, ...splitTags(typed).filter((tag) => !tags.includes(tag))];

  function addTyped(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    setTags(withTyped());
    setTyped("");
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ tags: withTyped(), note });
  }

  return (
    <form className="run-labels editing card" onSubmit={submit} aria-label="Tags and note">
      <div className="run-labels-tags">
        <span className="small muted">Tags</span>
        {tags.length > 0 && (
          <ul className="tag-chips" aria-label="Tags">
            {tags.map((tag) => (
              <li key={tag}>
                <button
                  type="button"
                  className="tag-chip"
                  aria-label={`Remove the tag ${tag}`}
                  onClick={() => setTags(tags.filter((t) => t !== tag))}
                >
                  {tag} ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <input
          aria-label="Add tags"
          value={typed}
          placeholder="add tags, comma-separated; Enter adds"
          maxLength={600}
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={addTyped}
        />
      </div>
      <label htmlFor="run-note-input">Note</label>
      <textarea
        id="run-note-input"
        value={note}
        rows={3}
        maxLength={10_000}
        placeholder="what the run is for, what was seen"
        onChange={(e) => setNote(e.target.value)}
      />
      <ErrorNotice error={save.error} title="The tags and note were not saved" />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
        <button type="button" onClick={onDone} disabled={save.isPending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
