"""YOLO through Ultralytics (extra ``ultralytics``, AGPL-3.0): Ultralytics' own network, built from its model
YAML, and its own loss, trained by visionyard's engine like any torchvision-style detector.

:class:`YoloNet` speaks the detection task's language: a list of images in; in train mode a dict of the
gain-weighted box, class and distribution-focal losses (Ultralytics' ``v8DetectionLoss``, per image rather than
multiplied by the batch size as its own trainer does); in eval mode one ``{"boxes", "labels", "scores"}`` per
image after NMS. Label 0 is the task's background, so class ``k`` of the dataset is YOLO's ``k``
and the task's ``k + 1``.

Ultralytics reaches for the network and writes a settings file on import: :func:`offline` points it at
``VISIONYARD_HOME/cache/ultralytics`` and turns that off first.
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

GAINS = SimpleNamespace(box=7.5, cls=0.5, dfl=1.5)
"""Ultralytics' default loss gains (``ultralytics/cfg/default.yaml``)."""
CONF, IOU, MAX_DET = 0.001, 0.7, 300
"""Ultralytics' validation thresholds: every box a mAP can count."""
STRIDE = 32
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
        from ultralytics.nn.tasks import DetectionModel

        self.net = DetectionModel(model_yaml, nc=num_classes, verbose=False)
        self.net.args = GAINS
        self.net.model[-1].dynamic = True  # anchors made for every call, not cached from an inference-mode one
        self._criterion: Any = None

    def forward(self, images: list[torch.Tensor], targets: list[dict[str, torch.Tensor]] | None = None) -> Any:
        batch = _padded(images)
        if self.training:
            assert targets is not None, "YOLO trains on targets"
            return self._losses(batch, targets)
        return [_detections(image) for image in self.net(batch)[0]]

    def _losses(self, batch: torch.Tensor, targets: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        if self._criterion is None:
            self._criterion = self.net.init_criterion()
        height, width = batch.shape[-2:]
        scale = torch.tensor([width, height, width, height], dtype=batch.dtype, device=batch.device)
        boxes = [t["boxes"] for t in targets]
        xyxy = torch.cat(boxes) / scale if boxes else batch.new_zeros((0, 4))
        labels = {
            "batch_idx": torch.cat([torch.full((len(b),), i, device=batch.device) for i, b in enumerate(boxes)]),
            "cls": torch.cat([t["labels"] - 1 for t in targets]).to(batch.dtype).view(-1, 1),
            "bboxes": torch.cat([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], 1),
        }
        preds = self._criterion.parse_output(self.net(batch))
        loss = self._criterion.get_assigned_targets_and_loss(preds, labels)[1]
        return {"box": loss[0], "cls": loss[1], "dfl": loss[2]}


def _detections(found: torch.Tensor) -> dict[str, torch.Tensor]:
    """One image's ``(4 + classes, anchors)`` head output (centre, size, class scores) as its best class per box
    after per-class NMS: torchvision's ``batched_nms``, which traces into ONNX (Ultralytics' own NMS does not)."""
    centre, size, scores = found[:2].T, found[2:4].T, found[4:].T
    best, labels = scores.max(1)
    keep = best > CONF
    boxes = torch.cat([centre - size / 2, centre + size / 2], 1)[keep]
    best, labels = best[keep], labels[keep]
    kept = batched_nms(boxes, best, labels, IOU)[:MAX_DET]
    return {"boxes": boxes[kept], "scores": best[kept], "labels": labels[kept] + 1}


def _padded(images: list[torch.Tensor]) -> torch.Tensor:
    """The images as one batch, padded at the bottom and right to a common size divisible by the stride (boxes
    keep their coordinates)."""
    height = -(-max(i.shape[-2] for i in images) // STRIDE) * STRIDE
    width = -(-max(i.shape[-1] for i in images) // STRIDE) * STRIDE
    return torch.stack([F.pad(i, (0, width - i.shape[-1], 0, height - i.shape[-2])) for i in images])


class UltralyticsDetector(TorchModuleDetector):
    """A YOLO detector of Ultralytics' model zoo, built from ``model_yaml`` (``yolo11n.yaml``: the scale is in
    the name) with the dataset's classes, trained from scratch."""

    model_yaml: ClassVar[str]
    export_formats = ("onnx",)
    """Ultralytics' network neither scripts (its forward takes ``**kwargs``) nor traces into TorchScript whole."""

    def create_model(self) -> nn.Module:
        return YoloNet(self.model_yaml, self.num_classes)

    def stages(self) -> list[nn.Module]:
        """The backbone's layers (up to the SPPF block) of Ultralytics' layer list."""
        layers = list(self._require_model().net.model)
        head = self._require_model().net.yaml["backbone"]
        return layers[: len(head)]
