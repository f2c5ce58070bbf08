"""A test run's metrics equal an independent recomputation from the per-image predictions it returns:
pycocotools for detection, numpy for segmentation and change-detection IoU."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from typer.testing import CliRunner

from tests.helpers import TINY
from visionyard.cli.main import app
from visionyard.data import formats
from visionyard.data.demo_dense import write_shapes_change, write_shapes_detection, write_shapes_segmentation

pytestmark = pytest.mark.slow
COUNTS = {"train": 8, "val": 4, "test": 6}


def trained_test(home: Path, monkeypatch: pytest.MonkeyPatch, model: str, dataset: str, size: int) -> dict:
    monkeypatch.setenv("VISIONYARD_HOME", str(home))
    runner = CliRunner()
    config = [f"--set={k}={v}" for k, v in {**TINY, "preprocessing.image_size": size, "batch_size": 4}.items()]
    trained = runner.invoke(app, ["train", model, str(home / "data" / dataset), *config, "--json"])
    run_id = json.loads(trained.output.strip().splitlines()[-1])["run_id"]
    tested = runner.invoke(app, ["test", run_id, dataset, "--json"])
    assert tested.exit_code == 0, tested.output
    result = json.loads(tested.output.strip().splitlines()[-1])
    folder = Path(result["folder"])
    return {
        **result,
        "report": json.loads((folder / "report.json").read_text()),
        "records": json.loads((folder / "records.json").read_text()),
    }


def test_detection_map_matches_pycocotools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_shapes_detection(tmp_path / "data" / "boxes", counts=COUNTS, size=64)
    result = trained_test(tmp_path, monkeypatch, "fasterrcnn_mobilenet_v3_320", "boxes", 64)
    records = result["records"]
    assert len(records) == 6
    images, annotations, detections = [], [], []
    for r in records:
        images.append({"id": r["index"] + 1, "width": 64, "height": 64})
        for box, label in zip(r["truth"]["boxes"], r["truth"]["labels"], strict=True):
            x1, y1, x2, y2 = box
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": r["index"] + 1,
                    "category_id": label,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": (x2 - x1) * (y2 - y1),
                    "iscrowd": 0,
                }
            )
        found = r["prediction"]
        for box, label, score in zip(found["boxes"], found["labels"], found["scores"], strict=True):
            x1, y1, x2, y2 = box
            detections.append(
                {"image_id": r["index"] + 1, "category_id": label, "bbox": [x1, y1, x2 - x1, y2 - y1], "score": score}
            )
    gt = COCO()
    gt.dataset = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i, "name": n} for i, n in enumerate(result["report"]["classes"])],
    }
    gt.createIndex()
    evaluation = COCOeval(gt, gt.loadRes(detections) if detections else COCO(), "bbox")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    metrics = result["metrics"]
    assert math.isclose(metrics["test_map"], max(evaluation.stats[0], 0), abs_tol=1e-6)
    assert math.isclose(metrics["test_map50"], max(evaluation.stats[1], 0), abs_tol=1e-6)
    for r in records:
        assert r["tp"] + r["fn"] == len(r["truth"]["labels"])


def dense_confusion(records: list[dict], folder: Path, truth_of: dict[str, np.ndarray], k: int) -> np.ndarray:
    confusion = np.zeros((k, k), dtype=np.int64)
    for r in records:
        with Image.open(folder / r["mask"]) as image:
            predicted = np.asarray(image).astype(np.int64)
        truth = truth_of[r["image"]].astype(np.int64)
        valid = truth != 255
        confusion += np.bincount(k * truth[valid] + predicted[valid], minlength=k * k).reshape(k, k)
    return confusion


def test_segmentation_miou_matches_numpy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "data" / "masks"
    write_shapes_segmentation(root, counts=COUNTS, size=32)
    result = trained_test(tmp_path, monkeypatch, "unet", "masks", 32)
    data = formats.load(root, "segmentation")
    truth_of = {str(s.image.relative_to(root)): formats.render_mask(s) for s in data.splits["test"]}
    confusion = dense_confusion(result["records"], Path(result["folder"]), truth_of, len(data.classes))
    hits = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - hits
    miou = (hits[union > 0] / union[union > 0]).mean()
    assert math.isclose(result["metrics"]["test_miou"], miou, abs_tol=1e-9)
    assert np.array_equal(np.array(result["report"]["confusion_matrix"]["matrix"]), confusion)


def test_change_detection_f1_and_iou_match_numpy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "data" / "pairs"
    write_shapes_change(root, counts=COUNTS, size=32)
    result = trained_test(tmp_path, monkeypatch, "snunet_cbam", "pairs", 32)
    data = formats.load(root, "change_detection")
    truth_of = {
        str(s.after.relative_to(root)): (np.asarray(Image.open(s.label).convert("L")) > 0).astype(np.uint8)
        for s in data.splits["test"]
    }
    confusion = dense_confusion(result["records"], Path(result["folder"]), truth_of, 2)
    tp, fp, fn = confusion[1, 1], confusion[0, 1], confusion[1, 0]
    assert math.isclose(result["metrics"]["test_iou"], tp / max(tp + fp + fn, 1), abs_tol=1e-9)
    assert math.isclose(result["metrics"]["test_f1"], 2 * tp / max(2 * tp + fp + fn, 1), abs_tol=1e-9)
