"""The worker side of the service: execute one claimed run, reporting to the database.

``visionyard worker RUN_ID`` (started by the scheduler) and the foreground ``visionyard train``
both come here. A heartbeat thread starts before torch is imported; it refreshes the run's
heartbeat and reads pending control requests, which the training loop polls from memory.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy.orm import Session

from visionyard.common.statuses import RunStatus
from visionyard.common.training_config import TrainingConfig
from visionyard.core import devices, jobs, lifecycle, recovery, telemetry
from visionyard.core.context import Context
from visionyard.core.runs import Origin, get_run, worker_request
from visionyard.db.models import Run, Sweep, utcnow
from visionyard.db.session import unreachable
from visionyard.engine.reporting import Control, ControlRequest, FlagControl, Reporter
from visionyard.worker.db_reporter import DatabaseReporter
from visionyard.worker.system import SystemSampler

log = logging.getLogger("visionyard.worker")


class NotClaimed(RuntimeError):
    pass


class Heartbeat(threading.Thread):
    """Refreshes the heartbeat and mirrors the run's pending control request into memory."""

    def __init__(self, ctx: Context, run_id: str):
        super().__init__(name=f"heartbeat-{run_id}", daemon=True)
        self.ctx, self.run_id = ctx, run_id
        self.step: int | None = None
        """The training step last seen; None until training reports one (the run keeps its own until then)."""
        self.pending: tuple[str, Any] | None = None
        self.lost = False
        self._handled: Any = None
        self._missed = 0
        self._progress: dict[str, Any] | None = None
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self._halt.wait(self.ctx.settings.heartbeat_interval):
            try:
                self.beat()
            except Exception as exc:
                if not unreachable(exc):
                    log.exception("heartbeat failed")
                elif not self._missed:  # one line per outage; the next beat that lands ends it
                    log.warning("heartbeat failed, the database is unreachable: %s", exc)
                self._missed += 1
            else:
                if self._missed:
                    log.info("heartbeat back after %d missed", self._missed)
                self._missed = 0

    def beat(self) -> None:
        with self.ctx.db.write() as session:
            run = get_run(session, self.run_id)
            if run.status != RunStatus.RUNNING or run.worker_pid != os.getpid():
                self.lost = True
                return
            run.heartbeat_at = utcnow()
            if self.step is not None:
                run.current_step = self.step
            with self._lock:
                progress, self._progress = self._progress, None
            if progress is not None:
                telemetry.record_progress(session, run, progress)
            with self._lock:
                mark = (run.control, run.control_at)
                self.pending = mark if run.control and mark != self._handled else None

    def report_progress(self, values: dict[str, Any]) -> None:
        """Step progress from the training loop, written with the next beat (the latest one only)."""
        with self._lock:
            self._progress = values

    def take(self) -> str | None:
        """The pending request; a manual checkpoint is handed out once and cleared."""
        with self._lock:
            if self.pending is None:
                return "stop" if self.lost else None
            request, mark = self.pending[0], self.pending
            if request == "checkpoint":
                self._handled, self.pending = mark, None
        if request == "checkpoint":

            def clear(session: Session) -> None:
                run = get_run(session, self.run_id)
                if (run.control, run.control_at) == mark:
                    run.control = None

            patience = self.ctx.settings.db_outage_s
            self.ctx.db.retrying(clear, what=f"run {self.run_id}: clearing its checkpoint request", patience=patience)
        return request

    def halt(self) -> None:
        self._halt.set()


class DatabaseControl:
    """The engine's Control: requests from the database, or from this process (Ctrl-C)."""

    def __init__(self, heartbeat: Heartbeat, local: FlagControl):
        self.heartbeat, self.local = heartbeat, local

    def requested(self, epoch: int, step: int, epoch_end: bool) -> ControlRequest | None:
        self.heartbeat.step = step
        return self.local.requested(epoch, step, epoch_end) or self.heartbeat.take()  # type: ignore[return-value]


@dataclass(frozen=True)
class Placement:
    """Where this worker runs, recorded on the run when it claims it."""

    executor: str = "local"
    node: str = field(default_factory=socket.gethostname)
    ref: str | None = None
    """The executor's id of this worker (a Ray actor id)."""
    attempt: int | None = None
    """The attempt this worker was started for (None: the one claimed now); a worker late for its attempt
    (a Ray actor that waited for resources while the run was restarted) finds nothing to do."""
    origin: Origin | None = None
    """The server, for a worker on a cluster node sharing the artifact store with it."""
    ray_train: bool = False
    """Rank zero of a Ray Train worker group (a run over several nodes): Ray started the other ranks, and
    each node's working copy was refreshed for this attempt before the ranks began."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)  # the origin's home, a Path, as a string

    @classmethod
    def from_json(cls, text: str) -> Placement:
        fields = json.loads(text)
        origin = fields.pop("origin", None)
        return cls(**fields, origin=Origin(Path(origin["home"]), origin["home_id"]) if origin else None)


def claim_here(ctx: Context, run_id: str, place: Placement) -> None:
    """Record this process as the run's worker; the run must already be claimed (running)."""
    me = psutil.Process()
    with ctx.db.serialised() as session:
        run = get_run(session, run_id)
        if run.status != RunStatus.RUNNING:
            raise NotClaimed(f"run {run_id} is {run.status}, not running: nothing to do")
        if place.attempt is not None and place.attempt != run.attempt:
            raise NotClaimed(f"run {run_id} is on attempt {run.attempt}, not {place.attempt}: nothing to do")
        if run.worker_pid not in (None, me.pid) and run.worker_host == socket.gethostname():
            raise NotClaimed(f"run {run_id} belongs to worker {run.worker_pid}")
        run.worker_pid, run.worker_host, run.worker_started = me.pid, socket.gethostname(), me.create_time()
        run.executor, run.worker_node, run.worker_ref = place.executor, place.node, place.ref
        run.heartbeat_at = utcnow()


