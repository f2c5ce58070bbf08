/** The datasets API's shapes (src/visionyard/data/catalog.py, data/checks.py). */

export interface DatasetSummary {
  name: string;
  path: string;
  /** image_folder or split_folders (classification), else the format */
  layout: string;
  format: string;
  /** what the data can train, the first being the default */
  tasks: string[];
  splits: string[];
  classes: string[];
  /** samples (change detection: before/after pairs) */
  image_count: number;
  /** per split: images per class (classification), annotations per class (detection), else {images: n} */
  class_counts: Record<string, Record<string, number>>;
  non_image_count: number;
}

export interface SampleBox {
  class_name: string;
  /** x1, y1, x2, y2 as fractions (0..1) of the image's width and height */
  box: number[];
}

export interface SampleImage {
  path: string;
  class_name: string | null;
  split: string;
  /** detection formats (COCO, YOLO): the image's boxes; null for formats without boxes */
  boxes: SampleBox[] | null;
}

export interface DatasetIssue {
  severity: "error" | "warning";
  kind: string;
  message: string;
  path: string | null;
  skippable: boolean;
}

export interface DatasetReport {
  root: string;
  task: string;
  format: string;
  classes: string[];
  counts: Record<string, Record<string, number>>;
  issues: DatasetIssue[];
}

export interface DatasetDetail {
  summary: DatasetSummary;
  report: DatasetReport;
}

export const datasetPath = (name: string) => `/api/v1/datasets/${encodeURIComponent(name)}`;

/** The URL of one file of a dataset (each path segment encoded). */
export function imagePath(dataset: string, path: string): string {
  return `${datasetPath(dataset)}/images/${path.split("/").map(encodeURIComponent).join("/")}`;
}

export const FORMAT_NAMES: Record<string, string> = {
  image_folder: "Class folders",
  split_folders: "Class folders per split",
  coco: "COCO",
  yolo: "YOLO",
  masks: "Mask folders",
  levir_cd: "LEVIR-CD pairs",
};

/** Whether the counts of a split are per class (else they are ``{images: n}``). */
export function countsPerClass(counts: Record<string, number>): boolean {
  return !("images" in counts && Object.keys(counts).length === 1);
}
