/** The predict API's shapes (POST /api/v1/runs/{id}/predict; worker/predictor.py ``shape``): the
 * answer is the generated type, its predictions (free objects in the API) are spelled out here. */

import type { Rle } from "../overlay/rle";
import type { Refined } from "../types";

export interface RankedClass {
  label: number;
  class_name: string;
  confidence: number;
}

export interface ClassificationResult {
  label: number;
  class_name: string;
  confidence: number;
  top_k: RankedClass[];
}

export interface DetectionResult {
  /** x1, y1, x2, y2 in pixels of the image */
  boxes: number[][];
  labels: number[];
  class_names: string[];
  scores: number[];
}

/** Detections with each object's mask, at the image's size. */
export interface InstanceResult extends DetectionResult {
  masks: Rle[];
}

export interface SegmentationResult {
  /** base64 PNG, one band, pixel = class index */
  mask_png: string;
  classes_present: string[];
  confidence: number;
  class_fractions: Record<string, number>;
}

export interface ChangeResult {
  /** base64 PNG, one band, 1 = changed */
  mask_png: string;
  changed_fraction: number;
  confidence: number;
}

export type TaskResult = Partial<ClassificationResult & InstanceResult & SegmentationResult & ChangeResult>;

export type PredictionEntry = TaskResult & {
  files: string[];
  /** of the (after) image */
  width: number;
  height: number;
};

/** ``POST /runs/{id}/predict``; the API declares each prediction as a free object. */
export type PredictResponse = Refined<"Predictions", { predictions: PredictionEntry[] }>;

/** What predicts: a run's checkpoint (or one of its exports); a registry version resolves to its run. */
export interface PredictSource {
  runId: string;
  /** best, last, epoch:N or a checkpoint path of the run */
  checkpoint: string;
  exportId: string | null;
  /** with no export named: auto (the fastest export that passed its parity check, else PyTorch) or torch */
  runtime: "auto" | "torch";
  task: string;
  /** class names by index, when known (colours and legends of masks) */
  classes: string[] | null;
  /** a registry reference, when chosen from the registry */
  reference: string | null;
}

/** The server's default predict_max_bytes (the whole request); the API does not publish its setting. */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;

/** The server's default predict_max_images (one request); the API does not publish its setting either. */
export const MAX_IMAGES = 16;

/** Images the server reads and a browser shows. */
export const IMAGE_TYPES = {
  "image/png": [".png"],
  "image/jpeg": [".jpg", ".jpeg"],
  "image/bmp": [".bmp"],
  "image/gif": [".gif"],
  "image/webp": [".webp"],
};

/** TIFF is left out: browsers cannot show it, so nothing could be drawn over it. */
export const IMAGE_KINDS = "a PNG, JPEG, BMP, GIF or WebP image";
