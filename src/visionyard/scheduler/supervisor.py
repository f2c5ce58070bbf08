"""The scheduler loop: claim runs and jobs, hand them to the executor, notice dead workers, reconcile
on start.

One tick: take the workers the executor saw end; check heartbeats and stop deadlines of every
running run (ours or adopted from a previous server); claim runs into free slots. Jobs (test runs,
exports) are claimed into their own slots; a job whose worker is gone fails (it is short, and can be
asked for again). Whether a worker lives is the executor's answer.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import false, literal, select
from sqlalchemy.orm import Session

from visionyard.common.statuses import JobStatus, RunStatus
from visionyard.core import claims, devices, lifecycle, recovery
from visionyard.core import jobs as core_jobs
from visionyard.core.context import Context
from visionyard.db.models import Job, Run, utcnow
from visionyard.db.session import unreachable
from visionyard.notify import NotifierThread, start_notifier
from visionyard.scheduler.executors import executor_for
from visionyard.scheduler.executors.base import Executor, Exit
from visionyard.storage.run_folder import RunFolder
from visionyard.tracking import MirrorThread, start_mirror

log = logging.getLogger("visionyard.scheduler")


class Scheduler:
    def __init__(self, ctx: Context, tick_seconds: float = 0.5, executor: Executor | None = None):
        self.ctx, self.tick_seconds = ctx, tick_seconds
        self.executor = executor or executor_for(ctx.settings)
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._tracking: MirrorThread | None = None
        self._notifier: NotifierThread | None = None
        self._db_back_at: datetime | None = None
        """When the database answered again after an outage, if it did."""

    def start(self) -> None:
        """Reconcile, then schedule in a thread; the notifier and (when configured) the MLflow mirror follow
        the event log in theirs."""
        self._tracking = start_mirror(self.ctx.settings, self.ctx.db)
        self._notifier = start_notifier(self.ctx.settings, self.ctx.db)
        self.reconcile()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop scheduling; running workers carry on and are adopted by the next server."""
        self._halt.set()
        for follower in (self._tracking, self._notifier):
            if follower is not None:
                follower.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        outage = False
        while not self._halt.wait(self.tick_seconds):
            try:
                if outage:  # the workers could not beat either: a heartbeat timeout from now, before judging them
                    self._answers()
                    log.info("the database answers again")
                    self._db_back_at, outage = utcnow(), False
                self.tick()
            except Exception as exc:
                if not unreachable(exc):
                    log.exception("scheduler tick failed")
                elif not outage:
                    log.warning("the database is unreachable; scheduling waits for it: %s", exc)
                outage = outage or unreachable(exc)

    def _answers(self) -> None:
        """Raises while the database does not answer."""
        with self.ctx.db.session() as session:
            session.execute(select(literal(1)))

    def tick(self) -> None:
        exits = self.executor.exits()
        self.reap([e for e in exits if e.kind == "run"])
        self.watch()
        self.fill()
        self.watch_jobs({e.item_id: e.reason for e in exits if e.kind == "job"})
        self.fill_jobs()

    def reconcile(self) -> None:
        """At start: adopt running runs whose worker lives, and recover the others; follow the cluster's
        running jobs; end the workers no one owns."""
        with self.ctx.db.serialised() as session:
            for run in session.scalars(select(Run).where(Run.status == RunStatus.RUNNING)):
                if self.executor.adopt(run):
                    lifecycle.add_event(session, run.id, "reconcile", action="adopted", pid=run.worker_pid)
                    continue
                lifecycle.add_event(session, run.id, "reconcile", action="recovered", pid=run.worker_pid)
                self._worker_gone(session, run, "no live worker when the server started")
        with self.ctx.db.session() as session:
            for job in session.scalars(select(Job).where(Job.status == JobStatus.RUNNING, Job.executor == "ray")):
                self.executor.adopt(job)  # followed to its end; a local job's worker is watched by pid
        for name in self.executor.release_strays():
            log.warning("ended worker %s: no running run owns it", name)
        self.watch_jobs({})

    def reap(self, exits: list[Exit]) -> None:
        """Runs whose worker ended without moving them on (a crash, a kill) are recovered."""
        for ended in exits:
            with self.ctx.db.serialised() as session:
                run = session.get(Run, ended.item_id)
                if run is not None and run.status == RunStatus.RUNNING and not self.executor.alive(run):
                    self._worker_gone(session, run, ended.reason)

    def watch(self) -> None:
        settings = self.ctx.settings
        now = utcnow()
        stale = now - timedelta(seconds=settings.heartbeat_timeout)
        overdue = now - timedelta(seconds=settings.stop_timeout)
        running = select(Run).where(Run.status == RunStatus.RUNNING)
        # a worker silent through a database outage is judged a heartbeat timeout after it ended
        judged = self._db_back_at is None or self._db_back_at < stale
        silent = Run.heartbeat_at.is_(None) | (Run.heartbeat_at < stale) if judged else false()
        suspect = silent | (Run.control_at < overdue)
        with self.ctx.db.session() as session:
            if session.scalar(running.where(suspect).limit(1)) is None:
                return
        with self.ctx.db.serialised() as session:
            for run in session.scalars(running.where(suspect)):
                if run.control == "stop" and run.control_at is not None and run.control_at < overdue:
                    self._kill(run)
                    lifecycle.move(session, run, RunStatus.STOPPED, reason="killed: stop took too long")
                elif (
                    judged and (run.heartbeat_at is None or run.heartbeat_at < stale) and not self.executor.placing(run)
                ):
                    self._kill(run)
                    seconds = settings.heartbeat_timeout
                    self._worker_gone(session, run, f"no heartbeat from the worker for {seconds:g} s")

    def fill(self) -> None:
        while not self._halt.is_set():
            settings = self.ctx.settings
            pool = devices.gpu_pool(settings)
            cluster = settings.ray_max_concurrent_runs if settings.executor != "local" else 0
            run_id = claims.claim_next_run(
                self.ctx.db, settings.max_concurrent_runs, pool, settings.gpu_backfill_s, cluster, settings.executor
            )
            if run_id is None:
                return
            folder = RunFolder.of(self.ctx.settings.runs_dir, run_id)
            with self.ctx.db.session() as session:
                claimed = session.get_one(Run, run_id)
            try:
                self.executor.launch("run", claimed, folder.worker_log)
            except OSError as exc:
                with self.ctx.db.serialised() as session:
                    run = session.get_one(Run, run_id)
                    recovery.fail_or_restart(session, self.ctx.settings, run, f"cannot start a worker: {exc}")
                continue
            log.info("run %s: worker started", run_id)

    def watch_jobs(self, exited: dict[str, str]) -> None:
        """Fail running jobs whose worker (ours or another process's) is gone; ``exited``: the jobs whose
        worker the executor saw end, with how."""
        launched = self.executor.launched("job")
        running = select(Job).where(Job.status == JobStatus.RUNNING)
        with self.ctx.db.session() as session:
            if session.scalar(running.limit(1)) is None:
                return
        unclaimed_grace = utcnow() - timedelta(seconds=self.ctx.settings.heartbeat_timeout)
        with self.ctx.db.serialised() as session:
            for job in session.scalars(running):
                if job.id in launched:
                    continue
                if job.id in exited:
                    core_jobs.finish_job(session, job, JobStatus.FAILED, error=exited[job.id])
                elif job.worker_pid is None:
                    if job.started_at is not None and job.started_at < unclaimed_grace:
                        core_jobs.finish_job(session, job, JobStatus.FAILED, error="no worker took the job")
                elif not self.executor.alive(job):
                    core_jobs.finish_job(session, job, JobStatus.FAILED, error="its worker is gone")

    def fill_jobs(self) -> None:
        while not self._halt.is_set():
            settings = self.ctx.settings
            job_id = claims.claim_next_job(self.ctx.db, settings.max_concurrent_jobs, settings.executor)
            if job_id is None:
                return
            with self.ctx.db.session() as session:
                job = session.get_one(Job, job_id)
                log_file = core_jobs.job_folder(self.ctx.settings, job) / "worker.log"
            try:
                self.executor.launch("job", job, log_file)
            except OSError as exc:
                with self.ctx.db.serialised() as session:
                    core_jobs.finish_job(
                        session, session.get_one(Job, job_id), JobStatus.FAILED, error=f"cannot start: {exc}"
                    )

    def _worker_gone(self, session: Session, run: Run, reason: str) -> None:
        """A pending stop or pause is honoured (from the last checkpoint); otherwise restart or fail."""
        if run.control == "stop":
            lifecycle.move(session, run, RunStatus.STOPPED, reason=f"stopped ({reason})")
        elif run.control in ("pause", "pause_epoch"):
            lifecycle.move(session, run, RunStatus.PAUSED, reason=f"paused ({reason})")
        else:
            recovery.fail_or_restart(session, self.ctx.settings, run, reason)

    def _kill(self, run: Run) -> None:
        self.executor.kill(run)
