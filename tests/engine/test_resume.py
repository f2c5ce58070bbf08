"""Exact resume, extension of a finished run, transfer learning and pretrained weights."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from tests.helpers import TINY
from visionyard.config import Settings
from visionyard.plugins.registry import PluginRegistry
from visionyard.services.runs import RunSetupError, prepare_resume, prepare_run
from visionyard.worker.execute import execute_run

CONFIG = {**TINY, "epochs": 3, "model.dropout": 0.3, "augmentation.rotation": 15, "augmentation.mixup_alpha": 0.2}


class StopAfterEpoch:
    def __init__(self, epoch: int):
        self.epoch = epoch

    def requested(self, epoch: int, step: int, epoch_end: bool):
        return "stop" if epoch_end and epoch + 1 == self.epoch else None


def run(settings, registry, prepared, control=None):
    return execute_run(replace(prepared, progress=False), settings, registry, control=control)


def weights(folder) -> dict[str, torch.Tensor]:
    return torch.load(folder.last_ckpt, weights_only=True)["state_dict"]


@pytest.mark.slow
def test_stopped_and_resumed_run_ends_with_the_same_weights(
    registry: PluginRegistry, shared_home: Path, tiny_dataset: Path
):
    settings = Settings(home=shared_home)
    straight = prepare_run(settings, registry, "small_cnn", str(tiny_dataset), dict(CONFIG))
    assert run(settings, registry, straight).status == "completed"

    interrupted = prepare_run(settings, registry, "small_cnn", str(tiny_dataset), dict(CONFIG))
    first = run(settings, registry, interrupted, control=StopAfterEpoch(1))
    assert (first.status, first.epochs_completed) == ("stopped", 1)
    resumed = run(settings, registry, prepare_resume(settings, registry, interrupted.folder.run_id, {}))
    assert (resumed.status, resumed.epochs_completed) == ("completed", 3)
    assert interrupted.folder.read_run()["attempt"] == 2

    a, b = weights(straight.folder), weights(interrupted.folder)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert [r["epoch"] for r in interrupted.folder.read_metrics()] == [1, 2, 3]
    rows = zip(straight.folder.read_metrics(), interrupted.folder.read_metrics(), strict=True)
    assert all(x["train_loss"] == y["train_loss"] and x["lr"] == y["lr"] for x, y in rows)


@pytest.mark.slow
def test_a_finished_run_can_be_extended(registry: PluginRegistry, shared_home: Path, tiny_dataset: Path):
    settings = Settings(home=shared_home)
    prepared = prepare_run(settings, registry, "small_cnn", str(tiny_dataset), {**TINY, "epochs": 1})
    assert run(settings, registry, prepared).status == "completed"
    with pytest.raises(RunSetupError, match="only epochs can change"):
        prepare_resume(settings, registry, prepared.folder.run_id, {"lr": 0.1})
    extended = run(settings, registry, prepare_resume(settings, registry, prepared.folder.run_id, {"epochs": 2}))
    assert (extended.status, extended.epochs_completed) == ("completed", 2)
    assert prepared.folder.read_config()["epochs"] == 2


@pytest.mark.slow
def test_transfer_from_a_base_run_resizes_the_head_and_freezes_stages(
    registry: PluginRegistry, shared_home: Path, tiny_dataset: Path, tmp_path: Path
):
    from tests.helpers import make_image_folder

    settings = Settings(home=shared_home)
    base = prepare_run(settings, registry, "small_cnn", str(tiny_dataset), dict(TINY))
    assert run(settings, registry, base).status == "completed"
    five_classes = make_image_folder(tmp_path / "five", classes=("p", "q", "r", "s", "t"), per_class=4)
    child = prepare_run(
        settings, registry, "small_cnn", str(five_classes), {**TINY, "freeze_stages": 1}, base_run=base.folder.run_id
    )
    outcome = run(settings, registry, child)
    assert outcome.status == "completed", outcome.error
    base_w, child_w = weights(base.folder), weights(child.folder)
    assert torch.equal(base_w["model.0.0.weight"], child_w["model.0.0.weight"])  # frozen first stage kept
    assert not torch.equal(base_w["model.1.0.weight"], child_w["model.1.0.weight"])  # later stage trained
    assert child_w["model.3.3.weight"].shape[0] == 5  # head resized to five classes
    with pytest.raises(RunSetupError, match="cannot initialise 'resnet18'"):
        prepare_run(settings, registry, "resnet18", str(tiny_dataset), dict(TINY), base_run=base.folder.run_id)


@pytest.mark.slow
def test_pretrained_loads_a_local_file_and_fails_clearly_without_one(
    registry: PluginRegistry, tiny_dataset: Path, tmp_path: Path
):
    settings = Settings(home=tmp_path / "home")
    missing = prepare_run(settings, registry, "small_cnn", str(tiny_dataset), {**TINY, "pretrained": True})
    outcome = run(settings, registry, missing)
    assert outcome.status == "failed"
    assert "no local weights for 'small_cnn'" in outcome.error and "small_cnn.pth" in outcome.error

    source = registry.load_class("small_cnn")(missing.config, ["x"] * 7)
    source.build()
    settings.weights_dir.mkdir(parents=True)
    torch.save(source.model.state_dict(), settings.weights_dir / "small_cnn.pth")
    found = prepare_run(settings, registry, "small_cnn", str(tiny_dataset), {**TINY, "pretrained": True})
    assert run(settings, registry, found).status == "completed"
    assert "pretrained weights: " in found.folder.log_file.read_text()
