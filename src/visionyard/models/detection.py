"""Built-in detection models: torchvision Faster R-CNN (MobileNetV3-Large 320 FPN) and SSDlite320."""

from __future__ import annotations

from typing import Any

from visionyard.models.common import builtin
from visionyard.sdk import ConfigField, TorchvisionDetector, number

PRESETS = {
    "quick": {
        "epochs": 10,
        "batch_size": 8,
        "lr": 1e-3,
        # 128 px left the 128 px demo shapes (20-56 px) under the smallest anchors (32 px) of the stride-16
        # and -32 maps: from scratch the box head never learned (mAP 0.01-0.03, the loss rising); 224 px: 0.30
        "preprocessing.image_size": 224,
        "scheduler": {"type": "cosine", "warmup_epochs": 1},
        "augmentation.random_resized_crop": False,
    },
    "standard": {
        "epochs": 40,
        "batch_size": 16,
        "lr": 5e-4,
        "preprocessing.image_size": 320,
        "scheduler": {"type": "cosine", "warmup_epochs": 2},
        "augmentation": {"random_resized_crop": False, "color_jitter": {"brightness": 0.2, "contrast": 0.2}},
        "early_stopping": {"enabled": True, "patience": 10},
    },
    "finetune": {"epochs": 15, "pretrained": True, "lr": 1e-4, "scheduler.type": "cosine"},
}


def _detections_field(name: str, default: int) -> ConfigField:
    """Fields are named as the torchvision builder's keyword arguments."""
    return number(name, default, 1, 1000, "most boxes kept per image", advanced=True)


def _score_field(name: str, default: float) -> ConfigField:
    return number(name, default, 0.0, 1.0, "lowest score of a box kept at inference", step=0.01)


class FasterRCNNMobileNet(TorchvisionDetector):
    architecture = "fasterrcnn_mobilenet_v3_large_320_fpn"
    info = builtin(
        "fasterrcnn_mobilenet_v3_320",
        "torchvision",
        "detection",
        "Faster R-CNN with a MobileNetV3-Large FPN backbone at low resolution: a two-stage detector that trains "
        "on a CPU.",
        tags=("faster-rcnn", "two-stage", "mobilenet"),
        min_gpu_memory_gb=2.0,
        recommended_batch_size=8,
        supported_image_sizes=(128, 224, 320, 448),
    )
    config_fields = (
        _score_field("box_score_thresh", 0.05),
        _detections_field("box_detections_per_img", 100),
        number(
            "box_batch_size_per_image",
            256,
            16,
            1024,
            "proposals sampled per image to train the box head (torchvision uses 512 for COCO; the head's cost "
            "grows with it)",
            advanced=True,
        ),
    )
    presets = {**PRESETS, "quick": {**PRESETS["quick"], "model.box_batch_size_per_image": 64}}

    def builder_options(self) -> dict[str, Any]:
        """The input is resized (and normalised) inside the model: to the configured size, with the
        configured mean and std."""
        p = self.training_config.preprocessing
        options: dict[str, Any] = {"min_size": p.image_size, "max_size": p.image_size}
        if p.normalize:
            options |= {"image_mean": list(p.mean), "image_std": list(p.std)}
        else:
            options |= {"image_mean": [0.0, 0.0, 0.0], "image_std": [1.0, 1.0, 1.0]}
        return options


class SSDLite(TorchvisionDetector):
    """Single-stage; the model resizes every input to 320x320 and scales it to [-1, 1] itself."""

    architecture = "ssdlite320_mobilenet_v3_large"
    info = builtin(
        "ssdlite320_mobilenet_v3",
        "torchvision",
        "detection",
        "SSDlite with a MobileNetV3-Large backbone: a single-stage detector for phones and edge devices (inputs "
        "are resized to 320x320).",
        tags=("ssd", "single-stage", "mobilenet", "mobile"),
        min_gpu_memory_gb=2.0,
        recommended_batch_size=16,
        supported_image_sizes=(320,),
    )
    config_fields = (_score_field("score_thresh", 0.01), _detections_field("detections_per_img", 300))
    presets = PRESETS
