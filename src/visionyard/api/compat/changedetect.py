"""spec/004's change-detection training service under ``/train``: jobs are ordinary runs.

Datasets and configs are names, local paths inside the roots, or ``s3://`` URIs (fetched into the
cache). ``register_model: true`` publishes the best checkpoint to the model registry when the run
completes (``registry.publish`` in its config).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from visionyard.api.compat.deepvision import CompatRoute
from visionyard.api.deps import ContextDep, SessionDep
from visionyard.core import runs as core_runs
from visionyard.db.models import Run
from visionyard.services import compat, runs

router = APIRouter(prefix="/train", tags=["compat: change detection"], route_class=CompatRoute)


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_uri: str = Field(
        min_length=1, max_length=4096, description="a dataset name, a folder in a data root, or s3://bucket/prefix/"
    )
    config_uri: str = Field(
        min_length=1, max_length=4096, description="a YAML file in HOME/configs (or a name), or s3://bucket/key.yaml"
    )
    register_model: bool = Field(False, description="publish the best checkpoint to the registry on completion")


class JobCreated(BaseModel):
    job_id: str
    status: str


class JobPublic(BaseModel):
    job_id: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    metrics: dict[str, Any] = Field(description="the best epoch's metrics")
    error: str | None


def _job(run: Run) -> JobPublic:
    return JobPublic(
        job_id=run.id,
        status=run.status,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        metrics=run.best_metrics,
        error=run.error,
    )


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def start_job(body: JobCreate, ctx: ContextDep) -> JobCreated:
    """Queue a training job; the YAML's ``model`` picks the model (default ``snunet_cbam``)."""
    run = await to_thread.run_sync(compat.start_job, ctx, body.dataset_uri, body.config_uri, body.register_model)
    return JobCreated(job_id=run.id, status=run.status)


@router.get("/{job_id}")
def get_job(job_id: str, session: SessionDep) -> JobPublic:
    return _job(core_runs.get_run(session, job_id))


@router.get("")
def list_jobs(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[JobPublic]:
    """Every run, newest first (a run started anywhere is a job here too)."""
    items, _ = runs.find_runs(session, None, limit, offset)
    return [_job(r) for r in items]
