"""YOLO through Ultralytics (extra ``ultralytics``, AGPL-3.0): Ultralytics' own network, built from its model
YAML, and its own loss, trained by visionyard's engine like any torchvision-style detector.

:class:`YoloNet` speaks the detection task's language: a list of images in; in train mode a dict of the
gain-weighted box, class and distribution-focal losses (Ultralytics' ``v8DetectionLoss``, per image rather than
multiplied by the batch size as its own trainer does); in eval mode one ``{"boxes", "labels", "scores"}`` per
image after NMS. Label 0 is the task's background, so class ``k`` of the dataset is YOLO's ``k``
and the task's ``k + 1``. :class:`YoloSegNet` speaks instance segmentation's: the targets' ``masks`` go to
Ultralytics' ``v8SegmentationLoss`` too, and each kept box comes with its mask (the prototypes weighted by its
coefficients, cropped to the box) as ``(N, 1, H, W)`` probabilities.

Ultralytics reaches for the network and writes a settings file on import: :func:`offline` points it at
``VISIONYARD_HOME/cache/ultralytics`` and turns that off first.

``pretrained`` starts from Ultralytics' published COCO weights (its GitHub release assets, fetched by visionyard,
never by Ultralytics). They come with no hash and are pickles of the whole model, so they are fetched and loaded
only with ``trust_checkpoint``; their model's tensors go under :class:`YoloNet`'s ``net.``, all but the head's
class layers when the classes differ.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import batched_nms

from visionyard.common.errors import Unavailable
from visionyard.config import Settings
from visionyard.engine.adapters.detection import TorchModuleDetector
from visionyard.engine.adapters.instance_segmentation import TorchModuleInstanceSegmenter
from visionyard.plugins.schema import WeightSource

GAINS = SimpleNamespace(box=7.5, cls=0.5, dfl=1.5, overlap_mask=False)
"""Ultralytics' default loss gains (``ultralytics/cfg/default.yaml``); masks one per object, not overlapped."""
CONF, IOU, MAX_DET = 0.001, 0.7, 300
"""Ultralytics' validation thresholds: every box a mAP can count."""
STRIDE = 32
ASSETS = "https://github.com/ultralytics/assets/releases/download/v8.3.0"
"""The GitHub release where Ultralytics published the YOLO11 weights (it publishes no hashes for them)."""
INTEGRATIONS = (
    "sync",
    "clearml",
    "comet",
    "dvc",
    "mlflow",
    "raytune",
    "tensorboard",
    "wandb",
    "vscode_msg",
    "openvino_msg",
)
"""Ultralytics settings that phone home or log elsewhere (its event sync, its trainer's loggers, its tips)."""


class UltralyticsMissing(Unavailable):
    code = "ultralytics_missing"


def offline() -> None:
    """Before Ultralytics is imported: its settings (and matplotlib's font cache) under visionyard's cache, no
    network, no telemetry."""
    folder = Settings().cache_dir / "ultralytics"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YOLO_CONFIG_DIR", str(folder))
    os.environ.setdefault("MPLCONFIGDIR", str(folder / "matplotlib"))  # it imports matplotlib, which caches fonts
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_VERBOSE", "False")
    try:
        from ultralytics.utils import SETTINGS
    except ImportError as exc:
        raise UltralyticsMissing(
            f"this model trains through Ultralytics, which cannot be imported ({exc}): "
            "pip install 'visionyard[ultralytics]'"
        ) from exc
    wanted = {
        **dict.fromkeys(INTEGRATIONS, False),
        **{key: str(folder / key.removesuffix("_dir")) for key in ("datasets_dir", "weights_dir", "runs_dir")},
    }
    if any(SETTINGS.get(key) != value for key, value in wanted.items()):
        SETTINGS.update(wanted)


