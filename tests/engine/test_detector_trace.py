"""A detector's ONNX graph is traced on an image it finds a box on: tracing keeps the branches the traced image
takes, and torchvision's detectors shortcut to "nothing found" (a graph wrong for every other image) where
it finds nothing, as on the random image a detector trained on real ones often does."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from tests.helpers import TINY
from visionyard.engine.adapters import TorchModulePlugin
from visionyard.models.detection import FasterRCNNMobileNet
from visionyard.plugins.catalog import PluginCatalog
from visionyard.plugins.validation import resolve_config

CLASSES = ["circle", "square", "triangle"]


class BrightSpotter(nn.Module):
    """A torchvision-style detector (eval mode) that finds one box on images brighter than 0.9 on average."""

    def forward(self, images: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        found = []
        for image in images:
            n = int(image.mean() > 0.9)
            boxes = torch.tensor([[1.0, 1.0, 8.0, 8.0]])[:n]
            found.append({"boxes": boxes, "labels": torch.ones(n, dtype=torch.int64), "scores": torch.full((n,), 0.9)})
        return found


class BrightSpotterPlugin(FasterRCNNMobileNet):
    def create_model(self) -> nn.Module:
        return BrightSpotter()


def detector(catalog: PluginCatalog, cls: type[TorchModulePlugin] | None = None, **options) -> TorchModulePlugin:
    name = "fasterrcnn_mobilenet_v3_320"
    entry = catalog.get(name)
    config = resolve_config(entry.config_schema, {**TINY, **options}, task="detection")
    plugin = (cls or catalog.load_class(name))(config, CLASSES)
    plugin.build()
    return plugin


def image(level: float) -> tuple[list[torch.Tensor]]:
    return ([torch.full((3, 32, 32), level)],)


def test_the_graph_is_traced_on_the_first_image_the_detector_finds_a_box_on(catalog: PluginCatalog):
    plugin = detector(catalog, BrightSpotterPlugin)
    chosen = plugin.trace_example(iter([image(0.1), image(0.95), image(1.0)]))
    assert float(chosen[0][0].mean()) == pytest.approx(0.95)


def test_a_detector_that_finds_nothing_is_not_exported(catalog: PluginCatalog, tmp_path: Path):
    """Random images are tried last; a detector finding no box on any of them (here: no score can pass a
    threshold of 1) would give a graph answering no box for any image, so nothing is written."""
    plugin = detector(catalog, **{"model.box_score_thresh": 1.0})
    with pytest.raises(ValueError, match="finds no box on any of the 3 images tried"):
        plugin.export(tmp_path / "model.onnx", "onnx", examples=iter([image(0.2), image(0.8)]))
    assert not (tmp_path / "model.onnx").exists()
