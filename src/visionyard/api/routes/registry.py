"""/api/v1/registry: published model versions, their runs and exports, aliases with their history,
and the version files (spec/000 TrainedModelService)."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, status
from fastapi.responses import FileResponse

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.api.routes.links import links
from visionyard.api.schemas import AliasRequest, PublishRequest
from visionyard.schemas.registry import AliasChangePublic, BestEpoch, ModelVersionDetail, TrainedModelPublic
from visionyard.services import aliases, model_registry, model_versions

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])
VersionRef = str
"""A version number, an alias or ``latest``."""
VERSION = "/api/v1/registry/models/{name}/versions/{ref}"
PUBLISHED = links(
    201,
    {
        "GetVersion": ("get", VERSION),
        "VersionBestEpoch": ("get", f"{VERSION}/best-epoch"),
        "DownloadVersion": ("get", f"{VERSION}/download"),
    },
    name="$request.path.name",
    ref="$response.body#/version",
)
"""Where a published version is read."""


@router.get("/models")
def list_models(session: SessionDep) -> list[TrainedModelPublic]:
    """Every registered model with its versions, aliases and training runs."""
    return model_versions.list_models(session)


@router.get("/models/{name}")
def get_model(name: str, session: SessionDep) -> TrainedModelPublic:
    return model_versions.model_public(session, model_versions.get_model(session, name))


@router.post("/models/{name}/versions", status_code=status.HTTP_201_CREATED, responses=PUBLISHED)
async def publish(name: str, body: PublishRequest, ctx: ContextDep) -> ModelVersionDetail:
    """Copy a run's checkpoint into the registry as the next version of ``name`` (created if new)."""
    spec = model_registry.PublishSpec(
        body.run_id, name, body.checkpoint, body.description, body.alias, body.actor or "api"
    )
    version = await to_thread.run_sync(model_registry.publish, ctx, spec)
    with ctx.db.session() as session:
        return model_versions.version_detail(session, name, version.version)


@router.get("/models/{name}/versions/{ref}")
def get_version(name: str, ref: VersionRef, session: SessionDep) -> ModelVersionDetail:
    """A version (by number, alias or ``latest``) with its config, run, metrics and exports."""
    return model_versions.version_detail(session, name, ref)


@router.get("/models/{name}/versions/{ref}/best-epoch")
def best_epoch(name: str, ref: VersionRef, session: SessionDep) -> BestEpoch:
    """The best epoch of the version's run on its monitored metric."""
    return model_versions.best_epoch(session, name, ref)


@router.get("/models/{name}/versions/{ref}/download", response_class=FileResponse)
def download(name: str, ref: VersionRef, ctx: ContextDep, session: SessionDep) -> FileResponse:
    """The version's checkpoint (weights, loadable with ``torch.load(weights_only=True)``)."""
    version, path = model_versions.version_file(ctx.settings, session, name, ref)
    return FileResponse(path, filename=f"{name}-v{version.version}.ckpt", media_type="application/octet-stream")


@router.put("/models/{name}/aliases/{alias}")
def set_alias(name: str, alias: str, body: AliasRequest, ctx: ContextDep) -> AliasChangePublic:
    """Point an alias (``staging``, ``production``, any name) at a version; the move is recorded."""
    return aliases.set_alias(ctx, name, alias, body.version, body.actor or "api", body.reason)


@router.delete("/models/{name}/aliases/{alias}")
def remove_alias(name: str, alias: str, ctx: ContextDep) -> AliasChangePublic:
    return aliases.remove_alias(ctx, name, alias, "api")


@router.get("/models/{name}/aliases")
def alias_history(name: str, session: SessionDep) -> list[AliasChangePublic]:
    """Every alias change of the model, oldest first: who, when, from which version to which."""
    return aliases.alias_history(session, name)