def run_worker(
    ctx: Context,
    run_id: str,
    local: FlagControl | None = None,
    progress: bool = False,
    place: Placement | None = None,
) -> str:
    """Execute a claimed run to its end (or pause/stop) and record the outcome. Returns the status."""
    place = place or Placement()
    claim_here(ctx, run_id, place)
    heartbeat = Heartbeat(ctx, run_id)
    heartbeat.start()
    sampler: SystemSampler | None = None
    try:
        from visionyard.worker.execute import execute_run

        with ctx.db.session() as session:
            run = get_run(session, run_id)
            request = worker_request(ctx.settings, session, run, place.origin, refresh=not place.ray_train)
            reporter: Reporter = DatabaseReporter(ctx, run, progress=heartbeat.report_progress)
            control: Control = DatabaseControl(heartbeat, local or FlagControl())
            reporter, control = _as_trial(ctx, session, run, reporter, control)
            assigned = run.assigned_devices
            gpus = _sampled_gpus(run.config, assigned)
        sampler = SystemSampler(partial(_record_system, ctx, run_id), ctx.settings.system_metrics_interval, gpus)
        sampler.start()
        if assigned:  # before CUDA starts: the run sees its GPUs only, numbered from 0
            os.environ["CUDA_VISIBLE_DEVICES"] = devices.cuda_visible(assigned)
            request.config = devices.as_visible(request.config, assigned)
        request.progress, request.ray_train = progress, place.ray_train
        started = time.monotonic()
        outcome = execute_run(request, ctx.settings, ctx.catalog(), control, reporter)
        log.info("run %s: %s after %.1f s", run_id, outcome.status, time.monotonic() - started)
    finally:
        heartbeat.halt()
        if sampler is not None:
            sampler.halt()
    return record_outcome(ctx, run_id, outcome)


def _as_trial(
    ctx: Context, session: Session, run: Run, reporter: Reporter, control: Control
) -> tuple[Reporter, Control]:
    """A sweep's trial reports each epoch to its study too, and its control answers the study's pruner."""
    sweep = session.get(Sweep, run.sweep_id) if run.sweep_id else None
    if sweep is None or run.trial_number is None:
        return reporter, control
    from visionyard.tuning.trial_hooks import TrialControl, TrialReporter, TrialReports

    trial = TrialReports(ctx.db.url, sweep.id, run.trial_number, sweep.objective["metric"], sweep.pruner, run.epochs)
    return TrialReporter(reporter, trial), TrialControl(control, trial)


def _sampled_gpus(config: dict[str, Any], assigned: list[int] | None) -> list[int | str]:
    """The GPUs the run trains on, for its system samples (read before its own ``CUDA_VISIBLE_DEVICES`` is set)."""
    hardware = TrainingConfig.from_run_config(config).hardware
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    return devices.nvml_selectors(hardware, assigned, visible, devices.host_gpu_count())


def _record_system(ctx: Context, run_id: str, sample: dict[str, Any]) -> None:
    with ctx.db.write() as session:
        telemetry.record_system(session, run_id, sample)


def record_outcome(ctx: Context, run_id: str, outcome: Any) -> str:
    """The run's next status from the worker's outcome; waits out a database outage (``db_outage_s``).

    A run that completes having asked for an export for serving (``serve_export``) gets its ONNX export job
    queued in the same transaction."""

    def record(session: Session) -> str:
        run = get_run(session, run_id)
        if run.status != RunStatus.RUNNING or run.worker_pid != os.getpid():
            log.warning("run %s was taken from this worker (now %s); outcome %s dropped", run_id, run.status, outcome)
            return run.status
        fields = {
            "best_metrics": outcome.best_metrics,
            "final_metrics": outcome.final_metrics,
            "current_epoch": outcome.epochs_completed,
        }
        if outcome.status == RunStatus.FAILED:
            _apply(run, fields)
            recovery.fail_or_restart(session, ctx.settings, run, outcome.error or "failed", outcome.retryable)
        else:
            lifecycle.move(session, run, outcome.status, reason=f"worker finished: {outcome.status}", **fields)
        if run.status == RunStatus.COMPLETED and run.serve_export:
            jobs.queue_serve_export(session, ctx.settings, run)  # in this transaction; skipped with a warning
        return run.status

    patience = ctx.settings.db_outage_s
    return ctx.db.retrying(record, what=f"run {run_id}: its outcome", patience=patience, serialised=True)


def _apply(run: Run, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(run, key, value)
