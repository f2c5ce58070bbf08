"""Built-in instance segmentation models: torchvision's Mask R-CNN, with a MobileNetV3-Large FPN backbone at
low resolution (trains on a CPU) and with its published ResNet-50 FPN."""

from __future__ import annotations

from typing import Any

from torch import nn

from visionyard.models.common import builtin, detections_field, proposals_field, resized_inside, score_field
from visionyard.models.detection import PRESETS
from visionyard.models.rcnn import backbone_norm, mobilenet_320
from visionyard.sdk import TorchvisionInstanceSegmenter

FIELDS = (score_field("box_score_thresh", 0.05), detections_field("box_detections_per_img", 100), proposals_field())


class MaskRCNNMobileNet(TorchvisionInstanceSegmenter):
    """Mask R-CNN on the backbone, anchors and proposal counts of torchvision's
    ``fasterrcnn_mobilenet_v3_large_320_fpn``; ``pretrained`` starts it from that detector's COCO weights
    (everything but the class-specific box predictor and the mask head). Group norm from scratch, frozen batch
    norm under those weights (``models.rcnn.backbone_norm``)."""

    architecture = "fasterrcnn_mobilenet_v3_large_320_fpn"
    info = builtin(
        "maskrcnn_mobilenet_v3_320",
        "torchvision",
        "instance_segmentation",
        "Mask R-CNN with a MobileNetV3-Large FPN backbone at low resolution: boxes and a mask per object, "
        "trains on a CPU.",
        tags=("mask-rcnn", "two-stage", "mobilenet"),
        min_gpu_memory_gb=2.0,
        recommended_batch_size=8,
        supported_image_sizes=(128, 224, 320, 448),
    )
    config_fields = FIELDS
    presets = {**PRESETS, "quick": {**PRESETS["quick"], "model.box_batch_size_per_image": 64}}

    def create_model(self) -> nn.Module:
        from torchvision.models.detection import MaskRCNN

        parts = mobilenet_320(self.training_config.pretrained)
        return MaskRCNN(num_classes=self.num_classes + 1, **parts, **self.builder_options(), **self.options)

    def builder_options(self) -> dict[str, Any]:
        return resized_inside(self.training_config)


class MaskRCNNResNet50(TorchvisionInstanceSegmenter):
    architecture = "maskrcnn_resnet50_fpn"
    info = builtin(
        "maskrcnn_resnet50_fpn",
        "torchvision",
        "instance_segmentation",
        "Mask R-CNN with a ResNet-50 FPN backbone (torchvision's COCO model): the reference two-stage instance "
        "segmenter, for a GPU.",
        tags=("mask-rcnn", "two-stage", "resnet"),
        min_gpu_memory_gb=6.0,
        recommended_batch_size=4,
        supported_image_sizes=(320, 448, 640, 800),
    )
    config_fields = FIELDS
    presets = {
        **PRESETS,
        "quick": {**PRESETS["quick"], "batch_size": 4, "preprocessing.image_size": 320},
        "standard": {**PRESETS["standard"], "batch_size": 4, "preprocessing.image_size": 640},
    }

    def builder_options(self) -> dict[str, Any]:
        return resized_inside(self.training_config)

    def create_model(self) -> nn.Module:
        from torchvision.models.detection import MaskRCNN
        from torchvision.models.detection.backbone_utils import resnet_fpn_backbone

        backbone = resnet_fpn_backbone(
            backbone_name="resnet50",
            weights=None,
            norm_layer=backbone_norm(self.training_config.pretrained),
            trainable_layers=5,
        )
        return MaskRCNN(backbone, self.num_classes + 1, **self.builder_options(), **self.options)
