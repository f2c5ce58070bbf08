"""What the compatibility routes show: spec/001's status, run list, metrics and datasets, and spec/004's
jobs (runs by another name), each in its spec's field names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visionyard.common.statuses import RunStatus
from visionyard.config import Settings
from visionyard.core import runs as core_runs
from visionyard.db.models import MetricRow, Run
from visionyard.schemas.compat import DatasetEntry, JobPublic, RunEntry, RunMetrics
from visionyard.services import datasets, metrics, run_search
from visionyard.services.compat import NoRuns, first_line
from visionyard.services.run_search import RunFilter
from visionyard.storage.paths import is_dir, is_file
from visionyard.storage.run_folder import RunFolder, list_run_folders

if TYPE_CHECKING:
    from visionyard.core.context import Context


def training_status(session: Session) -> str:
    """spec/001's status: running, started (queued or restarting), stopped, not_running or ``error: ...``."""
    active = set(
        session.scalars(
            select(Run.status).where(Run.status.in_((RunStatus.QUEUED, RunStatus.RESTARTING, RunStatus.RUNNING)))
        )
    )
    if RunStatus.RUNNING in active:
        return "running"
    if active:
        return "started"
    moment = func.coalesce(Run.finished_at, Run.created_at)
    last = session.scalars(select(Run).order_by(moment.desc(), Run.id.desc()).limit(1)).first()
    if last is None or last.status == RunStatus.COMPLETED:
        return "not_running"
    if last.status == RunStatus.FAILED:
        return f"error: {first_line(last.error or 'training failed')}"
    return "stopped"


def job(session: Session, job_id: str) -> JobPublic:
    return JobPublic.model_validate(core_runs.get_run(session, job_id))


def jobs(session: Session, limit: int, offset: int) -> list[JobPublic]:
    """Every run, newest first (a run started anywhere is a job here too)."""
    items, _ = run_search.find_runs(session, RunFilter(), limit, offset)
    return [JobPublic.model_validate(r) for r in items]


def onnx_files(settings: Settings) -> list[str]:
    return sorted(str(p) for f in list_run_folders(settings.runs_dir) for p in f.root.rglob("*.onnx") if is_file(p))


def split_datasets(ctx: Context) -> list[DatasetEntry]:
    """Known datasets with train/ and test/ folders (val/ optional), in spec/001's shape."""
    found = []
    for name, base in sorted(datasets.known(ctx).items()):
        train, test, val = base / "train", base / "test", base / "val"
        if is_dir(train) and is_dir(test):
            found.append(
                DatasetEntry(
                    dataset_name=name,
                    train_path=str(train),
                    test_path=str(test),
                    val_path=str(val) if is_dir(val) else None,
                    dataset_base_path=str(base),
                )
            )
    return found


def latest_run_id(session: Session) -> str:
    newest, _ = run_search.find_runs(session, RunFilter(), 1, 0)
    if not newest:
        raise NoRuns("No training runs found")
    return newest[0].id


def run_metrics(settings: Settings, session: Session, run_id: str) -> RunMetrics:
    """spec/001's metrics of one run, from the metric rows in the database."""
    rows = metrics.rows(session, run_id)
    stats = select(func.max(MetricRow.epoch), func.max(MetricRow.step), func.max(MetricRow.created_at))
    max_epoch, max_step, newest = session.execute(stats.where(MetricRow.run_id == run_id)).one()
    csv_file = RunFolder.of(settings.runs_dir, run_id).metrics_csv
    return RunMetrics(
        run_id=run_id,
        available_columns=metrics.columns(rows),
        total_rows=len(rows),
        max_epoch=max_epoch or 0,
        max_step=max_step or 0,
        data=rows,
        csv_file=str(csv_file),
        last_modified=iso(newest or _modified(csv_file)),
    )


def run_overview(settings: Settings, session: Session) -> list[RunEntry]:
    """Every run, newest first, in spec/001's run-list shape."""
    counts = select(MetricRow.run_id, func.count().label("rows")).group_by(MetricRow.run_id).subquery()
    query = select(Run, counts.c.rows).outerjoin(counts, counts.c.run_id == Run.id)
    listed = []
    for run, rows in session.execute(query.order_by(Run.created_at.desc(), Run.id.desc())):
        listed.append(
            RunEntry(
                run_id=run.id,
                created_at=iso(run.created_at),
                modified_at=iso(run.updated_at),
                status="completed" if run.status == RunStatus.COMPLETED else "in_progress",
                has_metrics=bool(rows),
                metrics_file=str(RunFolder.of(settings.runs_dir, run.id).metrics_csv) if rows else None,
            )
        )
    return listed


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None
