"""Exports of a run (/api/v1/runs/{id}/exports, queued to a worker), their files and the run's benchmark
table; /api/v1/exports/formats lists the formats and what this host can build."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Response, status
from fastapi.responses import FileResponse

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.api.schemas import ExportCreate
from visionyard.schemas.exports import BenchmarkTable, ExportDetail, ExportPublic, FormatPublic
from visionyard.services import exports, jobs

router = APIRouter(prefix="/api/v1", tags=["exports"])


@router.get("/exports/formats")
def list_formats() -> list[FormatPublic]:
    """Every export format: its options, default parity tolerance, and whether this host can build it."""
    return exports.formats()


@router.post("/runs/{run_id}/exports", status_code=status.HTTP_202_ACCEPTED)
async def create_export(run_id: str, body: ExportCreate, ctx: ContextDep) -> ExportPublic:
    """Queue an export of a checkpoint: written, checked against the PyTorch model and benchmarked in a worker."""
    job = await to_thread.run_sync(exports.create_export, ctx, run_id, body.format, body.checkpoint, body.options)
    return exports.public(ctx, job)


@router.get("/runs/{run_id}/exports")
def list_exports(run_id: str, ctx: ContextDep, session: SessionDep) -> list[ExportPublic]:
    return [exports.public(ctx, job) for job in exports.list_exports(session, run_id)]


@router.get("/runs/{run_id}/exports/{export_id}")
def get_export(run_id: str, export_id: str, ctx: ContextDep, session: SessionDep) -> ExportDetail:
    """Status, parity numbers and benchmark; the sidecar (metadata) and a deployment snippet once written."""
    return exports.detail(ctx, exports.get_export(session, run_id, export_id))


@router.delete("/runs/{run_id}/exports/{export_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_export(run_id: str, export_id: str, ctx: ContextDep) -> Response:
    jobs.delete_job(ctx, run_id, export_id, exports.KIND)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/runs/{run_id}/exports/{export_id}/download", response_class=FileResponse)
def download_export(
    run_id: str,
    export_id: str,
    ctx: ContextDep,
    session: SessionDep,
    file: Annotated[str | None, Query(max_length=100, description="one file of the export, e.g. model.json")] = None,
) -> FileResponse:
    """The exported model (a zip when the format has several files), or one file of the export."""
    path, name = exports.download(ctx, session, run_id, export_id, file)
    return FileResponse(path, filename=name, media_type="application/octet-stream")


@router.get("/runs/{run_id}/benchmark")
def benchmark(run_id: str, session: SessionDep) -> BenchmarkTable:
    """One row per measured export and one for the PyTorch model: size, metric, ms per image, images/s."""
    return exports.benchmark_table(session, run_id)
