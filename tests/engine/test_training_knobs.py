"""The training knobs of the platform config: an EMA of the weights (validated, checkpointed, resumed bit-exactly),
label smoothing, and class weights (auto from the training split, or the user's list)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from tests.engine.test_resume import assert_same_training
from tests.helpers import TINY, PauseAtStep
from visionyard.config import Settings
from visionyard.data import formats
from visionyard.data.formats.samples import ClassSample
from visionyard.engine.class_weights import class_weights
from visionyard.plugins.catalog import PluginCatalog
from visionyard.plugins.validation import ConfigError, resolve_config
from visionyard.services.runs import prepare_resume, prepare_run
from visionyard.worker.execute import execute_run

EMA = {**TINY, "epochs": 2, "model.dropout": 0.3, "ema.enabled": True, "ema.decay": 0.8}


def train(settings: Settings, catalog: PluginCatalog, dataset: Path, config: dict, control=None, model="small_cnn"):
    prepared = prepare_run(settings, catalog, model, str(dataset), dict(config))
    outcome = execute_run(replace(prepared, progress=False), settings, catalog, control=control)
    return prepared, outcome


@pytest.mark.slow
def test_an_ema_run_checkpoints_the_average_and_resumes_bit_exactly(
    catalog: PluginCatalog, shared_home: Path, tiny_dataset: Path
):
    settings = Settings(home=shared_home)
    straight, done = train(settings, catalog, tiny_dataset, EMA)
    assert done.status == "completed"
    checkpoint = torch.load(straight.folder.last_ckpt, weights_only=True)
    averaged, current = checkpoint["state_dict"], checkpoint["current_model_state"]
    assert averaged.keys() == current.keys()
    assert any(not torch.equal(averaged[k], current[k]) for k in averaged)  # the average is not the raw weights

    paused, first = train(settings, catalog, tiny_dataset, EMA, control=PauseAtStep(4))  # mid-epoch 2
    assert first.status == "paused"
    resumed = execute_run(prepare_resume(settings, catalog, paused.folder.run_id, {}), settings, catalog)
    assert resumed.status == "completed"
    assert_same_training(straight.folder, paused.folder)
    again = torch.load(paused.folder.last_ckpt, weights_only=True)["current_model_state"]
    assert all(torch.equal(again[k], current[k]) for k in current)


@pytest.mark.slow
def test_label_smoothing_and_auto_class_weights_change_the_loss(
    catalog: PluginCatalog, shared_home: Path, tiny_dataset: Path
):
    settings = Settings(home=shared_home)
    base = {**TINY, "augmentation.enabled": False}
    plain = train(settings, catalog, tiny_dataset, base)[1].final_metrics["train_loss"]
    smoothed = train(settings, catalog, tiny_dataset, {**base, "label_smoothing": 0.3})[1].final_metrics["train_loss"]
    weighted = train(settings, catalog, tiny_dataset, {**base, "class_weights": [1.0, 5.0, 0.1]})[1]
    assert weighted.status == "completed"
    assert smoothed != pytest.approx(plain) and weighted.final_metrics["train_loss"] != pytest.approx(plain)
    wrong = train(settings, catalog, tiny_dataset, {**base, "class_weights": [1.0, 2.0]})[1]
    assert wrong.status == "failed" and not wrong.retryable
    assert "class_weights: 2 weights for 3 classes (a, b, c)" in wrong.error


def test_auto_class_weights_balance_the_training_split(task_datasets: dict[str, Path]):
    samples = [ClassSample(Path(f"{i}.png"), label) for i, label in enumerate([0] * 6 + [1] * 3 + [2] * 0 + [3] * 3)]
    weights = class_weights("auto", samples, ["a", "b", "c", "d"], "classification")
    assert weights.tolist() == pytest.approx([12 / (3 * 6), 12 / (3 * 3), 1.0, 12 / (3 * 3)])
    assert class_weights("none", samples, ["a"], "classification") is None
    data = formats.load(task_datasets["segmentation"], "segmentation")
    dense = class_weights("auto", data.splits["train"], data.classes, "segmentation")
    assert dense.shape == (len(data.classes),) and bool((dense > 0).all())
    assert dense[0] < dense[1:].min()  # the background is the most frequent class


@pytest.mark.parametrize(
    ("task", "values", "path"),
    [
        ("detection", {"label_smoothing": 0.1}, "label_smoothing"),
        ("change_detection", {"class_weights": "auto"}, "class_weights"),
    ],
)
def test_knobs_a_task_cannot_use_are_refused(catalog: PluginCatalog, task: str, values: dict, path: str):
    schema = catalog.get("small_cnn").config_schema
    with pytest.raises(ConfigError) as refused:
        resolve_config(schema, values, None, task)
    assert [p.path for p in refused.value.problems] == [path]
    resolve_config(
        schema, {**values, "ema.enabled": True}, None, "classification" if task == "detection" else "segmentation"
    )
