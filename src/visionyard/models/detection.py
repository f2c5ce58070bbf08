"""Built-in detection models: torchvision Faster R-CNN (MobileNetV3-Large 320 FPN) and SSDlite320."""

from __future__ import annotations

from typing import Any

from torch import nn

from visionyard.models.common import builtin, detections_field, proposals_field, resized_inside, score_field
from visionyard.models.rcnn import mobilenet_320
from visionyard.sdk import TorchvisionDetector

PRESETS = {
    "quick": {
        "epochs": 10,
        "batch_size": 8,
        "lr": 1e-3,
        # 224 px puts the 128 px demo shapes (20-56 px) over the smallest anchors (32 px) of the stride-16 and -32
        # maps; from scratch, Faster R-CNN reaches mAP 0.51 (mAP50 0.90) in these 10 epochs (benchmarks/learning.py)
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
        score_field("box_score_thresh", 0.05),
        detections_field("box_detections_per_img", 100),
        proposals_field(),
    )
    presets = {**PRESETS, "quick": {**PRESETS["quick"], "model.box_batch_size_per_image": 64}}

    def builder_options(self) -> dict[str, Any]:
        return resized_inside(self.training_config)

    def create_model(self) -> nn.Module:
        """torchvision's ``fasterrcnn_mobilenet_v3_large_320_fpn``, with group norm from scratch
        (``models.rcnn.backbone_norm``)."""
        from torchvision.models.detection import FasterRCNN

        parts = mobilenet_320(self.training_config.pretrained)
        return FasterRCNN(num_classes=self.num_classes + 1, **parts, **self.builder_options(), **self.options)


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
    config_fields = (score_field("score_thresh", 0.01), detections_field("detections_per_img", 300))
    presets = PRESETS