class YoloNet(nn.Module):
    def __init__(self, model_yaml: str, num_classes: int):
        super().__init__()
        offline()
        self.net = self.build(model_yaml, num_classes)
        self.net.args = GAINS
        self.net.model[-1].dynamic = True  # anchors made for every call, not cached from an inference-mode one
        self._criterion: Any = None

    @staticmethod
    def build(model_yaml: str, num_classes: int) -> nn.Module:
        from ultralytics.nn.tasks import DetectionModel

        return DetectionModel(model_yaml, nc=num_classes, verbose=False)

    def forward(self, images: list[torch.Tensor], targets: list[dict[str, torch.Tensor]] | None = None) -> Any:
        batch = _padded(images)
        if self.training:
            assert targets is not None, "YOLO trains on targets"
            if self._criterion is None:
                self._criterion = self.net.init_criterion()
            return self._losses(batch, targets)
        return self._found(batch, images)

    def _losses(self, batch: torch.Tensor, targets: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        preds = self._criterion.parse_output(self.net(batch))
        loss = self._criterion.get_assigned_targets_and_loss(preds, _labels(batch, targets))[1]
        return {"box": loss[0], "cls": loss[1], "dfl": loss[2]}

    def _found(self, batch: torch.Tensor, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        return [_detections(image)[0] for image in self.net(batch)[0]]


class YoloSegNet(YoloNet):
    @staticmethod
    def build(model_yaml: str, num_classes: int) -> nn.Module:
        from ultralytics.nn.tasks import SegmentationModel

        return SegmentationModel(model_yaml, nc=num_classes, verbose=False)

    def _losses(self, batch: torch.Tensor, targets: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        labels = _labels(batch, targets)
        height, width = batch.shape[-2:]
        masks = [
            F.pad(t["masks"], (0, width - t["masks"].shape[-1], 0, height - t["masks"].shape[-2])) for t in targets
        ]
        labels["masks"] = torch.cat(masks).to(batch.dtype) if masks else batch.new_zeros((0, height, width))
        loss = self._criterion.loss(self._criterion.parse_output(self.net(batch)), labels)[0] / len(batch)
        return {"box": loss[0], "seg": loss[1], "cls": loss[2], "dfl": loss[3]}

    def _found(self, batch: torch.Tensor, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        (outputs, protos), _ = self.net(batch)
        results = []
        for found, proto, image in zip(outputs, protos, images, strict=True):
            result, kept = _detections(found[: -proto.shape[0]])
            coefficients = found[-proto.shape[0] :].T[kept]
            result["masks"] = _object_masks(coefficients, proto, result["boxes"], batch.shape[-2:], image.shape[-2:])
            results.append(result)
        return results


def _labels(batch: torch.Tensor, targets: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The targets as Ultralytics' loss takes them: the image of each box, its class, its normalised centre and
    size."""
    height, width = batch.shape[-2:]
    scale = torch.tensor([width, height, width, height], dtype=batch.dtype, device=batch.device)
    boxes = [t["boxes"] for t in targets]
    xyxy = torch.cat(boxes) / scale if boxes else batch.new_zeros((0, 4))
    return {
        "batch_idx": torch.cat([torch.full((len(b),), i, device=batch.device) for i, b in enumerate(boxes)]),
        "cls": torch.cat([t["labels"] - 1 for t in targets]).to(batch.dtype).view(-1, 1),
        "bboxes": torch.cat([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], 1),
    }


def _object_masks(
    coefficients: torch.Tensor, proto: torch.Tensor, boxes: torch.Tensor, padded: torch.Size, size: torch.Size
) -> torch.Tensor:
    """Each object's mask probabilities, ``(N, 1, H, W)`` at the image's own size: its prototype mix, cropped to its
    box, upsampled to the padded batch and cut back to the image (as Ultralytics' ``process_mask``)."""
    from ultralytics.utils.ops import crop_mask

    channels, mask_height, mask_width = proto.shape
    logits = (coefficients @ proto.view(channels, -1)).view(-1, mask_height, mask_width)
    ratio = torch.tensor([mask_width / padded[1], mask_height / padded[0]] * 2, dtype=boxes.dtype, device=boxes.device)
    cropped = crop_mask(logits.sigmoid(), boxes * ratio)
    upsampled = F.interpolate(cropped[:, None], size=tuple(padded), mode="bilinear", align_corners=False)
    return upsampled[:, :, : size[0], : size[1]]


def _detections(found: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """One image's ``(4 + classes, anchors)`` head output (centre, size, class scores) as its best class per box
    after per-class NMS: torchvision's ``batched_nms``, which traces into ONNX (Ultralytics' own NMS does not).
    Also the indexes of the kept anchors."""
    centre, size, scores = found[:2].T, found[2:4].T, found[4:].T
    best, labels = scores.max(1)
    candidates = (best > CONF).nonzero().flatten()
    boxes = torch.cat([centre - size / 2, centre + size / 2], 1)[candidates]
    best, labels = best[candidates], labels[candidates]
    kept = batched_nms(boxes, best, labels, IOU)[:MAX_DET]
    return {"boxes": boxes[kept], "scores": best[kept], "labels": labels[kept] + 1}, candidates[kept]


def _padded(images: list[torch.Tensor]) -> torch.Tensor:
    """The images as one batch, padded at the bottom and right to a common size divisible by the stride (boxes
    keep their coordinates)."""
    height = -(-max(i.shape[-2] for i in images) // STRIDE) * STRIDE
    width = -(-max(i.shape[-1] for i in images) // STRIDE) * STRIDE
    return torch.stack([_pad(i, height, width) for i in images])


def _pad(tensor: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Zeros at the bottom and right up to ``height`` x ``width``."""
    return F.pad(tensor, (0, width - tensor.shape[-1], 0, height - tensor.shape[-2]))


class UltralyticsModel:
    """What YOLO adapters share: the model YAML (``yolo11n.yaml``: the scale is in the name), the published
    weights, ONNX only, stages."""

    model_yaml: ClassVar[str]
    asset: ClassVar[str]
    """Its published weights among Ultralytics' release assets (``yolo11n.pt``)."""
    export_formats = ("onnx",)
    """Ultralytics' network neither scripts (its forward takes ``**kwargs``) nor traces into TorchScript whole."""

    def pretrained_sources(self) -> list[WeightSource]:
        return [WeightSource(f"{ASSETS}/{self.asset}")]

    def pretrained_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """An Ultralytics model's tensors (``model.0.conv.weight``) under :class:`YoloNet`'s names (``net.``)."""
        return {key if key.startswith("net.") else f"net.{key}": value for key, value in state.items()}

    def stages(self) -> list[nn.Module]:
        """The backbone's layers (up to the SPPF block) of Ultralytics' layer list."""
        net = self._require_model().net  # type: ignore[attr-defined]
        return list(net.model)[: len(net.yaml["backbone"])]


class UltralyticsDetector(UltralyticsModel, TorchModuleDetector):
    """A YOLO detector of Ultralytics' model zoo with the dataset's classes, trained from scratch or from its
    published weights."""

    def create_model(self) -> nn.Module:
        return YoloNet(self.model_yaml, self.num_classes)


class UltralyticsInstanceSegmenter(UltralyticsModel, TorchModuleInstanceSegmenter):
    """A YOLO instance segmenter of Ultralytics' model zoo (``yolo11n-seg.yaml``), trained from scratch or from its
    published weights."""

    refused_formats = {
        "openvino": "OpenVINO 2026.4's CPU plugin answers this graph wrongly (other boxes on its first call, a box "
        "where ONNX Runtime finds none) and can crash on it; export to onnx"
    }

    def create_model(self) -> nn.Module:
        return YoloSegNet(self.model_yaml, self.num_classes)
