"""Warnings about the training loss: worked out from the epoch rows, reported once, shown to the user."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.helpers import TINY, last_json, run_cli
from visionyard.engine.health import loss_warnings


def rows(*losses: float) -> list[dict]:
    return [{"epoch": i, "train_loss": loss} for i, loss in enumerate(losses, 1)]


def test_a_loss_that_rises_three_epochs_in_a_row_is_reported_at_the_third_rise():
    assert loss_warnings(rows(1.0, 0.8, 0.9, 0.85, 1.0)) == []
    [rising] = loss_warnings(rows(1.0, 0.6, 0.7, 0.8, 0.9, 1.1))
    assert (rising["kind"], rising["epoch"]) == ("loss_rising", 5)
    assert "from 0.6 in epoch 2 to 0.9 in epoch 5" in rising["message"]


def test_a_loss_that_is_not_finite_is_reported_with_its_epoch():
    [broken] = loss_warnings(rows(1.0, math.nan, math.nan))
    assert (broken["kind"], broken["epoch"]) == ("loss_not_finite", 2) and "nan" in broken["message"]
    assert loss_warnings([{"epoch": 1}]) == []


RISING = """
import torch
from torch import nn

from visionyard.sdk import ModelMetadata, TorchModuleClassifier


class Confident(nn.Module):
    \"\"\"Ever surer of class 0 whatever the image: the loss of the other classes' images grows each step.\"\"\"

    def __init__(self, classes):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(classes))
        self.register_buffer("steps", torch.zeros(()))
        self.register_buffer("favourite", torch.nn.functional.one_hot(torch.tensor(0), classes).float())

    def forward(self, images):
        if self.training:
            self.steps += 1
        return (self.steps * self.favourite + self.bias).expand(images.shape[0], -1)


class Rising(TorchModuleClassifier):
    @classmethod
    def metadata(cls):
        return ModelMetadata(name="rising", task_type="classification", framework="custom")

    def create_model(self):
        return Confident(self.num_classes)
"""


@pytest.mark.slow
def test_a_diverging_run_says_so_in_its_record_and_cli_lines(tmp_path: Path, tiny_dataset: Path):
    (tmp_path / "models" / "rising").mkdir(parents=True)
    (tmp_path / "models" / "rising" / "model.py").write_text(RISING)
    diverging = {**TINY, "epochs": 4, "batch_size": 4, "lr": 1e-6, "optimizer.type": "sgd"}
    settings = [f"--set={k}={v}" for k, v in diverging.items()]
    trained = run_cli("train", "rising", str(tiny_dataset), *settings, "--json", home=tmp_path)
    outcome = last_json(trained.stdout)
    assert outcome["status"] == "completed"  # a warning, not an error: the user decides
    kinds = [w["kind"] for w in outcome["warnings"]]
    assert kinds == ["loss_rising"], trained.stderr
    assert trained.stderr.count("warning: the training loss") >= len(kinds) + 1  # as it happens, and at the end
