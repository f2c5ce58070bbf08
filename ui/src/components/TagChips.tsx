import { Link } from "react-router-dom";

/** A run's tags as small chips: buttons that pick the tag (``onPick``), else links to the runs that have it. */
export function TagChips({ tags, onPick }: { tags: readonly string[]; onPick?: (tag: string) => void }) {
  if (!tags.length) return null;
  return (
    <ul className="tag-chips" aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag}>
          {onPick ? (
            <button type="button" className="tag-chip" title={`Show only the runs tagged ${tag}`} onClick={() => onPick(tag)}>
              {tag}
            </button>
          ) : (
            <Link className="tag-chip" to={`/runs?tag=${encodeURIComponent(tag)}`} title={`The runs tagged ${tag}`}>
              {tag}
            </Link>
          )}
        </li>
      ))}
    </ul>
  );
}
