"""The worker side of jobs: ``visionyard job JOB_ID`` (started by the scheduler) or a foreground CLI
verb executes one claimed job and records its outcome."""

from __future__ import annotations

import logging
import shutil
import socket
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from visionyard.common.statuses import JobStatus
from visionyard.core import jobs as core_jobs
from visionyard.core.context import Context
from visionyard.core.runs import get_run, on_this_node, own_copy_of
from visionyard.db.models import Job
from visionyard.storage.artifacts import artifact_store
from visionyard.worker.job_context import JobContext, JobOutcome
from visionyard.worker.service import NotClaimed, Placement
from visionyard.worker.syncing import FolderPusher

log = logging.getLogger("visionyard.worker")


def run_job(ctx: Context, job_id: str, place: Placement | None = None) -> str:
    """Execute a claimed (running) job to its end; answers the final status. ``place``: where (a cluster
    node reads the server's datasets and the run's checkpoint from the store)."""
    origin = own_copy_of(ctx.settings, place.origin if place is not None else None)
    me = psutil.Process()
    with ctx.db.serialised() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.RUNNING:
            raise NotClaimed(f"job {job_id} is {job.status if job else 'unknown'}, not running: nothing to do")
        job.worker_pid, job.worker_host, job.worker_started = me.pid, socket.gethostname(), me.create_time()
        params = dict(job.params)
        if "dataset_path" in params:
            params["dataset_path"] = str(on_this_node(ctx.settings, Path(params["dataset_path"]), origin))
        if job.run_id is None:  # a job before any run: what it works on is in its params
            what = (None, params["model"], params["task"], params["config"], Path(params["dataset_path"]))
        else:
            run = get_run(session, job.run_id)
            dataset = on_this_node(ctx.settings, Path(run.dataset_path), origin)
            what = (run.id, run.model, run.task, dict(run.config), dataset)
        run_id, model, task, config, dataset_path = what
        work = JobContext(
            ctx,
            job.id,
            run_id,
            params,
            model,
            task,
            config,
            dataset_path,
            core_jobs.job_folder(ctx.settings, job),
            origin is not None,
        )
        kind = job.kind
    work.folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(work.folder / "job.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        result, status, error = JOB_KINDS[kind](work), JobStatus.COMPLETED, None
    except JobOutcome as exc:
        log.error("job %s ended %s: %s", job_id, exc.status, exc)
        result, status, error = exc.result, exc.status, str(exc)
    except Exception as exc:
        log.error("job %s failed: %s\n%s", job_id, exc, traceback.format_exc())
        result, status, error = {}, JobStatus.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        shutil.rmtree(work.inputs, ignore_errors=True)
    FolderPusher(artifact_store(ctx.settings), work.folder).close()  # the job's files, before it is reported done
    with ctx.db.serialised() as session:
        job = session.get_one(Job, job_id)
        if job.status == JobStatus.RUNNING and job.worker_pid == me.pid:
            core_jobs.finish_job(session, job, status, result, error)
        return job.status


def _test(work: JobContext) -> dict[str, Any]:
    from visionyard.worker.testing import run_test

    return run_test(work)


def _export(work: JobContext) -> dict[str, Any]:
    from visionyard.worker.exporting import run_export

    return run_export(work)


def _suggest(work: JobContext) -> dict[str, Any]:
    from visionyard.worker.suggesting import run_suggestion

    return run_suggestion(work)


JOB_KINDS: dict[str, Callable[[JobContext], dict[str, Any]]] = {"test": _test, "export": _export, "suggest": _suggest}
