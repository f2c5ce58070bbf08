"""Mask R-CNN learns from scratch on a CPU. It is shown 8 scenes of the demo shapes, and validated on
those same 8, for 30 epochs at 128 px (about 150 s on two cores): it must find and outline the objects it was
shown. Its batch-norm backbone found nothing at all in eval mode here (mask mAP 0.001) while its training loss
fell; with group norm (``models.rcnn.backbone_norm``) it measured mask mAP 0.26, box mAP 0.27. How far it
generalises is measured by ``benchmarks/learning.py`` (the full demo set: mask mAP 0.375 after 10 epochs at
224 px), too long for the suite."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from visionyard.config import Settings
from visionyard.data.demo_dense import write_shapes_detection
from visionyard.plugins.catalog import PluginCatalog
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run

pytestmark = pytest.mark.slow


def test_mask_rcnn_learns_the_objects_it_is_shown(tmp_path: Path, catalog: PluginCatalog):
    data = tmp_path / "few"
    write_shapes_detection(data, counts={"train": 8})
    shutil.copytree(data / "train", data / "val")
    settings = Settings(home=tmp_path / "home")
    config = {
        "epochs": 30,
        "batch_size": 4,
        "preprocessing.image_size": 128,
        "augmentation.enabled": False,
        "data.num_workers": 0,
    }
    prepared = prepare_run(settings, catalog, "maskrcnn_mobilenet_v3_320", str(data), config, preset="quick")
    outcome = execute_run(replace(prepared, progress=False), settings, catalog)
    assert outcome.status == "completed", outcome.error
    best = outcome.best_metrics
    assert best["val_mask_map"] > 0.1 and best["val_box_map"] > 0.1, best
