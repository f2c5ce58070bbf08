"""A run that asked for an export for serving (``serve_export``) gets its ONNX export job queued by the worker as
it records the run's completion, exactly as ``POST /runs/{id}/exports`` would queue it; a run that cannot have one
still completes."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.db.models import Checkpoint, Job, Run
from visionyard.services import exports
from visionyard.storage.run_folder import RunFolder
from visionyard.worker.execute import RunOutcome
from visionyard.worker.service import record_outcome


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    context = Context(Settings(home=tmp_path / "home"))
    context.db.migrate()
    return context


def running_run(ctx: Context, run_id: str, serve_export: bool, best_epoch: int | None = None) -> str:
    """A run this process trains, as its worker's claim leaves it; with a best checkpoint (file and row)."""
    with ctx.db.write() as session:
        session.add(
            Run(
                id=run_id,
                status="running",
                model="small_cnn",
                task="classification",
                dataset="d",
                dataset_path="/d",
                config={},
                epochs=3,
                worker_pid=os.getpid(),
                serve_export=serve_export,
            )
        )
    if best_epoch is not None:
        set_best(ctx, run_id, best_epoch)
    return run_id


def set_best(ctx: Context, run_id: str, epoch: int) -> None:
    folder = RunFolder.of(ctx.settings.runs_dir, run_id)
    folder.checkpoints.mkdir(parents=True, exist_ok=True)
    folder.best_ckpt.write_bytes(b"weights of epoch %d" % epoch)
    path = str(folder.best_ckpt.relative_to(folder.root))
    with ctx.db.write() as session:
        row = session.scalar(select(Checkpoint).where(Checkpoint.run_id == run_id, Checkpoint.path == path))
        if row is None:
            row = Checkpoint(run_id=run_id, kind="best", path=path, epoch=epoch, step=epoch * 4, size=1)
            session.add(row)
        row.epoch, row.step = epoch, epoch * 4


def export_jobs(ctx: Context, run_id: str) -> list[Job]:
    with ctx.db.session() as session:
        return list(session.scalars(select(Job).where(Job.run_id == run_id).order_by(Job.created_at, Job.id)))


def train_again(ctx: Context, run_id: str) -> None:
    """The run extended and claimed by this process again."""
    with ctx.db.write() as session:
        run = session.get_one(Run, run_id)
        run.status, run.worker_pid = "running", os.getpid()


def test_a_completed_run_that_asked_gets_the_export_the_api_would_queue(ctx: Context):
    run_id = running_run(ctx, "20260101-000000-aaaaaa", serve_export=True, best_epoch=2)
    assert record_outcome(ctx, run_id, RunOutcome(status="completed", epochs_completed=3)) == "completed"
    [job] = export_jobs(ctx, run_id)
    assert (job.kind, job.status) == ("export", "queued")
    assert job.params["format"] == "onnx"
    assert (job.params["checkpoint"], job.params["checkpoint_kind"], job.params["checkpoint_epoch"]) == (
        "checkpoints/best.ckpt",
        "best",
        2,
    )
    by_hand = exports.create_export(ctx, run_id, "onnx", "best", {})
    assert by_hand.params == job.params and by_hand.kind == job.kind and by_hand.status == job.status

    train_again(ctx, run_id)  # extended, and its best epoch stayed: no second export of the same weights
    record_outcome(ctx, run_id, RunOutcome(status="completed", epochs_completed=4))
    assert len(export_jobs(ctx, run_id)) == 2

    train_again(ctx, run_id)  # extended, with a better epoch: exported too
    set_best(ctx, run_id, 5)
    record_outcome(ctx, run_id, RunOutcome(status="completed", epochs_completed=5))
    newest = export_jobs(ctx, run_id)[-1]
    assert len(export_jobs(ctx, run_id)) == 3 and newest.params["checkpoint_epoch"] == 5


def test_runs_that_did_not_ask_or_did_not_complete_get_none(ctx: Context):
    plain = running_run(ctx, "20260101-000000-bbbbbb", serve_export=False, best_epoch=1)
    assert record_outcome(ctx, plain, RunOutcome(status="completed", epochs_completed=1)) == "completed"
    paused = running_run(ctx, "20260101-000000-cccccc", serve_export=True, best_epoch=1)
    assert record_outcome(ctx, paused, RunOutcome(status="paused", epochs_completed=1)) == "paused"
    assert export_jobs(ctx, plain) == [] and export_jobs(ctx, paused) == []


def test_a_run_with_no_best_checkpoint_completes_with_a_warning_and_no_export(
    ctx: Context, caplog: pytest.LogCaptureFixture
):
    run_id = running_run(ctx, "20260101-000000-dddddd", serve_export=True)
    with caplog.at_level(logging.WARNING, logger="visionyard"):
        assert record_outcome(ctx, run_id, RunOutcome(status="completed", epochs_completed=3)) == "completed"
    assert export_jobs(ctx, run_id) == []
    assert f"run {run_id}: no export for serving: run {run_id} (completed) has no checkpoint yet" in caplog.text
