"""The engine's Reporter in a service worker: epochs and checkpoints go to the database.

Each report is one transaction, begun again while the database is unreachable (for up to
``db_outage_s``): training waits for the database rather than losing what it reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from visionyard.common.tasks import headline
from visionyard.common.training_config import TrainingConfig
from visionyard.core import lifecycle
from visionyard.core.context import Context
from visionyard.db.models import Checkpoint, MetricRow, Run, utcnow


class DatabaseReporter:
    def __init__(self, ctx: Context, run: Run, progress: Callable[[dict[str, Any]], None] | None = None):
        """``progress``: where step progress goes (the heartbeat, which writes it; dropped without one)."""
        self.ctx, self.run_id = ctx, run.id
        self._progress = progress
        self.folder = ctx.settings.runs_dir / run.id
        self.monitor, self.mode = TrainingConfig.from_run_config(run.config).validation.monitored(headline(run.task))

    def epoch_end(self, row: dict[str, Any]) -> None:
        def write(session: Session) -> None:
            session.execute(delete(MetricRow).where(MetricRow.run_id == self.run_id, MetricRow.epoch == row["epoch"]))
            session.add(MetricRow(run_id=self.run_id, epoch=row["epoch"], step=row["step"], values=row))
            run = session.get_one(Run, self.run_id)
            run.current_epoch, run.current_step = row["epoch"], row["step"]
            run.final_metrics = row
            if self._better(row, run.best_metrics):
                run.best_metrics = {**row, "monitor": self.monitor}
            session.execute(
                update(Checkpoint)
                .where(Checkpoint.run_id == self.run_id, Checkpoint.epoch == row["epoch"], Checkpoint.metrics.is_(None))
                .values(metrics=row)
            )
            lifecycle.add_event(session, self.run_id, "epoch", **row)

        self._write(write, f"epoch {row['epoch']}")

    def checkpoint_saved(self, kind: str, path: str, epoch: int, step: int) -> None:
        file = Path(path)
        relative = self._relative(file)
        size = file.stat().st_size

        def write(session: Session) -> None:
            row = session.scalar(
                select(MetricRow).where(
                    MetricRow.run_id == self.run_id, MetricRow.epoch == epoch, MetricRow.step == step
                )
            )
            record = session.scalar(
                select(Checkpoint).where(Checkpoint.run_id == self.run_id, Checkpoint.path == relative)
            ) or Checkpoint(run_id=self.run_id, path=relative)
            record.kind, record.epoch, record.step, record.size = kind, epoch, step, size
            record.metrics, record.created_at = (row.values if row else None), utcnow()
            session.add(record)
            lifecycle.add_event(session, self.run_id, "checkpoint", kind=kind, path=relative, epoch=epoch, step=step)

        self._write(write, f"checkpoint {relative}")

    def checkpoint_removed(self, path: str) -> None:
        relative = self._relative(Path(path))

        def write(session: Session) -> None:
            session.execute(delete(Checkpoint).where(Checkpoint.run_id == self.run_id, Checkpoint.path == relative))
            lifecycle.add_event(session, self.run_id, "checkpoint_removed", path=relative)

        self._write(write, f"removal of {relative}")

    def dataset_read(self, fingerprint: dict[str, Any]) -> None:
        def write(session: Session) -> None:
            session.get_one(Run, self.run_id).dataset_fingerprint = fingerprint["digest"]
            lifecycle.add_event(session, self.run_id, "dataset", **fingerprint)

        self._write(write, "dataset fingerprint")

    def warning(self, kind: str, epoch: int, message: str) -> None:
        def write(session: Session) -> None:
            run = session.get_one(Run, self.run_id)
            run.warnings = [*run.warnings, {"kind": kind, "epoch": epoch, "message": message}]
            lifecycle.add_event(session, self.run_id, "warning", kind=kind, epoch=epoch, message=message)

        self._write(write, f"warning {kind}")

    def progress(self, values: dict[str, Any]) -> None:
        if self._progress is not None:
            self._progress(values)

    def _write(self, work: Callable[[Session], None], what: str) -> None:
        patience = self.ctx.settings.db_outage_s
        self.ctx.db.retrying(work, what=f"run {self.run_id}: report of {what}", patience=patience)

    def _relative(self, file: Path) -> str:
        return str(file.relative_to(self.folder)) if file.is_relative_to(self.folder) else str(file)

    def _better(self, row: dict[str, Any], best: dict[str, Any]) -> bool:
        if self.monitor not in row:
            return False
        if self.monitor not in best:
            return True
        return row[self.monitor] < best[self.monitor] if self.mode == "min" else row[self.monitor] > best[self.monitor]
