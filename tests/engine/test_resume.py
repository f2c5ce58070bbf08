"""Exact resume, extension of a finished run, transfer learning and pretrained weights."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from tests.helpers import TINY, PauseAtStep
from visionyard.config import Settings
from visionyard.core.runs import RunSetupError
from visionyard.plugins.catalog import PluginCatalog
from visionyard.services.runs import prepare_resume, prepare_run
from visionyard.storage.run_folder import RunFolder
from visionyard.worker.execute import execute_run

CONFIG = {**TINY, "epochs": 3, "model.dropout": 0.3, "augmentation.rotation": 15, "augmentation.mixup_alpha": 0.2}


class StopAfterEpoch:
    def __init__(self, epoch: int):
        self.epoch = epoch

    def requested(self, epoch: int, step: int, epoch_end: bool):
        return "stop" if epoch_end and epoch + 1 == self.epoch else None


def run(settings, catalog, prepared, control=None):
    return execute_run(replace(prepared, progress=False), settings, catalog, control=control)


def weights(folder: RunFolder) -> dict[str, torch.Tensor]:
    return torch.load(folder.last_ckpt, weights_only=True)["state_dict"]


def metrics_columns(folder: RunFolder) -> list[dict[str, float]]:
    """Every column of metrics.csv but the wall-clock one, as numbers."""
    with folder.metrics_csv.open(newline="") as handle:
        return [{k: float(v) for k, v in row.items() if k != "epoch_seconds"} for row in csv.DictReader(handle)]


def assert_same_metrics(expected: RunFolder, actual: RunFolder) -> None:
    rows = metrics_columns(expected)
    assert metrics_columns(actual) == [pytest.approx(row, rel=1e-5, abs=1e-6) for row in rows]


def assert_same_training(expected: RunFolder, actual: RunFolder) -> None:
    a, b = weights(expected), weights(actual)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert_same_metrics(expected, actual)


@pytest.fixture(scope="module")
def straight(catalog: PluginCatalog, shared_home: Path, tiny_dataset: Path) -> RunFolder:
    """An uninterrupted run of CONFIG: what every interrupted and resumed run must end as."""
    settings = Settings(home=shared_home)
    prepared = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), dict(CONFIG))
    assert run(settings, catalog, prepared).status == "completed"
    assert [r["epoch"] for r in prepared.folder.read_metrics()] == [1, 2, 3]
    return prepared.folder


@pytest.mark.slow
def test_stopped_and_resumed_run_ends_with_the_same_weights(
    catalog: PluginCatalog, shared_home: Path, tiny_dataset: Path, straight: RunFolder
):
    settings = Settings(home=shared_home)
    interrupted = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), dict(CONFIG))
    first = run(settings, catalog, interrupted, control=StopAfterEpoch(1))
    assert (first.status, first.epochs_completed) == ("stopped", 1)
    resumed = run(settings, catalog, prepare_resume(settings, catalog, interrupted.folder.run_id, {}))
    assert (resumed.status, resumed.epochs_completed) == ("completed", 3)
    assert interrupted.folder.read_run()["attempt"] == 2
    assert_same_training(straight, interrupted.folder)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("into_epoch_2", "workers"),
    [(2, 0), (3, 0), (2, 2)],
    ids=["mid-epoch", "after-last-batch", "mid-epoch-loader-workers"],
)
def test_paused_at_a_step_and_resumed_run_ends_with_the_same_weights(
    catalog: PluginCatalog,
    shared_home: Path,
    tiny_dataset: Path,
    straight: RunFolder,
    into_epoch_2: int,
    workers: int,
):
    settings = Settings(home=shared_home)
    steps_per_epoch = straight.read_metrics()[0]["step"]
    assert steps_per_epoch == 3
    config = {**CONFIG, "data.num_workers": workers}
    paused = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), config)
    first = run(settings, catalog, paused, control=PauseAtStep(steps_per_epoch + into_epoch_2))
    # mid-epoch: stopped at that step; after an epoch's last batch: that epoch is validated and recorded first
    assert (first.status, first.epochs_completed) == ("paused", 1 if into_epoch_2 < steps_per_epoch else 2)
    assert torch.load(paused.folder.last_ckpt, weights_only=True)["global_step"] == steps_per_epoch + into_epoch_2
    resumed = run(settings, catalog, prepare_resume(settings, catalog, paused.folder.run_id, {}))
    assert (resumed.status, resumed.epochs_completed) == ("completed", 3)
    assert_same_training(straight, paused.folder)


TASK_RUNS = {
    "classification": ("small_cnn", 32),
    "detection": ("fasterrcnn_mobilenet_v3_320", 64),
    "segmentation": ("unet", 32),
    "change_detection": ("snunet_cbam", 32),
}


@pytest.mark.slow
@pytest.mark.parametrize("task", TASK_RUNS)
@pytest.mark.parametrize("pause_at", ["epoch-end", "mid-epoch"])
def test_every_metric_column_of_a_paused_and_resumed_run_matches_the_uninterrupted_run(
    catalog: PluginCatalog, shared_home: Path, task_datasets: dict[str, Path], task: str, pause_at: str
):
    """A metric whose state does not survive a resume (or depends on where it restarted) shows here."""
    settings = Settings(home=shared_home)
    model, size = TASK_RUNS[task]
    config = {**TINY, "epochs": 2, "batch_size": 4, "preprocessing.image_size": size}
    dataset = str(task_datasets[task])
    straight = prepare_run(settings, catalog, model, dataset, dict(config))
    assert run(settings, catalog, straight).status == "completed"
    steps_per_epoch = straight.folder.read_metrics()[0]["step"]
    paused = prepare_run(settings, catalog, model, dataset, dict(config))
    step = steps_per_epoch if pause_at == "epoch-end" else steps_per_epoch + 1
    assert run(settings, catalog, paused, control=PauseAtStep(step)).status == "paused"
    resumed = run(settings, catalog, prepare_resume(settings, catalog, paused.folder.run_id, {}))
    assert resumed.status == "completed", resumed.error
    assert len(metrics_columns(paused.folder)) == 2
    assert_same_metrics(straight.folder, paused.folder)


@pytest.mark.slow
def test_a_finished_run_can_be_extended(catalog: PluginCatalog, shared_home: Path, tiny_dataset: Path):
    settings = Settings(home=shared_home)
    prepared = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), {**TINY, "epochs": 1})
    assert run(settings, catalog, prepared).status == "completed"
    with pytest.raises(RunSetupError, match="only epochs can change"):
        prepare_resume(settings, catalog, prepared.folder.run_id, {"lr": 0.1})
    extended = run(settings, catalog, prepare_resume(settings, catalog, prepared.folder.run_id, {"epochs": 2}))
    assert (extended.status, extended.epochs_completed) == ("completed", 2)
    assert prepared.folder.read_config()["epochs"] == 2


@pytest.mark.slow
def test_transfer_from_a_base_run_resizes_the_head_and_freezes_stages(
    catalog: PluginCatalog, shared_home: Path, tiny_dataset: Path, tmp_path: Path
):
    from tests.helpers import make_image_folder

    settings = Settings(home=shared_home)
    base = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), dict(TINY))
    assert run(settings, catalog, base).status == "completed"
    five_classes = make_image_folder(tmp_path / "five", classes=("p", "q", "r", "s", "t"), per_class=4)
    child = prepare_run(
        settings, catalog, "small_cnn", str(five_classes), {**TINY, "freeze_stages": 1}, base_run=base.folder.run_id
    )
    outcome = run(settings, catalog, child)
    assert outcome.status == "completed", outcome.error
    base_w, child_w = weights(base.folder), weights(child.folder)
    assert torch.equal(base_w["model.0.0.weight"], child_w["model.0.0.weight"])  # frozen first stage kept
    assert not torch.equal(base_w["model.1.0.weight"], child_w["model.1.0.weight"])  # later stage trained
    assert child_w["model.3.3.weight"].shape[0] == 5  # head resized to five classes
    with pytest.raises(RunSetupError, match="cannot initialise 'resnet18'"):
        prepare_run(settings, catalog, "resnet18", str(tiny_dataset), dict(TINY), base_run=base.folder.run_id)


@pytest.mark.slow
def test_pretrained_loads_a_local_file_and_fails_clearly_without_one(
    catalog: PluginCatalog, tiny_dataset: Path, tmp_path: Path
):
    settings = Settings(home=tmp_path / "home")
    missing = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), {**TINY, "pretrained": True})
    outcome = run(settings, catalog, missing)
    assert outcome.status == "failed"
    assert "no local weights for 'small_cnn'" in outcome.error and "small_cnn.pth" in outcome.error

    source = catalog.load_class("small_cnn")(missing.config, ["x"] * 7)
    source.build()
    settings.weights_dir.mkdir(parents=True)
    torch.save(source.model.state_dict(), settings.weights_dir / "small_cnn.pth")
    found = prepare_run(settings, catalog, "small_cnn", str(tiny_dataset), {**TINY, "pretrained": True})
    assert run(settings, catalog, found).status == "completed"
    assert "pretrained weights: " in found.folder.log_file.read_text()
