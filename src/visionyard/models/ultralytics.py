"""Built-in YOLO models through Ultralytics (extra ``ultralytics``, AGPL-3.0): the YOLO11n and YOLO11s detectors and
instance segmenters, built from Ultralytics' own model YAMLs and trained from scratch (no download), or with
``pretrained`` and ``trust_checkpoint`` from Ultralytics' published COCO weights (pickles that come with no hash)."""

from __future__ import annotations

from visionyard.models.common import builtin
from visionyard.sdk import ModelMetadata, UltralyticsDetector, UltralyticsInstanceSegmenter

SIZES = (64, 128, 224, 320, 416, 480, 640)
"""Multiples of the network's stride (32)."""
PRESETS = {
    "quick": {
        "epochs": 10,
        "batch_size": 16,
        "lr": 2e-3,
        "preprocessing.image_size": 224,
        "scheduler": {"type": "cosine", "warmup_epochs": 1},
        "augmentation.random_resized_crop": False,
    },
    "standard": {
        "epochs": 100,
        "batch_size": 16,
        "lr": 1e-3,
        "preprocessing.image_size": 640,
        "scheduler": {"type": "cosine", "warmup_epochs": 3},
        "augmentation": {"random_resized_crop": False, "color_jitter": {"brightness": 0.3, "contrast": 0.3}},
        "ema": {"enabled": True, "decay": 0.9999},
    },
}


def _yolo(name: str, description: str, task: str = "detection") -> ModelMetadata:
    return builtin(
        name,
        "ultralytics",
        task,
        description,
        tags=("yolo", "single-stage", "anchor-free", "ultralytics"),
        min_gpu_memory_gb=2.0,
        recommended_batch_size=16,
        supported_image_sizes=SIZES,
    )


class YOLO11n(UltralyticsDetector):
    model_yaml = "yolo11n.yaml"
    asset = "yolo11n.pt"
    info = _yolo("yolo11n", "Ultralytics YOLO11 nano (2.6M parameters): the fastest YOLO11, for the edge.")
    presets = PRESETS


class YOLO11s(UltralyticsDetector):
    model_yaml = "yolo11s.yaml"
    asset = "yolo11s.pt"
    info = _yolo("yolo11s", "Ultralytics YOLO11 small (9.4M parameters): more accurate, still real-time.")
    presets = PRESETS


class YOLO11nSeg(UltralyticsInstanceSegmenter):
    model_yaml = "yolo11n-seg.yaml"
    asset = "yolo11n-seg.pt"
    info = _yolo(
        "yolo11n_seg",
        "Ultralytics YOLO11 nano instance segmentation (2.9M parameters): boxes and a mask per object, real-time.",
        "instance_segmentation",
    )
    presets = PRESETS


class YOLO11sSeg(UltralyticsInstanceSegmenter):
    model_yaml = "yolo11s-seg.yaml"
    asset = "yolo11s-seg.pt"
    info = _yolo(
        "yolo11s_seg",
        "Ultralytics YOLO11 small instance segmentation (10.1M parameters): more accurate masks, still real-time.",
        "instance_segmentation",
    )
    presets = PRESETS
