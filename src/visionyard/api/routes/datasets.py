"""/api/v1/datasets: datasets under the data roots, registration, zip upload, details and samples."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from visionyard.api.deps import ContextDep
from visionyard.api.errors import ApiError
from visionyard.api.routes.links import links
from visionyard.api.schemas import Input
from visionyard.data.catalog import DatasetSummary, SampleImage
from visionyard.data.checks import DatasetReport
from visionyard.services import datasets

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])
NAME = Query(min_length=1, max_length=100, pattern=datasets.NAME_PATTERN.pattern)
CREATED = links(
    201,
    {"GetDataset": ("get", "/api/v1/datasets/{name}"), "DatasetSamples": ("get", "/api/v1/datasets/{name}/samples")},
    name="$response.body#/name",
)
"""Where a registered or uploaded dataset is read."""


class DatasetRegister(Input):
    name: str = Field(min_length=1, max_length=100, pattern=datasets.NAME_PATTERN.pattern)
    path: str = Field(min_length=1, max_length=4096, description="a folder inside a data root")


class DatasetDetail(BaseModel):
    summary: DatasetSummary
    report: DatasetReport


@router.get("")
async def list_datasets(ctx: ContextDep) -> list[DatasetSummary]:
    return await to_thread.run_sync(datasets.list_datasets, ctx)


@router.post("", status_code=status.HTTP_201_CREATED, responses=CREATED)
def register_dataset(body: DatasetRegister, ctx: ContextDep) -> DatasetSummary:
    return datasets.register(ctx, body.name, body.path)


@router.post(
    "/upload",
    status_code=status.HTTP_201_CREATED,
    responses=CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_dataset(request: Request, ctx: ContextDep, name: Annotated[str, NAME]) -> DatasetSummary:
    """The request body is a zip of the dataset folder (raw bytes, any content type).

    Bounded in size and file count; absolute paths, ``..``, links and bombs are refused."""
    limit = ctx.settings.upload_max_bytes
    with tempfile.TemporaryDirectory(prefix="upload-") as scratch:
        archive = Path(scratch) / "upload.zip"
        received = 0
        with archive.open("wb") as handle:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:
                    raise ApiError(413, "upload_too_large", f"the upload is larger than {limit} bytes")
                handle.write(chunk)
        if received == 0:
            raise ApiError(422, "invalid_dataset", "the request body is empty: send the zip file as the body")
        return await to_thread.run_sync(datasets.upload, ctx, name, archive)


@router.get("/{name}")
async def get_dataset(
    name: str,
    ctx: ContextDep,
    task: Annotated[
        str | None,
        Query(max_length=40, description="check the data as this task reads it (default: the first of summary.tasks)"),
    ] = None,
) -> DatasetDetail:
    """Class counts per split and the full check report (every image is opened once)."""
    summary, report = await to_thread.run_sync(datasets.describe, ctx, name, task)
    return DatasetDetail(summary=summary, report=report)


@router.get("/{name}/samples")
def dataset_samples(
    name: str,
    ctx: ContextDep,
    per_class: Annotated[int, Query(ge=1, le=100)] = 4,
    split: Annotated[str | None, Query(max_length=20)] = None,
) -> list[SampleImage]:
    return datasets.samples(ctx, name, per_class, split)


@router.get("/{name}/images/{path:path}", response_class=FileResponse)
def dataset_image(name: str, path: str, ctx: ContextDep) -> FileResponse:
    """One image file of the dataset, by the relative path a sample listing gives."""
    return FileResponse(datasets.image_file(ctx, name, path))
