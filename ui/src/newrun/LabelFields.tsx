import { Section } from "../components/Section";

/** The new run's tags (typed comma-separated) and note, folded away: most runs start without them. */
export function LabelFields({
  tags,
  note,
  onTags,
  onNote,
}: {
  tags: string;
  note: string;
  onTags: (tags: string) => void;
  onNote: (note: string) => void;
}) {
  return (
    <Section title="Tags and note">
      <div className="newrun-labels">
        <div className="newrun-field">
          <label htmlFor="newrun-tags">Tags</label>
          <input
            id="newrun-tags"
            value={tags}
            onChange={(e) => onTags(e.target.value)}
            placeholder="comma-separated: baseline, lr sweep"
            autoComplete="off"
          />
        </div>
        <div className="newrun-field">
          <label htmlFor="newrun-note">Note</label>
          <textarea
            id="newrun-note"
            value={note}
            rows={2}
            maxLength={10_000}
            onChange={(e) => onNote(e.target.value)}
            placeholder="what the run is for"
          />
        </div>
      </div>
    </Section>
  );
}
