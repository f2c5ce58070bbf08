/** The datasets API's shapes: aliases of the generated API types (see ../types.ts). */

import type { Schemas } from "../types";

export type DatasetSummary = Schemas["DatasetSummary"];
export type DatasetLayout = DatasetSummary["layout"];
export type SampleBox = Schemas["SampleBox"];
export type SampleImage = Schemas["SampleImage"];
export type DatasetIssue = Schemas["DatasetIssue"];
export type DatasetReport = Schemas["DatasetReport"];
export type DatasetDetail = Schemas["DatasetDetail"];

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
