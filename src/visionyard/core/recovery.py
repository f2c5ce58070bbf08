"""What happens to a run whose worker failed: restart from its last checkpoint, or end failed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from visionyard.common.statuses import RunStatus
from visionyard.config import Settings
from visionyard.core import lifecycle
from visionyard.db.models import Run, utcnow
from visionyard.storage.run_folder import RunFolder

LOG_TAIL_LINES = 30


def worker_log_tail(settings: Settings, run_id: str, lines: int = LOG_TAIL_LINES) -> str:
    path = RunFolder.of(settings.runs_dir, run_id).worker_log
    if not path.is_file():
        return ""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 64 * 1024))
        text = handle.read().decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def fail_or_restart(session: Session, settings: Settings, run: Run, reason: str, retryable: bool = True) -> None:
    """Restart with exponential backoff while restarts remain, else end ``failed`` with the log tail."""
    if retryable and run.restarts < run.max_restarts:
        delay = min(settings.restart_backoff * 2**run.restarts, settings.restart_backoff_max)
        lifecycle.move(
            session,
            run,
            RunStatus.RESTARTING,
            reason=reason,
            restarts=run.restarts + 1,
            error=reason,
            not_before=utcnow() + timedelta(seconds=delay),
        )
        return
    tail = worker_log_tail(settings, run.id)
    if retryable and run.max_restarts:
        reason = f"{reason} (gave up after {run.restarts} restarts)"
    error = f"{reason}\n--- worker log tail ---\n{tail}" if tail else reason
    lifecycle.move(session, run, RunStatus.FAILED, reason=reason, error=error)
