/** The settings a user last gave a model in the new-run form (the preset and every field touched, as
 * typed), kept in localStorage per model and restored on the next visit. */
import type { Raw } from "./schema";

export interface Remembered {
  preset: string;
  edits: Record<string, Raw>;
}

const key = (model: string) => `visionyard.newrun.settings.${model}`;

export function recallSettings(model: string): Remembered {
  try {
    const saved = JSON.parse(localStorage.getItem(key(model)) ?? "null") as Partial<Remembered> | null;
    return { preset: typeof saved?.preset === "string" ? saved.preset : "", edits: saved?.edits ?? {} };
  } catch {
    return { preset: "", edits: {} };
  }
}

export function rememberSettings(model: string, settings: Remembered): void {
  if (!settings.preset && !Object.keys(settings.edits).length) localStorage.removeItem(key(model));
  else localStorage.setItem(key(model), JSON.stringify(settings));
}
