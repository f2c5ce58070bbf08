"""spec/004's change-detection training service under ``/train``: jobs are ordinary runs.

Datasets and configs are names, local paths inside the roots, or ``s3://`` URIs (fetched into the
cache). ``register_model: true`` publishes the best checkpoint to the model registry when the run
completes (``registry.publish`` in its config).
"""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.schemas.compat import JobCreated, JobPublic
from visionyard.services import compat, compat_views

router = APIRouter(prefix="/train", tags=["compat: change detection"])


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_uri: str = Field(
        min_length=1, max_length=4096, description="a dataset name, a folder in a data root, or s3://bucket/prefix/"
    )
    config_uri: str = Field(
        min_length=1, max_length=4096, description="a YAML file in HOME/configs (or a name), or s3://bucket/key.yaml"
    )
    register_model: bool = Field(False, description="publish the best checkpoint to the registry on completion")


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def start_job(body: JobCreate, ctx: ContextDep) -> JobCreated:
    """Queue a training job; the YAML's ``model`` picks the model (default ``snunet_cbam``)."""
    run = await to_thread.run_sync(compat.start_job, ctx, body.dataset_uri, body.config_uri, body.register_model)
    return JobCreated(job_id=run.id, status=run.status)


@router.get("/{job_id}")
def get_job(job_id: str, session: SessionDep) -> JobPublic:
    return compat_views.job(session, job_id)


@router.get("")
def list_jobs(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[JobPublic]:
    """Every run, newest first (a run started anywhere is a job here too)."""
    return compat_views.jobs(session, limit, offset)
