"""What the built-in R-CNNs share: their backbone's normalisation, and torchvision's low-resolution
MobileNetV3-Large FPN (backbone, anchors and proposal counts of ``fasterrcnn_mobilenet_v3_large_320_fpn``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from torch import nn

GROUPS = 32


def backbone_norm(pretrained: bool) -> Callable[[int], nn.Module]:
    """Frozen batch norm under published weights (torchvision's own choice: their statistics are kept); group norm
    from scratch. Batch norm's running statistics from a detector's few small batches are not those batches':
    trained from scratch with it, Faster R-CNN and Mask R-CNN found their training images in train mode and
    nothing at all in eval mode (He et al., "Rethinking ImageNet Pre-training", train detectors from scratch with
    group norm for this reason)."""
    from torchvision.ops import FrozenBatchNorm2d

    return FrozenBatchNorm2d if pretrained else group_norm


def group_norm(channels: int) -> nn.GroupNorm:
    """Group norm of up to ``GROUPS`` groups that divide ``channels`` (MobileNetV3 has 16, 24, 40, 72... channels)."""
    return nn.GroupNorm(math.gcd(GROUPS, channels), channels)


def mobilenet_320(pretrained: bool) -> dict[str, Any]:
    """The backbone, anchor generator and proposal counts of torchvision's low-resolution MobileNetV3 FPN R-CNN,
    as keyword arguments of ``FasterRCNN`` and ``MaskRCNN``."""
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.backbone_utils import mobilenet_backbone

    backbone = mobilenet_backbone(
        backbone_name="mobilenet_v3_large",
        weights=None,
        fpn=True,
        trainable_layers=6,
        norm_layer=backbone_norm(pretrained),
    )
    return {
        "backbone": backbone,
        "rpn_anchor_generator": AnchorGenerator(((32, 64, 128, 256, 512),) * 3, ((0.5, 1.0, 2.0),) * 3),
        "rpn_pre_nms_top_n_test": 150,
        "rpn_post_nms_top_n_test": 150,
        "rpn_score_thresh": 0.05,
    }
