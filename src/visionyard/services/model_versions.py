"""The read side of the model registry: finding models and versions (by number, alias or ``latest``)
and what the API and the CLI show of them. Torch-free."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.common.errors import NotFound
from visionyard.common.tasks import headline
from visionyard.common.training_config import TrainingConfig
from visionyard.db.models import Job, MetricRow, ModelAlias, ModelVersion, Run, TrainedModel
from visionyard.schemas.registry import (
    MAX_VERSION,
    BestEpoch,
    ExportOfVersion,
    ModelVersionDetail,
    ModelVersionPublic,
    RunOfVersion,
    TrainedModelPublic,
)
from visionyard.storage import registry_folder
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.registry_folder import VERSION_FILE

if TYPE_CHECKING:
    from visionyard.config import Settings


class RegistryNotFound(NotFound):
    """A registered model, version or alias that does not exist (HTTP 404)."""

    code = "registry_not_found"


def get_model(session: Session, name: str) -> TrainedModel:
    model = session.scalar(select(TrainedModel).where(TrainedModel.name == name))
    if model is None:
        known = session.scalars(select(TrainedModel.name).order_by(TrainedModel.name).limit(20)).all()
        hint = f"; registered models: {', '.join(known)}" if known else "; nothing is published yet"
        raise RegistryNotFound(f"no registered model {name!r}{hint}")
    return model


def find_version(session: Session, name: str, ref: str | int) -> tuple[TrainedModel, ModelVersion]:
    """A version by number, by alias, or ``latest``."""
    model = get_model(session, name)
    versions = select(ModelVersion).where(ModelVersion.model_id == model.id)
    ref = str(ref)
    if ref == "latest":
        found = session.scalar(versions.order_by(ModelVersion.version.desc()).limit(1))
    elif ref.isdecimal():
        number = int(ref)
        found = session.scalar(versions.where(ModelVersion.version == number)) if number <= MAX_VERSION else None
    else:
        alias = session.scalar(select(ModelAlias).where(ModelAlias.model_id == model.id, ModelAlias.alias == ref))
        found = session.get(ModelVersion, alias.version_id) if alias else None
    if found is None:
        raise RegistryNotFound(f"model {name!r} has no version {ref!r}; use a version number, an alias or latest")
    return model, found


def parse_reference(ref: str) -> tuple[str, str]:
    """``name``, ``name:3``, ``name@production`` → (name, version reference)."""
    for separator in (":", "@"):
        if separator in ref:
            name, _, which = ref.partition(separator)
            return name, which or "latest"
    return ref, "latest"


def list_models(session: Session) -> list[TrainedModelPublic]:
    """Every registered model with its versions, aliases and the runs behind them (spec/000
    ``GetPublishedTrainedModelsIncludingTrainRuns``)."""
    models = session.scalars(select(TrainedModel).order_by(TrainedModel.name)).all()
    return [model_public(session, m) for m in models]


def model_public(session: Session, model: TrainedModel) -> TrainedModelPublic:
    versions = session.scalars(
        select(ModelVersion).where(ModelVersion.model_id == model.id).order_by(ModelVersion.version)
    ).all()
    aliases = aliases_of(session, model)
    by_version: dict[int, list[str]] = {}
    for alias, number in aliases.items():
        by_version.setdefault(number, []).append(alias)
    runs = {r.id: r for r in session.scalars(select(Run).where(Run.id.in_({v.run_id for v in versions})))}
    return TrainedModelPublic(
        name=model.name,
        task=model.task,
        model=model.model,
        description=model.description,
        created_at=model.created_at,
        latest_version=versions[-1].version if versions else None,
        aliases=aliases,
        versions=[
            version_public(v, model, sorted(by_version.get(v.version, [])), runs.get(v.run_id)) for v in versions
        ],
    )


def aliases_of(session: Session, model: TrainedModel) -> dict[str, int]:
    rows = session.execute(
        select(ModelAlias.alias, ModelVersion.version)
        .join(ModelVersion, ModelVersion.id == ModelAlias.version_id)
        .where(ModelAlias.model_id == model.id)
        .order_by(ModelAlias.alias)
    )
    return {alias: number for alias, number in rows}


def version_public(
    version: ModelVersion, model: TrainedModel, aliases: list[str], run: Run | None
) -> ModelVersionPublic:
    return ModelVersionPublic.model_validate(_version_fields(version, model, aliases, run))


def _version_fields(version: ModelVersion, model: TrainedModel, aliases: list[str], run: Run | None) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": version.version,
        "aliases": aliases,
        "task": model.task,
        "model": model.model,
        "run_id": version.run_id,
        "run": _run_summary(run),
        "checkpoint": version.checkpoint,
        "epoch": version.epoch,
        "metrics": version.metrics,
        "classes": version.classes.get("names", []),
        "dataset": version.dataset,
        "dataset_fingerprint": version.dataset_fingerprint,
        "size": version.size,
        "sha256": version.sha256,
        "description": version.description,
        "created_by": version.created_by,
        "created_at": version.created_at,
        "tracking_version": version.tracking_version,
    }


def _run_summary(run: Run | None) -> RunOfVersion | None:
    return None if run is None else RunOfVersion.model_validate(run)


def version_detail(session: Session, name: str, ref: str | int) -> ModelVersionDetail:
    """One version with its config, run and the exports made from the same checkpoint (spec/000
    ``GetTrainedModelById``)."""
    model, version = find_version(session, name, ref)
    aliases = sorted(a for a, n in aliases_of(session, model).items() if n == version.version)
    exports = [
        ExportOfVersion(id=j.id, format=j.params.get("format"), status=j.status, result=j.result)
        for j in _exports_of(session, version)
    ]
    fields = _version_fields(version, model, aliases, session.get(Run, version.run_id))
    return ModelVersionDetail.model_validate({**fields, "config": version.config, "exports": exports})


def _exports_of(session: Session, version: ModelVersion) -> list[Job]:
    candidates = session.scalars(
        select(Job).where(Job.run_id == version.run_id, Job.kind == "export").order_by(Job.created_at, Job.id)
    )
    return [
        j
        for j in candidates
        if j.params.get("checkpoint") == version.checkpoint and j.params.get("checkpoint_epoch") == version.epoch
    ]


def best_epoch(session: Session, name: str, ref: str | int) -> BestEpoch:
    """The epoch of the version's run that scored best on its monitored metric (spec/000
    ``GetBestEpochForTrainedModelById``), with that epoch's metrics."""
    model, version = find_version(session, name, ref)
    monitor, mode = TrainingConfig.from_run_config(version.config).validation.monitored(headline(model.task))
    rows = session.scalars(select(MetricRow).where(MetricRow.run_id == version.run_id).order_by(MetricRow.epoch)).all()
    scored = [r for r in rows if isinstance(r.values.get(monitor), int | float)]
    if not scored:
        raise RegistryNotFound(f"run {version.run_id} of {name} v{version.version} has no epoch with {monitor}")
    pick = min if mode == "min" else max
    best = pick(scored, key=lambda r: r.values[monitor])
    return BestEpoch(
        name=name,
        version=version.version,
        run_id=version.run_id,
        monitor=monitor,
        mode=mode,
        epoch=best.epoch,
        value=best.values[monitor],
        metrics=best.values,
        published_epoch=version.epoch,
    )


def version_file(settings: Settings, session: Session, name: str, ref: str | int) -> tuple[ModelVersion, Path]:
    model, version = find_version(session, name, ref)
    folder = registry_folder.version_folder(settings.registry_dir, model.name, version.version)
    path = artifact_store(settings).ensure_local(folder / VERSION_FILE)
    if not path.is_file():
        raise RegistryNotFound(f"the file of {name} v{version.version} is missing from {path.parent}")
    return version, path
