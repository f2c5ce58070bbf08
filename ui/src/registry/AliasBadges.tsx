/** Aliases as badges, e.g. "production → v2" (``versions`` given) or just "production". */
export function AliasBadges({ aliases, versions }: { aliases: string[]; versions?: Record<string, number> }) {
  if (aliases.length === 0) return <span className="muted">—</span>;
  return (
    <span className="alias-badges">
      {aliases.map((alias) => (
        <span key={alias} className="badge alias">
          {alias}
          {versions && ` → v${versions[alias]}`}
        </span>
      ))}
    </span>
  );
}
