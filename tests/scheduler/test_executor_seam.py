"""The scheduler talks to workers only through its executor: launches, exits, liveness and kills."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.scheduler.test_claims import queued_runs
from visionyard.common.statuses import RunStatus
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.db.models import Job, Run
from visionyard.scheduler.executors import executor_for
from visionyard.scheduler.executors.base import Exit, Kind
from visionyard.scheduler.executors.local import LocalExecutor
from visionyard.scheduler.supervisor import Scheduler


class RecordingExecutor:
    """Another executor: it starts nothing, and reports the exits and liveness it is told."""

    def __init__(self) -> None:
        self.started: list[tuple[Kind, str]] = []
        self.ended: list[Exit] = []
        self.living: set[str] = set()

    def launch(self, kind: Kind, item: Run | Job, log_file: Path) -> None:
        self.started.append((kind, item.id))

    def exits(self) -> list[Exit]:
        ended, self.ended = self.ended, []
        return ended

    def launched(self, kind: Kind) -> set[str]:
        return {item_id for k, item_id in self.started if k == kind}

    def alive(self, item: Run | Job) -> bool:
        return item.id in self.living

    def placing(self, run: Run) -> bool:
        return False

    def adopt(self, item: Run | Job) -> bool:
        return self.alive(item)

    def release_strays(self) -> list[str]:
        return []

    def kill(self, item: Run | Job) -> None:
        self.living.discard(item.id)


def test_claimed_runs_go_to_the_executor_and_its_exits_and_liveness_decide_recovery(tmp_path: Path):
    ctx = Context(Settings(home=tmp_path, max_concurrent_runs=2, restart_backoff=0))
    ctx.db.migrate()
    first, second = queued_runs(ctx.db, 2)
    executor = RecordingExecutor()
    scheduler = Scheduler(ctx, executor=executor)
    scheduler.fill()
    assert executor.started == [("run", first), ("run", second)]

    executor.living = {second}
    scheduler.reconcile()  # a restarted server adopts what its executor says is alive, recovers the rest
    assert statuses(ctx) == {first: RunStatus.RESTARTING, second: RunStatus.RUNNING}
    executor.ended = [Exit("run", second, "worker exited")]
    scheduler.reap(executor.exits())  # an exit the executor reports, of a worker it still says is alive
    assert statuses(ctx)[second] == RunStatus.RUNNING
    executor.living.clear()
    scheduler.reap([Exit("run", second, "worker killed by SIGKILL")])
    assert statuses(ctx)[second] == RunStatus.RESTARTING
    scheduler.fill()  # restarts go first, relaunched through the executor
    assert executor.started[2:] == [("run", first), ("run", second)]


def statuses(ctx: Context) -> dict[str, str]:
    with ctx.db.session() as session:
        return {run.id: run.status for run in session.query(Run)}


def test_the_executor_is_chosen_by_the_settings(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("VISIONYARD_EXECUTOR", "local")
    assert isinstance(executor_for(Settings(home=tmp_path)), LocalExecutor)


def test_a_status_move_reaches_run_json_when_it_commits(tmp_path: Path):
    """A run stopped while still queued says so in its folder too (spec/002: run.json is the record)."""
    from visionyard.core import lifecycle

    ctx = Context(Settings(home=tmp_path))
    ctx.db.migrate()
    [run_id] = queued_runs(ctx.db, 1)
    folder = ctx.settings.runs_dir / run_id
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"status": "queued", "model": "m"}))
    with ctx.db.write() as session:
        lifecycle.move(session, session.get_one(Run, run_id), RunStatus.STOPPED, reason="stopped by request")
    assert json.loads((folder / "run.json").read_text()) == {"status": "stopped", "model": "m"}
    try:
        with ctx.db.write() as session:
            lifecycle.move(session, session.get_one(Run, run_id), RunStatus.QUEUED)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert json.loads((folder / "run.json").read_text())["status"] == "stopped"


def test_a_worker_silent_through_a_database_outage_is_judged_only_a_heartbeat_timeout_after_it(tmp_path: Path):
    from visionyard.db.models import utcnow

    ctx = Context(Settings(home=tmp_path, heartbeat_timeout=10, restart_backoff=0))
    ctx.db.migrate()
    [run_id] = queued_runs(ctx.db, 1)
    executor = RecordingExecutor()
    scheduler = Scheduler(ctx, executor=executor)
    scheduler.fill()
    executor.living = {run_id}
    with ctx.db.write() as session:  # its last beat came before the outage
        session.get_one(Run, run_id).heartbeat_at = utcnow() - timedelta(seconds=60)

    scheduler._db_back_at = utcnow() - timedelta(seconds=2)
    scheduler.watch()
    assert statuses(ctx)[run_id] == RunStatus.RUNNING
    scheduler._db_back_at = utcnow() - timedelta(seconds=11)
    scheduler.watch()
    assert statuses(ctx)[run_id] == RunStatus.RESTARTING


def test_restart_delays_double_up_to_their_ceiling(tmp_path: Path):
    from visionyard.core import recovery
    from visionyard.db.models import utcnow

    ctx = Context(Settings(home=tmp_path, restart_backoff=1, restart_backoff_max=30))
    ctx.db.migrate()
    [run_id] = queued_runs(ctx.db, 1)
    delays = []
    for restarts in (0, 3, 12):
        with ctx.db.write() as session:
            run = session.get_one(Run, run_id)
            run.status, run.restarts, run.max_restarts = RunStatus.RUNNING, restarts, 20
            recovery.fail_or_restart(session, ctx.settings, run, "worker killed")
            delays.append(round((run.not_before - utcnow()).total_seconds()))
    assert delays == [1, 8, 30]
