import { countsPerClass, type DatasetSummary } from "./types";

export interface SplitTotal {
  split: string;
  count: number;
  /** what is counted: images, change pairs, or annotations (detection formats count boxes per class) */
  unit: string;
}

export function splitTotals(summary: DatasetSummary): SplitTotal[] {
  return summary.splits.map((split) => {
    const counts = summary.class_counts[split] ?? {};
    const count = Object.values(counts).reduce((a, b) => a + b, 0);
    let unit = "images";
    if (summary.format === "levir_cd") unit = "pairs";
    else if (summary.format !== "image_folder" && countsPerClass(counts)) unit = "annotations";
    return { split, count, unit };
  });
}

export function describeTotal(total: SplitTotal): string {
  return `${total.split}: ${total.count.toLocaleString()} ${total.count === 1 ? total.unit.replace(/s$/, "") : total.unit}`;
}
