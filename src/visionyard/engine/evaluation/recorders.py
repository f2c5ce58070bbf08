"""Per-image records and the evaluation report, per task.

A recorder takes each batch's samples, their predictions (at the images' own resolution, from
:mod:`visionyard.engine.predictions`) and per-image losses. ``finish`` computes every aggregate from
those records alone, so what a report says can be recomputed from the records it comes with, and
writes both to an :class:`EvaluationFolder`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torchmetrics.functional import classification as tmf

from visionyard.data import rle
from visionyard.data.formats import IGNORE_INDEX, render_instances, render_mask
from visionyard.engine.evaluation.summaries import histogram, thin_curve
from visionyard.metrics.classification import classification_metrics
from visionyard.metrics.detection import detection_metric, summarise_detection
from visionyard.metrics.instance_segmentation import instance_metric, summarise_instances
from visionyard.metrics.matching import MATCH_IOU, match_by_iou, match_detections
from visionyard.metrics.names import per_class
from visionyard.metrics.segmentation import summarise_segmentation
from visionyard.storage.evaluation_folder import EvaluationFolder

DENSE_CORRECT_IOU = 0.5
"""A segmentation or change map counts as correct at this image IoU or above."""


class Recorder(ABC):
    def __init__(
        self,
        class_names: Sequence[str],
        folder: EvaluationFolder,
        dataset_root: Path,
        prefix: str,
        score_threshold: float,
    ):
        self.class_names = list(class_names)
        self.folder, self.dataset_root = folder, dataset_root
        self.prefix, self.score_threshold = prefix, score_threshold
        self.records: list[dict[str, Any]] = []

    def add(self, samples: Sequence[Any], predictions: Sequence[dict[str, Any]], losses: Any) -> None:
        values = [None] * len(samples) if losses is None else [None if v is None else float(v) for v in losses]
        for sample, prediction, loss in zip(samples, predictions, values, strict=True):
            index = len(self.records)
            record: dict[str, Any] = {"index": index, **self.files(sample), "loss": loss}
            record.update(self.judge(index, sample, prediction))
            self.records.append(record)

    def finish(self, meta: dict[str, Any]) -> dict[str, float]:
        """Write the report and records; answer the aggregate metrics."""
        metrics, details = self.summarise()
        report = {
            **meta,
            "classes": self.class_names,
            "count": len(self.records),
            "score_threshold": self.score_threshold,
            "metrics": metrics,
            **details,
        }
        self.folder.write(report, self.records)
        return metrics

    def files(self, sample: Any) -> dict[str, str]:
        return {"image": self._relative(sample.image)}

    @abstractmethod
    def judge(self, index: int, sample: Any, prediction: dict[str, Any]) -> dict[str, Any]:
        """The record fields of one image: truth, prediction, correct, confidence, iou, classes."""

    @abstractmethod
    def summarise(self) -> tuple[dict[str, float], dict[str, Any]]:
        """Aggregate metrics, and the rest of the report (per-class table, matrices, curves, histograms)."""

    def _relative(self, path: Path) -> str:
        return str(path.relative_to(self.dataset_root)) if path.is_relative_to(self.dataset_root) else str(path)


class ClassificationRecorder(Recorder):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._probabilities: list[torch.Tensor] = []

    def judge(self, index: int, sample: Any, prediction: dict[str, Any]) -> dict[str, Any]:
        self._probabilities.append(prediction["probabilities"])
        truth, label = int(sample.label), prediction["label"]
        return {
            "truth": truth,
            "truth_name": self.class_names[truth],
            "label": label,
            "class_name": prediction["class_name"],
            "confidence": prediction["confidence"],
            "correct": truth == label,
            "iou": None,
            "classes": sorted({self.class_names[truth], prediction["class_name"]}),
            "probabilities": prediction["probabilities"].tolist(),
        }

    def summarise(self) -> tuple[dict[str, float], dict[str, Any]]:
        k = len(self.class_names)
        probabilities = torch.stack(self._probabilities) if self._probabilities else torch.zeros(0, k)
        truth = torch.tensor([r["truth"] for r in self.records], dtype=torch.long)
        collection = classification_metrics(k).clone(prefix=f"{self.prefix}_")
        metrics = {name: float(v) for name, v in collection(probabilities, truth).items()}
        support = torch.bincount(truth, minlength=k)
        columns = {
            "precision": tmf.multiclass_precision(probabilities, truth, k, average=None),
            "recall": tmf.multiclass_recall(probabilities, truth, k, average=None),
            "f1": tmf.multiclass_f1_score(probabilities, truth, k, average=None),
            "auc": tmf.multiclass_auroc(probabilities, truth, k, average=None),
            "ap": tmf.multiclass_average_precision(probabilities, truth, k, average=None),
        }
        fpr, tpr, _ = tmf.multiclass_roc(probabilities, truth, k)
        precision, recall, _ = tmf.multiclass_precision_recall_curve(probabilities, truth, k)
        per_class, roc, pr = [], [], []
        for c, name in enumerate(self.class_names):
            seen = int(support[c]) > 0
            row: dict[str, Any] = {"class_name": name, "support": int(support[c])}
            for column, values in columns.items():
                row[column] = float(values[c]) if seen or column in ("precision", "f1") else None
            per_class.append(row)
            roc.append({"class_name": name, **thin_curve("fpr", fpr[c], "tpr", tpr[c]), "auc": row["auc"]})
            curve = thin_curve("recall", recall[c], "precision", precision[c])
            pr.append({"class_name": name, **curve, "ap": row["ap"]})
        matrix = tmf.multiclass_confusion_matrix(probabilities, truth, k) if len(truth) else torch.zeros(k, k)
        confidence = np.array([r["confidence"] for r in self.records])
        correct = np.array([r["correct"] for r in self.records], dtype=bool)
        return metrics, {
            "per_class": per_class,
            "confusion_matrix": {"labels": self.class_names, "matrix": matrix.long().tolist()},
            "curves": {"roc": roc, "pr": pr},
            "histograms": {
                "confidence_correct": histogram(confidence[correct]),
                "confidence_incorrect": histogram(confidence[~correct]),
            },
        }


class DetectionRecorder(Recorder):
    """Boxes: each record keeps every detection (in score order) and the truth, with which detections hit
    an object of their class; the report's metrics are COCOeval's over those records."""

    found_keys: tuple[str, ...] = ("boxes", "labels", "class_names", "scores")
    ap: str = "ap"
    """The name of the per-class AP metric (``<prefix>_<ap>_<class>``)."""
    precision: str = "precision"
    """The key of COCOeval's precision array in the computed metric."""

    def judge(self, index: int, sample: Any, prediction: dict[str, Any]) -> dict[str, Any]:
        order = sorted(range(len(prediction["scores"])), key=lambda i: -prediction["scores"][i])
        found = {key: [prediction[key][i] for i in order] for key in self.found_keys}
        truth = self.truth(sample)
        matched, best_iou = self.match(found, truth)
        kept = sum(score >= self.score_threshold for score in found["scores"])
        tp = sum(matched[:kept])
        kept_scores = found["scores"][:kept]
        tp_ious = [iou for iou, hit in zip(best_iou[:kept], matched[:kept], strict=True) if hit]
        return {
            "truth": truth,
            "prediction": found,
            "matched": matched,
            "best_iou": best_iou,
            "tp": tp,
            "fp": kept - tp,
            "fn": len(truth["labels"]) - tp,
            "correct": kept == tp == len(truth["labels"]),
            "confidence": float(np.mean(kept_scores)) if kept_scores else None,
            "iou": float(np.mean(tp_ious)) if tp_ious else None,
            "classes": sorted({*truth["class_names"], *found["class_names"][:kept]}),
        }

    def truth(self, sample: Any) -> dict[str, Any]:
        names = [self.class_names[label] for label in sample.labels]
        return {"boxes": [list(b) for b in sample.boxes], "labels": list(sample.labels), "class_names": names}

    def match(self, found: dict[str, Any], truth: dict[str, Any]) -> tuple[list[bool], list[float]]:
        return match_detections(found["boxes"], found["labels"], truth["boxes"], truth["labels"])

    def metric(self) -> Any:
        return detection_metric(extended=True)

    def metric_inputs(self, record: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """A record as the metric's prediction and target."""
        p, t = record["prediction"], record["truth"]
        prediction = {
            "boxes": torch.tensor(p["boxes"], dtype=torch.float32).reshape(-1, 4),
            "scores": torch.tensor(p["scores"], dtype=torch.float32),
            "labels": torch.tensor(p["labels"], dtype=torch.long),
        }
        target = {
            "boxes": torch.tensor(t["boxes"], dtype=torch.float32).reshape(-1, 4),
            "labels": torch.tensor(t["labels"], dtype=torch.long),
        }
        return prediction, target

    def summarise_metric(self, raw: dict[str, torch.Tensor]) -> dict[str, float]:
        return summarise_detection(raw, self.class_names, self.prefix)

    def summarise(self) -> tuple[dict[str, float], dict[str, Any]]:
        metric = self.metric()
        for r in self.records:
            prediction, target = self.metric_inputs(r)
            metric.update([prediction], [target])
        raw = metric.compute()
        metrics = self.summarise_metric(raw)
        evaluated = [int(c) for c in raw["classes"].flatten().tolist()]
        precision = raw[self.precision]  # (iou thresholds, recall thresholds, classes, areas, max detections)
        per_class_rows, pr = [], []
        kept = [
            (hit, label)
            for r in self.records
            for hit, label, score in zip(
                r["matched"], r["prediction"]["labels"], r["prediction"]["scores"], strict=True
            )
            if score >= self.score_threshold
        ]
        for c, name in enumerate(self.class_names):
            gt = sum(r["truth"]["labels"].count(c) for r in self.records)
            tp = sum(hit for hit, label in kept if label == c)
            fp = sum(not hit for hit, label in kept if label == c)
            row: dict[str, Any] = {
                "class_name": name,
                "ground_truth": gt,
                "tp": tp,
                "fp": fp,
                "precision": tp / (tp + fp) if tp + fp else None,
                "recall": tp / gt if gt else None,
                "ap": metrics.get(per_class(f"{self.prefix}_{self.ap}", name)),
                "ap50": None,
            }
            if c in evaluated:
                curve = precision[0, :, evaluated.index(c), 0, -1]
                if (curve >= 0).any():
                    row["ap50"] = float(curve[curve >= 0].mean())
                    recall = torch.tensor(metric.rec_thresholds)[curve >= 0]
                    pr.append({"class_name": name, **thin_curve("recall", recall, "precision", curve[curve >= 0])})
            per_class_rows.append(row)
        all_hits = [hit for r in self.records for hit in r["matched"]]
        all_scores = np.array([s for r in self.records for s in r["prediction"]["scores"]])
        hits = np.array(all_hits, dtype=bool)
        kept_ious = [
            iou
            for r in self.records
            for iou, score in zip(r["best_iou"], r["prediction"]["scores"], strict=True)
            if score >= self.score_threshold
        ]
        return metrics, {
            "per_class": per_class_rows,
            "confusion_matrix": None,
            "curves": {"pr": pr, "pr_iou": MATCH_IOU},
            "histograms": {
                "iou": histogram(np.array(kept_ious)),
                "confidence_tp": histogram(all_scores[hits]),
                "confidence_fp": histogram(all_scores[~hits]),
            },
        }


class InstanceRecorder(DetectionRecorder):
    """Objects with a box and a mask each: records keep the masks as compressed RLE and a detection hits by
    mask IoU; the metrics are COCOeval's mask and box mAP. The truth's objects and the predicted ones over
    the score threshold are also painted (class index + 1, 0 for none; the higher score on top) into PNGs
    beside the records, for the dashboard to lay over the image as it does a segmentation's masks."""

    found_keys = (*DetectionRecorder.found_keys, "masks")
    ap, precision = "mask_ap", "segm_precision"

    def judge(self, index: int, sample: Any, prediction: dict[str, Any]) -> dict[str, Any]:
        width, height = sample.size
        encoded = {**prediction, "masks": rle.encode(prediction["masks"])}
        record = super().judge(index, sample, encoded)
        found = record["prediction"]
        shown = [i for i, score in enumerate(found["scores"]) if score >= self.score_threshold][::-1]
        painted = {
            "truth_mask": (record["truth"]["masks"], record["truth"]["labels"]),
            "mask": ([found["masks"][i] for i in shown], [found["labels"][i] for i in shown]),
        }
        for part, (masks, labels) in painted.items():
            path = self.folder.root / ("truth" if part == "truth_mask" else "masks") / f"{index:06d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(_painted(rle.decode(masks, height, width), labels)).save(path)
            record[part] = str(path.relative_to(self.folder.root))
        return {**record, "height": height, "width": width}

    def truth(self, sample: Any) -> dict[str, Any]:
        return {**super().truth(sample), "masks": rle.encode(render_instances(sample))}

    def match(self, found: dict[str, Any], truth: dict[str, Any]) -> tuple[list[bool], list[float]]:
        ious = torch.from_numpy(rle.ious(found["masks"], truth["masks"]))
        return match_by_iou(ious, found["labels"], truth["labels"])

    def metric(self) -> Any:
        return instance_metric(extended=True)

    def metric_inputs(self, record: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        prediction, target = super().metric_inputs(record)
        height, width = record["height"], record["width"]
        for side, key in ((prediction, "prediction"), (target, "truth")):
            side["masks"] = torch.from_numpy(rle.decode(record[key]["masks"], height, width)).bool()
        return prediction, target

    def summarise_metric(self, raw: dict[str, torch.Tensor]) -> dict[str, float]:
        return summarise_instances(raw, self.class_names, self.prefix)


def _painted(masks: np.ndarray, labels: Sequence[int]) -> np.ndarray:
    """Objects' masks painted with their class index + 1, the later over the earlier (0 where none)."""
    canvas = np.zeros(masks.shape[1:], dtype=np.uint8)
    for mask, label in zip(masks, labels, strict=True):
        canvas[mask > 0] = label + 1
    return canvas


class DenseRecorder(Recorder):
    """Segmentation and change detection: one confusion matrix over the labelled pixels of every image;
    predicted and true masks saved as PNGs beside the records."""

    ignore_index: int | None = IGNORE_INDEX

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        k = len(self.class_names)
        self.confusion = np.zeros((k, k), dtype=np.int64)

    @abstractmethod
    def truth_mask(self, sample: Any) -> np.ndarray: ...

    @abstractmethod
    def image_scores(self, confusion: np.ndarray) -> dict[str, Any]:
        """Per-image figures from the image's confusion matrix; must include ``iou`` and ``correct``."""

    def judge(self, index: int, sample: Any, prediction: dict[str, Any]) -> dict[str, Any]:
        truth, predicted = self.truth_mask(sample), prediction["mask"]
        if truth.shape != predicted.shape:
            raise ValueError(f"mask of {self.files(sample)} is {truth.shape}, its image {predicted.shape}")
        k = len(self.class_names)
        valid = truth != self.ignore_index if self.ignore_index is not None else np.ones(truth.shape, dtype=bool)
        confusion = np.bincount(k * truth[valid].astype(np.int64) + predicted[valid], minlength=k * k).reshape(k, k)
        self.confusion += confusion
        mask, truth_file = self.folder.mask_path(index), self.folder.root / "truth" / f"{index:06d}.png"
        for path, pixels in ((mask, predicted), (truth_file, truth)):
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels.astype(np.uint8)).save(path)
        present = set(np.unique(truth[valid]).tolist()) | set(np.unique(predicted).tolist())
        return {
            "mask": str(mask.relative_to(self.folder.root)),
            "truth_mask": str(truth_file.relative_to(self.folder.root)),
            "confidence": prediction["confidence"],
            "classes": [self.class_names[c] for c in sorted(present) if c < k],
            **self.image_scores(confusion),
        }

    def dense_details(self) -> dict[str, Any]:
        ious = np.array([r["iou"] for r in self.records if r["iou"] is not None])
        confidence = np.array([r["confidence"] for r in self.records])
        hits = np.diag(self.confusion)
        truth, predicted = self.confusion.sum(1), self.confusion.sum(0)
        union = truth + predicted - hits
        per_class = [
            {
                "class_name": name,
                "truth_pixels": int(truth[c]),
                "predicted_pixels": int(predicted[c]),
                "iou": float(hits[c] / union[c]) if union[c] else None,
                "dice": float(2 * hits[c] / (truth[c] + predicted[c])) if union[c] else None,
            }
            for c, name in enumerate(self.class_names)
        ]
        return {
            "per_class": per_class,
            "confusion_matrix": {"labels": self.class_names, "matrix": self.confusion.tolist(), "unit": "pixels"},
            "curves": {},
            "histograms": {"iou": histogram(ious), "confidence": histogram(confidence)},
        }


class SegmentationRecorder(DenseRecorder):
    def truth_mask(self, sample: Any) -> np.ndarray:
        return render_mask(sample)

    def image_scores(self, confusion: np.ndarray) -> dict[str, Any]:
        hits = np.diag(confusion).astype(np.float64)
        union = confusion.sum(0) + confusion.sum(1) - hits
        present = union > 0
        iou = float((hits[present] / union[present]).mean()) if present.any() else None
        pixels = confusion.sum()
        return {
            "iou": iou,
            "pixel_acc": float(hits.sum() / pixels) if pixels else None,
            "correct": iou is not None and iou >= DENSE_CORRECT_IOU,
        }

    def summarise(self) -> tuple[dict[str, float], dict[str, Any]]:
        metrics = summarise_segmentation(torch.from_numpy(self.confusion), self.class_names, self.prefix)
        return metrics, self.dense_details()


class ChangeRecorder(DenseRecorder):
    ignore_index = None

    def files(self, sample: Any) -> dict[str, str]:
        return {"image": self._relative(sample.after), "before": self._relative(sample.before)}

    def truth_mask(self, sample: Any) -> np.ndarray:
        with Image.open(sample.label) as raw:
            return (np.asarray(raw.convert("L")) > 0).astype(np.uint8)

    def image_scores(self, confusion: np.ndarray) -> dict[str, Any]:
        scores = change_scores(confusion)
        no_change = confusion[1].sum() == 0 and confusion[:, 1].sum() == 0
        return {
            "iou": scores["iou"],
            "f1": scores["f1"],
            "changed_fraction": float(confusion[:, 1].sum() / max(confusion.sum(), 1)),
            "correct": no_change or scores["iou"] >= DENSE_CORRECT_IOU,
        }

    def summarise(self) -> tuple[dict[str, float], dict[str, Any]]:
        metrics = {f"{self.prefix}_{name}": value for name, value in change_scores(self.confusion).items()}
        return metrics, self.dense_details()


def change_scores(confusion: np.ndarray) -> dict[str, float]:
    """F1, IoU, precision and recall of the change class (0 where undefined, as torchmetrics answers)."""
    tp, fp, fn = int(confusion[1, 1]), int(confusion[0, 1]), int(confusion[1, 0])
    return {
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        "iou": tp / (tp + fp + fn) if tp + fp + fn else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }
