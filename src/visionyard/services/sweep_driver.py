"""The sweep driver: asks each running sweep's study for trials while the sweep has room, queues each as a run,
and tells the study how each trial's run ended.

One server drives a sweep at a time: it holds the sweep's lease (``driver``, renewed every tick), which another
server takes over only once it is a heartbeat timeout old or its holder's process is gone from this host. A
trial the study gave out but no run was made for (the server died in between) is queued on the next tick, so
a sweep ends with exactly ``n_trials`` trials however often its server is killed.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import optuna
import psutil
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy import select

from visionyard.common.errors import VisionyardError
from visionyard.common.statuses import RunStatus, SweepStatus
from visionyard.core import lifecycle
from visionyard.db.models import MetricRow, Run, Sweep, utcnow
from visionyard.db.session import unreachable
from visionyard.services import sweeps
from visionyard.services.runs import RunSpec, create_run
from visionyard.tuning import space as spaces
from visionyard.tuning import study as studies

if TYPE_CHECKING:
    from visionyard.core.context import Context

log = logging.getLogger("visionyard.sweeps")

FAILURES_BEFORE_GIVING_UP = 3
"""A sweep whose first trials all fail (a base config that cannot train) fails after this many."""


class SweepDriver:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    def tick(self) -> None:
        for sweep_id in self._take():
            self.drive(sweep_id)

    def _take(self) -> list[str]:
        """The unfinished sweeps this server may drive now, their leases renewed."""
        with self.ctx.db.session() as session:
            if session.scalar(select(Sweep.id).where(Sweep.finished_at.is_(None)).limit(1)) is None:
                return []
        stale = utcnow() - timedelta(seconds=self.ctx.settings.heartbeat_timeout)
        taken = []
        with self.ctx.db.serialised() as session:
            for sweep in session.scalars(select(Sweep).where(Sweep.finished_at.is_(None))):
                if sweep.driver not in (None, self.me) and not _gone(sweep.driver) and sweep.driver_at > stale:
                    continue
                if sweep.driver != self.me:
                    log.info("sweep %s: driven by %s (was %s)", sweep.id, self.me, sweep.driver)
                sweep.driver, sweep.driver_at = self.me, utcnow()
                taken.append(sweep.id)
        return taken

    def drive(self, sweep_id: str) -> None:
        """One pass over a sweep: account for ended trials, queue new ones while there is room, end it when
        every trial is accounted for."""
        study = studies.load(self.ctx.db.url, sweep_id)
        with self.ctx.db.session() as session:
            sweep = sweeps.get_sweep(session, sweep_id)
            runs = {run.trial_number: run for run in sweeps.trial_runs(session, sweep_id)}
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            run = runs.get(trial.number)
            if run is None:  # given out by the study, its run never made (a paused sweep queues it on resume)
                if sweep.status == SweepStatus.RUNNING:
                    self._queue(sweep, study, trial.number, trial.params)
                elif sweep.status in (SweepStatus.STOPPED, SweepStatus.FAILED):
                    studies.fail(self.ctx.db.url, study, trial.number, "its sweep ended before it started")
            elif run.status in lifecycle.FINISHED:
                self._tell(sweep, study, trial, run)
        trials = study.get_trials(deepcopy=False)
        if sweep.status == SweepStatus.RUNNING and self._giving_up(sweep, trials):
            return
        asked = len(trials)
        while sweep.status == SweepStatus.RUNNING and asked < sweep.n_trials and not self._timed_out(sweep):
            with self.ctx.db.session() as session:
                active = len(sweeps.trial_runs(session, sweep_id, sweeps.HOLDING))
            if active >= sweep.parallelism:
                break
            study.sampler = studies.sampler(sweep.sampler, sweep.space, sweep.seed, asked)
            trial = study.ask(studies.distributions(sweep.space))
            asked += 1
            self._queue(sweep, study, trial.number, trial.params)
        self._maybe_finish(sweep_id, study)

    def _queue(self, sweep: Sweep, study: optuna.Study, number: int, params: dict[str, Any]) -> None:
        spec = RunSpec(
            model=sweep.model,
            dataset=sweep.dataset,
            config=spaces.trial_config(sweep.config, params),
            name=f"{sweep.name or sweep.id} trial {number}",
            trial=(sweep.id, number),
        )
        try:
            run = create_run(self.ctx, spec)
        except VisionyardError as exc:  # these values make no run (a combination the config refuses)
            log.warning("sweep %s: trial %d could not be queued: %s", sweep.id, number, exc)
            studies.fail(self.ctx.db.url, study, number, str(exc))
            return
        log.info("sweep %s: trial %d queued as run %s: %s", sweep.id, number, run.id, params)

    def _tell(self, sweep: Sweep, study: optuna.Study, trial: FrozenTrial, run: Run) -> None:
        if run.status == RunStatus.PRUNED:
            study.tell(trial.number, state=TrialState.PRUNED, skip_if_finished=True)
        elif run.status == RunStatus.COMPLETED:
            value = self._objective(sweep, run)
            if value is None:
                studies.fail(self.ctx.db.url, study, trial.number, f"its run reported no {sweep.objective['metric']}")
                return
            study.tell(trial.number, value, skip_if_finished=True)
            self._record_best(sweep.id, value)
        else:
            studies.fail(self.ctx.db.url, study, trial.number, run.error or f"its run {run.status}")
        log.info("sweep %s: trial %d %s", sweep.id, trial.number, run.status)

    def _objective(self, sweep: Sweep, run: Run) -> float | None:
        """The best value of the objective over the run's epochs (the best checkpoint's, when they agree)."""
        metric = sweep.objective["metric"]
        with self.ctx.db.session() as session:
            rows = session.scalars(select(MetricRow.values).where(MetricRow.run_id == run.id))
            values = [float(r[metric]) for r in rows if isinstance(r.get(metric), int | float)]
        values = [v for v in values if math.isfinite(v)]
        if not values:
            return None
        return max(values) if sweep.objective["direction"] == "maximize" else min(values)

    def _record_best(self, sweep_id: str, value: float) -> None:
        with self.ctx.db.write() as session:
            sweep = sweeps.get_sweep(session, sweep_id)
            better = max if sweep.objective["direction"] == "maximize" else min
            sweep.best_value = value if sweep.best_value is None else better(sweep.best_value, value)

    def _giving_up(self, sweep: Sweep, trials: list[FrozenTrial]) -> bool:
        """A sweep whose first trials all failed is failed, its other trials stopped."""
        failed = [t for t in trials if t.state == TrialState.FAIL]
        if len(failed) < FAILURES_BEFORE_GIVING_UP or any(
            t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials
        ):
            return False
        error = f"its first {len(failed)} trials failed; the last: {failed[-1].user_attrs.get('error', 'unknown')}"
        with self.ctx.db.serialised() as session:
            current = sweeps.get_sweep(session, sweep.id)
            if current.status != SweepStatus.RUNNING:
                return True
            sweeps.stop_trials(session, current, "its sweep failed")
            sweeps.move(session, current, SweepStatus.FAILED, error=error)
        log.warning("sweep %s failed: %s", sweep.id, error)
        return True

    def _timed_out(self, sweep: Sweep) -> bool:
        if sweep.timeout_s is None or sweep.started_at is None:
            return False
        return (utcnow() - sweep.started_at).total_seconds() >= sweep.timeout_s

    def _maybe_finish(self, sweep_id: str, study: optuna.Study) -> None:
        """Once no trial is open: a running sweep that has asked for all its trials (or run out of time) is
        completed; a stopped or failed one is done with. Its lease is let go."""
        trials = study.get_trials(deepcopy=False)
        if any(t.state == TrialState.RUNNING for t in trials):
            return
        with self.ctx.db.serialised() as session:
            sweep = sweeps.get_sweep(session, sweep_id)
            if sweep.status == SweepStatus.PAUSED:
                return
            if sweep.status == SweepStatus.RUNNING:
                if len(trials) < sweep.n_trials and not self._timed_out(sweep):
                    return
                sweeps.move(session, sweep, SweepStatus.COMPLETED)
                log.info("sweep %s completed: %d trials, best %s", sweep_id, len(trials), sweep.best_value)
            sweep.finished_at, sweep.driver, sweep.driver_at = utcnow(), None, None


def _gone(driver: str) -> bool:
    """A driver of this host whose process has ended."""
    host, _, rest = driver.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not psutil.pid_exists(int(pid))


class SweepDriverThread(threading.Thread):
    def __init__(self, ctx: Context, tick_seconds: float = 0.5):
        super().__init__(name="sweeps", daemon=True)
        self.driver, self.tick_seconds = SweepDriver(ctx), tick_seconds
        self._halt = threading.Event()

    def run(self) -> None:
        outage = False
        while not self._halt.wait(self.tick_seconds):
            try:
                self.driver.tick()
            except Exception as exc:
                if not unreachable(exc):
                    log.exception("sweep driver tick failed")
                elif not outage:
                    log.warning("the database is unreachable; sweeps wait for it: %s", exc)
                outage = unreachable(exc)
            else:
                outage = False

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
