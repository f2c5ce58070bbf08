/** A name the registry takes (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100
 * characters) made from ``text``, or ``fallback`` where nothing of it is left. */
export function registryName(text: string | null | undefined, fallback: string): string {
  const safe = (text ?? "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 100);
  return safe || fallback;
}
