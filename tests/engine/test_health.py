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


@pytest.mark.slow
def test_a_diverging_run_says_so_in_its_record_and_cli_lines(tmp_path: Path, tiny_dataset: Path):
    diverging = {**TINY, "epochs": 4, "batch_size": 4, "lr": 10, "optimizer.type": "sgd", "scheduler.type": "none"}
    settings = [f"--set={k}={v}" for k, v in diverging.items()]
    trained = run_cli("train", "small_cnn", str(tiny_dataset), *settings, "--json", home=tmp_path)
    outcome = last_json(trained.stdout)
    assert outcome["status"] == "completed"  # a warning, not an error: the user decides
    kinds = [w["kind"] for w in outcome["warnings"]]
    assert kinds and set(kinds) <= {"loss_rising", "loss_not_finite"}, trained.stderr
    assert trained.stderr.count("warning: the training loss") >= len(kinds) + 1  # as it happens, and at the end
