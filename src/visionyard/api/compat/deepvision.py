"""spec/001's DeepVisionXplain Training API under ``/training``: thin adapters over the run services.

``/ping`` is served by the app itself. A run started here is an ordinary run: it shows up in
``/api/v1/runs``, the CLI and the UI. The metrics routes answer spec/001's ``{"error": ...}`` body
for an unknown run or when there are no runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.core.runs import RunNotFound
from visionyard.schemas.compat import ConfigList, DatasetList, ModelPaths, RunEntry, RunMetrics, StatusReply
from visionyard.schemas.runs import Summary
from visionyard.services import compat, compat_views, metrics
from visionyard.storage.run_folder import InvalidRunId

Handler = Callable[[Request], Awaitable[Response]]


class DeepVisionRoute(APIRoute):
    """Adds spec/001's not-found bodies: ``{"error": "Run {run_id} not found"}`` and "No training runs found"."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (RunNotFound, InvalidRunId):
                run_id = request.path_params.get("run_id", "")
                return JSONResponse({"error": f"Run {run_id} not found"}, status_code=404)
            except compat.NoRuns as exc:
                return JSONResponse({"error": str(exc)}, status_code=404)

        return handle


router = APIRouter(prefix="/training", tags=["compat: DeepVisionXplain"], route_class=DeepVisionRoute)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": 'spec/001\'s `{"error": "..."}`'}}


class StartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config_name: str = Field(min_length=1, max_length=255, description="a YAML file in HOME/configs/experiment")
    model_name: str = Field("default", min_length=1, max_length=200, description='"default": the YAML\'s model')
    train_data_dir: str = Field(min_length=1, max_length=4096, description="<data root>/<dataset>/train")
    test_data_dir: str | None = Field(None, max_length=4096, description="the train folder's sibling test/")
    val_data_dir: str | None = Field(None, max_length=4096, description="the train folder's sibling val/")


@router.post("/start")
async def start_training(body: StartRequest, ctx: ContextDep) -> StatusReply:
    """Queue a run from an experiment config (YAML) and a dataset's train folder."""
    request = compat.TrainingStart(**body.model_dump())
    await to_thread.run_sync(compat.start_training, ctx, request)
    return StatusReply(status="started")


@router.post("/stop")
def stop_training(ctx: ContextDep) -> StatusReply:
    """Stop every queued, restarting and running run."""
    return StatusReply(status="stopped" if compat.stop_all(ctx) else "not_running")


@router.get("/status")
def training_status(session: SessionDep) -> StatusReply:
    """running, started (queued), stopped, not_running, or ``error: {message}`` when the last run failed."""
    return StatusReply(status=compat_views.training_status(session))


@router.get("/configs")
def list_configs(ctx: ContextDep) -> ConfigList:
    return ConfigList(available_configs=compat.config_names(ctx.settings))


@router.get("/trained_models")
def trained_models(ctx: ContextDep) -> ModelPaths:
    """ONNX files in the run folders."""
    return ModelPaths(model_paths=compat_views.onnx_files(ctx.settings))


@router.get("/datasets")
def list_datasets(ctx: ContextDep) -> DatasetList:
    """Datasets under the data roots with train/ and test/ folders (val/ optional)."""
    return DatasetList(datasets=compat_views.split_datasets(ctx))


@router.get("/metrics/latest", responses=NOT_FOUND)
def latest_metrics(ctx: ContextDep, session: SessionDep) -> RunMetrics:
    """Metrics of the newest run."""
    run_id = compat_views.latest_run_id(session)
    return compat_views.run_metrics(ctx.settings, session, run_id)


@router.get("/metrics/runs")
def list_runs(ctx: ContextDep, session: SessionDep) -> list[RunEntry]:
    """Every run, newest first; status is ``completed`` or ``in_progress``."""
    return compat_views.run_overview(ctx.settings, session)


@router.get("/metrics/runs/{run_id}", responses=NOT_FOUND)
def run_metrics(run_id: str, ctx: ContextDep, session: SessionDep) -> RunMetrics:
    return compat_views.run_metrics(ctx.settings, session, run_id)


@router.get("/metrics/runs/{run_id}/summary", responses=NOT_FOUND)
def run_summary(run_id: str, session: SessionDep) -> Summary:
    """Best value of every metric (lowest for losses) and the final row."""
    return metrics.summary(session, run_id)
