/** Tags typed as text ("baseline, lr sweep"): split at commas, trimmed, each once, in order. */
export function splitTags(text: string): string[] {
  return [...new Set(text.split(",").map((tag) => tag.trim()).filter(Boolean))];
}
