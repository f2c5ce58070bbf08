"""Exports of a run (torch-free): queue one as a job, list and describe them, hand out their files,
and the run's benchmark table (one row per export, and the PyTorch model they were measured against)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from visionyard.common.errors import Conflict, NotFound
from visionyard.common.export_formats import FORMATS, SIDECAR, SNIPPET, parse_request
from visionyard.common.statuses import JobStatus
from visionyard.core import jobs as core_jobs
from visionyard.core.runs import get_run
from visionyard.db.models import Job
from visionyard.schemas.exports import BenchmarkRow, BenchmarkTable, Download, ExportDetail, ExportPublic, FormatPublic
from visionyard.services import jobs
from visionyard.storage.artifacts import artifact_store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from visionyard.core.context import Context

KIND = core_jobs.EXPORT
BUNDLE = "bundle.zip"


class ExportNotUsable(Conflict):
    """An export asked to serve predictions that did not pass (HTTP 409)."""

    code = "export_failed_parity"


class ExportFileNotFound(NotFound):
    """A file an export does not have (HTTP 404)."""

    code = "file_not_found"


def formats() -> list[FormatPublic]:
    """Every format with its options, default tolerance and whether this host can build it."""
    return [FormatPublic.model_validate(spec.describe()) for spec in FORMATS.values()]


def create_export(ctx: Context, run_id: str, format: str, checkpoint: str, options: dict[str, Any]) -> Job:
    parse_request(format, options)  # a bad request is refused before any checkpoint is pulled
    with ctx.db.session() as session:  # a checkpoint only in the artifact store is pulled outside the write lock
        run = get_run(session, run_id)
        core_jobs.resolve_checkpoint(session, ctx.settings.runs_dir, run, checkpoint, artifact_store(ctx.settings))
    with ctx.db.write() as session:
        return core_jobs.queue_export(session, ctx.settings, get_run(session, run_id), format, checkpoint, options)


def list_exports(session: Session, run_id: str) -> list[Job]:
    return jobs.list_jobs(session, run_id, KIND)


def get_export(session: Session, run_id: str, export_id: str) -> Job:
    return core_jobs.get_job(session, run_id, export_id, KIND)


def public(ctx: Context, job: Job) -> ExportPublic:
    """The export as the API shows it."""
    return ExportPublic.model_validate(_fields(ctx, job))


def detail(ctx: Context, job: Job) -> ExportDetail:
    """The export with its sidecar (model.json) and deployment snippet, once written."""
    folder, store = core_jobs.job_folder(ctx.settings, job), artifact_store(ctx.settings)
    sidecar, snippet = store.ensure_local(folder / SIDECAR), store.ensure_local(folder / SNIPPET)
    return ExportDetail.model_validate(
        {
            **_fields(ctx, job),
            "sidecar": json.loads(sidecar.read_text()) if sidecar.is_file() else None,
            "snippet": snippet.read_text() if snippet.is_file() else None,
        }
    )


def _fields(ctx: Context, job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "run_id": job.run_id,
        "status": job.status,
        "format": job.params["format"],
        **{k: job.params.get(k) for k in ("checkpoint", "checkpoint_kind", "checkpoint_epoch", "options")},
        **{k: job.result.get(k) for k in ("files", "size_bytes", "size_mb", "parity", "tolerance", "benchmark")},
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "downloads": _downloads(ctx, job),
    }


def _downloads(ctx: Context, job: Job) -> list[Download]:
    """Every file of a written export that can be downloaded on its own: the model's files, the sidecar
    and the deployment snippet (sizes where the file is on this host)."""
    if "files" not in job.result:
        return []
    folder = core_jobs.job_folder(ctx.settings, job)
    names = [*job.result["files"], SIDECAR, SNIPPET]
    return [Download(name=n, size_bytes=(folder / n).stat().st_size if (folder / n).is_file() else None) for n in names]


def download(ctx: Context, session: Session, run_id: str, export_id: str, file: str | None) -> tuple[Path, str]:
    """The export's model (one file, or a zip of its files and sidecar), or one named file of it;
    the path and the name to download it as."""
    job = usable(session, run_id, export_id, allow_failed_parity=True)
    folder, store = core_jobs.job_folder(ctx.settings, job), artifact_store(ctx.settings)
    names = list(job.result["files"])
    prefix = f"{run_id}-{job.params['format']}"
    if file is not None:
        if file not in (*names, SIDECAR, SNIPPET):
            listed = ", ".join([*names, SIDECAR, SNIPPET])
            raise ExportFileNotFound(f"export {export_id} has no file {file!r}; its files: {listed}")
        return store.ensure_local(folder / file), f"{prefix}-{file}"
    if len(names) == 1:
        return store.ensure_local(folder / names[0]), f"{prefix}{Path(names[0]).suffix}"
    bundle = folder / BUNDLE
    if not bundle.is_file():
        for name in (*names, SIDECAR, SNIPPET):
            store.ensure_local(folder / name)
        partial = bundle.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in (*names, SIDECAR, SNIPPET):
                if (folder / name).is_file():
                    archive.write(folder / name, name)
        partial.replace(bundle)
    return bundle, f"{prefix}.zip"


def usable(session: Session, run_id: str, export_id: str, allow_failed_parity: bool = False) -> Job:
    """A finished export with files; one that failed its parity check only where ``allow_failed_parity``."""
    job = get_export(session, run_id, export_id)
    allowed = (JobStatus.COMPLETED, JobStatus.FAILED_PARITY) if allow_failed_parity else (JobStatus.COMPLETED,)
    if job.status not in allowed:
        if job.status == JobStatus.FAILED_PARITY:
            raise ExportNotUsable(f"export {export_id} failed its parity check ({job.error}); it does not serve")
        raise core_jobs.JobNotFinished(f"export {export_id} is {job.status}" + (f": {job.error}" if job.error else ""))
    return job


def benchmark_table(session: Session, run_id: str) -> BenchmarkTable:
    """Ultralytics-style: format, size, metric, ms per image, images per second; PyTorch first (as measured
    beside the latest export). Each row names what it was measured on: the metric on ``images`` parity
    images, latency at batch 1, throughput at ``batch``, and the ``hardware``."""
    get_run(session, run_id)
    measured = [j for j in list_exports(session, run_id) if j.result.get("benchmark")]
    reference = [_row(measured[-1], reference=True)] if measured else []
    return BenchmarkTable(run_id=run_id, rows=reference + [_row(job) for job in measured])


def _row(job: Job, reference: bool = False) -> BenchmarkRow:
    result, side = job.result, "pytorch" if reference else "export"
    parity, speed = result["parity"], result["benchmark"][side]
    size = result.get("pytorch_size_bytes") if reference else result["size_bytes"]
    return BenchmarkRow.model_validate(
        {
            "format": "pytorch" if reference else job.params["format"],
            "export_id": None if reference else job.id,
            "status": "reference" if reference else job.status,
            "checkpoint": job.params["checkpoint"],
            "size_mb": None if size is None else round(size / 2**20, 3),
            "metric": parity["metric"],
            "value": parity[f"{side}_metric"],
            "metric_delta": None if reference else parity["metric_delta"],
            "agreement": None if reference else parity["agreement"],
            "ms_per_image": speed["p50_ms"],
            "p95_ms": speed["p95_ms"],
            "images_per_s": speed["images_per_s"],
            "speedup": round(result["benchmark"]["pytorch"]["p50_ms"] / speed["p50_ms"], 3),
            "images": parity["images"],
            "batch": speed["batch"],
            "threads": result["benchmark"].get("threads"),
            "hardware": result["benchmark"].get("hardware"),
        }
    )
