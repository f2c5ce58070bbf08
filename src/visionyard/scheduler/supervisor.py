"""The scheduler loop: start workers for claimed runs, notice dead ones, reconcile on start.

One tick: reap worker processes that exited; check heartbeats and stop deadlines of every
running run (ours or adopted from a previous server); claim runs into free slots. Jobs (test runs)
are claimed into their own slots; a job whose worker is gone fails (it is short, and can be asked
for again).
"""

from __future__ import annotations

import logging
import subprocess
import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.core import lifecycle, recovery
from visionyard.core.claims import claim_next
from visionyard.core.context import Context
from visionyard.db.models import Job, Run, utcnow
from visionyard.scheduler import processes
from visionyard.services import jobs
from visionyard.storage.run_folder import RunFolder
from visionyard.tracking import MirrorThread, start_mirror

log = logging.getLogger("visionyard.scheduler")


class Scheduler:
    def __init__(self, ctx: Context, tick_seconds: float = 0.5):
        self.ctx, self.tick_seconds = ctx, tick_seconds
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.job_children: dict[str, subprocess.Popen[bytes]] = {}
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._tracking: MirrorThread | None = None

    def start(self) -> None:
        """Reconcile, then schedule in a thread; the MLflow mirror follows the event log when configured."""
        self._tracking = start_mirror(self.ctx.settings, self.ctx.db)
        self.reconcile()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop scheduling; running workers carry on and are adopted by the next server."""
        self._halt.set()
        if self._tracking is not None:
            self._tracking.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._halt.wait(self.tick_seconds):
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed")

    def tick(self) -> None:
        self.reap()
        self.watch()
        self.fill()
        self.watch_jobs()
        self.fill_jobs()

    def reconcile(self) -> None:
        """At start: adopt running runs whose worker lives, and recover the others."""
        with self.ctx.db.serialised() as session:
            for run in session.scalars(select(Run).where(Run.status == lifecycle.RUNNING)):
                if processes.alive(run.worker_pid, run.worker_host, run.worker_started):
                    lifecycle.add_event(session, run.id, "reconcile", action="adopted", pid=run.worker_pid)
                    continue
                lifecycle.add_event(session, run.id, "reconcile", action="recovered", pid=run.worker_pid)
                self._worker_gone(session, run, "no live worker when the server started")
        self.watch_jobs()

    def reap(self) -> None:
        for run_id, proc in list(self.children.items()):
            code = proc.poll()
            if code is None:
                continue
            del self.children[run_id]
            with self.ctx.db.serialised() as session:
                run = session.get(Run, run_id)
                if run is not None and run.status == lifecycle.RUNNING and run.worker_pid in (proc.pid, None):
                    self._worker_gone(session, run, processes.describe_exit(code))

    def watch(self) -> None:
        settings = self.ctx.settings
        now = utcnow()
        stale = now - timedelta(seconds=settings.heartbeat_timeout)
        overdue = now - timedelta(seconds=settings.stop_timeout)
        running = select(Run).where(Run.status == lifecycle.RUNNING)
        suspect = (Run.heartbeat_at.is_(None)) | (Run.heartbeat_at < stale) | (Run.control_at < overdue)
        with self.ctx.db.session() as session:
            if session.scalar(running.where(suspect).limit(1)) is None:
                return
        with self.ctx.db.serialised() as session:
            for run in session.scalars(running.where(suspect)):
                if run.control == "stop" and run.control_at is not None and run.control_at < overdue:
                    self._kill(run)
                    lifecycle.move(session, run, lifecycle.STOPPED, reason="killed: stop took too long")
                elif run.heartbeat_at is None or run.heartbeat_at < stale:
                    self._kill(run)
                    seconds = settings.heartbeat_timeout
                    self._worker_gone(session, run, f"no heartbeat from the worker for {seconds:g} s")

    def fill(self) -> None:
        while not self._halt.is_set():
            run_id = claim_next(self.ctx.db, self.ctx.settings.max_concurrent_runs)
            if run_id is None:
                return
            folder = RunFolder.of(self.ctx.settings.runs_dir, run_id)
            try:
                proc = processes.start_worker(self.ctx.settings, run_id, folder.root / "logs" / "worker.log")
            except OSError as exc:
                with self.ctx.db.serialised() as session:
                    run = session.get_one(Run, run_id)
                    recovery.fail_or_restart(session, self.ctx.settings, run, f"cannot start a worker: {exc}")
                continue
            self.children[run_id] = proc
            log.info("run %s: worker %d started", run_id, proc.pid)

    def watch_jobs(self) -> None:
        """Reap our job workers; fail running jobs whose worker (ours or another process's) is gone."""
        exits = {job_id: proc.poll() for job_id, proc in self.job_children.items()}
        exited = {job_id: code for job_id, code in exits.items() if code is not None}
        for job_id in exited:
            del self.job_children[job_id]
        running = select(Job).where(Job.status == jobs.RUNNING)
        with self.ctx.db.session() as session:
            if session.scalar(running.limit(1)) is None:
                return
        unclaimed_grace = utcnow() - timedelta(seconds=self.ctx.settings.heartbeat_timeout)
        with self.ctx.db.serialised() as session:
            for job in session.scalars(running):
                if job.id in self.job_children:
                    continue
                if job.id in exited:
                    jobs.finish_job(session, job, jobs.FAILED, error=processes.describe_exit(exited[job.id]))
                elif job.worker_pid is None:
                    if job.started_at is not None and job.started_at < unclaimed_grace:
                        jobs.finish_job(session, job, jobs.FAILED, error="no worker took the job")
                elif not processes.alive(job.worker_pid, job.worker_host, job.worker_started):
                    jobs.finish_job(session, job, jobs.FAILED, error="its worker is gone")

    def fill_jobs(self) -> None:
        while not self._halt.is_set():
            job_id = jobs.claim_next_job(self.ctx.db, self.ctx.settings.max_concurrent_jobs)
            if job_id is None:
                return
            with self.ctx.db.session() as session:
                job = session.get_one(Job, job_id)
                log_file = jobs.job_folder(self.ctx, job) / "worker.log"
            try:
                self.job_children[job_id] = processes.start_worker(self.ctx.settings, job_id, log_file, "job")
            except OSError as exc:
                with self.ctx.db.serialised() as session:
                    jobs.finish_job(session, session.get_one(Job, job_id), jobs.FAILED, error=f"cannot start: {exc}")

    def _worker_gone(self, session: Session, run: Run, reason: str) -> None:
        """A pending stop or pause is honoured (from the last checkpoint); otherwise restart or fail."""
        if run.control == "stop":
            lifecycle.move(session, run, lifecycle.STOPPED, reason=f"stopped ({reason})")
        elif run.control == "pause":
            lifecycle.move(session, run, lifecycle.PAUSED, reason=f"paused ({reason})")
        else:
            recovery.fail_or_restart(session, self.ctx.settings, run, reason)

    def _kill(self, run: Run) -> None:
        if processes.alive(run.worker_pid, run.worker_host, run.worker_started):
            assert run.worker_pid is not None
            processes.kill_tree(run.worker_pid)
