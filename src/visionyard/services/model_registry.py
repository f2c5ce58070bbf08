"""The model registry (torch-free): publish run checkpoints as numbered versions of a named model,
move aliases between versions with an audit trail, and start new runs from a version.

A version is a copy of the checkpoint (``HOME/registry/<name>/<version>/model.ckpt`` with a
``version.json`` beside it), so checkpoint retention or a later epoch never changes what was
published. Publishing and alias moves are appended to the event log as ``registry`` events, which
the MLflow mirror follows.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visionyard.common.errors import Conflict, Invalid
from visionyard.common.training_config import TrainingConfig
from visionyard.core import jobs as core_jobs
from visionyard.core import lifecycle
from visionyard.core import runs as core_runs
from visionyard.core.runs import get_run
from visionyard.db.models import AliasChange, MetricRow, ModelAlias, ModelVersion, Run, TrainedModel, utcnow
from visionyard.services.model_versions import find_version, parse_reference, version_public
from visionyard.storage import registry_folder
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.atomic import write_json
from visionyard.storage.registry_folder import VERSION_FILE, VERSION_JSON

if TYPE_CHECKING:
    from visionyard.config import Settings
    from visionyard.core.context import Context

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
ALIAS = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$")
"""``latest`` names the newest version; ``v<N>`` is reserved by MLflow's registry."""
COPY_CHUNK = 1024 * 1024

log = logging.getLogger("visionyard.registry")


class PublishRejected(Invalid):
    """A publish or alias request that cannot be honoured as given (HTTP 422)."""

    code = "invalid_publish"


class RegistryConflict(Conflict):
    """A request that clashes with what the registry holds (HTTP 409)."""

    code = "registry_conflict"


class IncompatibleBase(Invalid):
    """A published version whose weights cannot start the asked-for run (HTTP 422)."""

    code = "invalid_run"


@dataclass
class PublishSpec:
    run_id: str
    name: str
    checkpoint: str = "best"
    """``best``, ``last``, ``epoch:N`` or a checkpoint file of the run."""
    description: str | None = None
    alias: str | None = None
    actor: str = "api"


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise PublishRejected(f"invalid model name {name!r}: letters, digits, '.', '_' and '-' (at most 100)")
    return name


def check_alias(alias: str) -> str:
    if not ALIAS.fullmatch(alias) or RESERVED_ALIAS.fullmatch(alias):
        raise PublishRejected(
            f"invalid alias {alias!r}: lowercase letters, digits, '_' and '-', starting with a letter; "
            "'latest' and 'v<number>' are reserved"
        )
    return alias


def version_folder(settings: Settings, name: str, version: int) -> Path:
    return registry_folder.version_folder(settings.registry_dir, check_name(name), version)


# ---- publishing ------------------------------------------------------------------------------


def publish(ctx: Context, spec: PublishSpec) -> ModelVersion:
    """Copy a run's checkpoint into the registry as the next version of ``spec.name``."""
    check_name(spec.name)
    if spec.alias is not None:
        check_alias(spec.alias)
    with ctx.db.session() as session:
        run = get_run(session, spec.run_id)
        if run.status in lifecycle.ACTIVE:
            raise RegistryConflict(f"run {run.id} is {run.status}; publish it when it has stopped or completed")
        chosen = core_jobs.resolve_checkpoint(
            session, ctx.settings.runs_dir, run, spec.checkpoint, artifact_store(ctx.settings)
        )
        metrics = _checkpoint_metrics(session, run, chosen)
        classes = core_runs.run_classes(ctx.settings, run.id, Path(run.dataset_path), run.task)
        facts = _run_facts(run)
    incoming = ctx.settings.registry_dir / spec.name / f".incoming-{secrets.token_hex(4)}"
    try:
        size, digest = _copy(ctx.settings.runs_dir / run.id / chosen["checkpoint"], incoming / VERSION_FILE)
        return _record_version(ctx, spec, run.id, facts, chosen, metrics, classes, incoming, (size, digest))
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def _record_version(
    ctx: Context,
    spec: PublishSpec,
    run_id: str,
    facts: dict[str, Any],
    chosen: dict[str, Any],
    metrics: dict[str, Any],
    classes: list[str],
    incoming: Path,
    written: tuple[int, str],
) -> ModelVersion:
    """Number the copied checkpoint as the model's next version, under the registry's write lock."""
    with ctx.db.serialised() as session:
        model = session.scalar(select(TrainedModel).where(TrainedModel.name == spec.name))
        if model is None:
            model = TrainedModel(name=spec.name, task=facts["task"], model=facts["model"])
            session.add(model)
            session.flush()
        elif (model.task, model.model) != (facts["task"], facts["model"]):
            raise RegistryConflict(
                f"model {spec.name!r} holds {model.model} ({model.task}) weights; run {run_id} trained "
                f"{facts['model']} ({facts['task']}): publish it under another name"
            )
        number = (
            session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.model_id == model.id)) or 0
        ) + 1
        folder = version_folder(ctx.settings, spec.name, number)
        version = ModelVersion(
            model_id=model.id,
            version=number,
            run_id=run_id,
            checkpoint=chosen["checkpoint"],
            epoch=chosen["checkpoint_epoch"],
            metrics=metrics,
            config=facts["config"],
            classes={"names": classes},
            dataset=facts["dataset"],
            dataset_fingerprint=facts["dataset_fingerprint"],
            size=written[0],
            sha256=written[1],
            description=spec.description,
            created_by=spec.actor,
        )
        session.add(version)
        session.flush()
        write_json(incoming / VERSION_JSON, _version_record(model, version))
        shutil.rmtree(folder, ignore_errors=True)
        incoming.replace(folder)
        artifact_store(ctx.settings).push(folder)
        lifecycle.add_event(
            session, run_id, "registry", action="publish", model=spec.name, version=number, version_id=version.id
        )
        if spec.alias is not None:
            move_alias(session, model, spec.alias, version, spec.actor, "set when published")
    return version


def _run_facts(run: Run) -> dict[str, Any]:
    return {
        "task": run.task,
        "model": run.model,
        "config": run.config,
        "dataset": run.dataset,
        "dataset_fingerprint": run.dataset_fingerprint,
    }


def _checkpoint_metrics(session: Session, run: Run, chosen: dict[str, Any]) -> dict[str, Any]:
    row = session.scalar(
        select(MetricRow).where(MetricRow.run_id == run.id, MetricRow.epoch == chosen["checkpoint_epoch"])
    )
    return dict(row.values) if row else {}


def _copy(source: Path, target: Path) -> tuple[int, str]:
    """Copy to a temp file and rename; answers the size and SHA-256 of what was written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, partial.open("wb") as writer:
        while chunk := reader.read(COPY_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    partial.replace(target)
    return size, digest.hexdigest()


# ---- reading ---------------------------------------------------------------------------------


# ---- alias rows (the use cases are in services/aliases.py) -----------------------------------


def move_alias(
    session: Session, model: TrainedModel, alias: str, version: ModelVersion, actor: str, reason: str | None
) -> AliasChange:
    row = session.scalar(select(ModelAlias).where(ModelAlias.model_id == model.id, ModelAlias.alias == alias))
    previous = session.get(ModelVersion, row.version_id) if row else None
    if row is None:
        session.add(ModelAlias(model_id=model.id, alias=alias, version_id=version.id))
    else:
        row.version_id = version.id
        row.updated_at = utcnow()
    return record_alias_change(session, model, alias, previous, version, actor, reason)


def record_alias_change(
    session: Session,
    model: TrainedModel,
    alias: str,
    previous: ModelVersion | None,
    version: ModelVersion | None,
    actor: str,
    reason: str | None,
) -> AliasChange:
    change = AliasChange(
        model_id=model.id,
        alias=alias,
        from_version=previous.version if previous else None,
        to_version=version.version if version else None,
        actor=actor,
        reason=reason,
    )
    session.add(change)
    session.flush()
    run_id = (version or previous).run_id if (version or previous) else None
    lifecycle.add_event(
        session,
        run_id,
        "registry",
        action="alias",
        model=model.name,
        alias=alias,
        from_version=change.from_version,
        to_version=change.to_version,
        actor=actor,
    )
    return change


# ---- transfer learning -----------------------------------------------------------------------


def base_for(
    session: Session, settings: Settings, reference: str, model: str, task: str, config: dict[str, Any]
) -> tuple[ModelVersion, Path]:
    """The version a new run starts from (``name``, ``name:3`` or ``name@alias``), checked to fit
    the run's model: same plugin (the weights fit its layers), same task and input channels.
    The number of classes may differ: the head keeps its fresh initialisation then."""
    name, ref = parse_reference(reference)
    registered, version = find_version(session, name, ref)
    label = f"{registered.name} v{version.version}"
    if registered.task != task:
        raise IncompatibleBase(f"{label} is a {registered.task} model; it cannot start a {task} run")
    if registered.model != model:
        raise IncompatibleBase(
            f"{label} holds {registered.model} weights; they do not fit {model!r} "
            f"(start a {registered.model} run from it)"
        )
    theirs, ours = _channels(version.config), _channels(config)
    if theirs != ours:
        raise IncompatibleBase(f"{label} takes {theirs}-channel images; this run's config gives {ours}")
    path = artifact_store(settings).ensure_local(
        version_folder(settings, registered.name, version.version) / VERSION_FILE
    )
    if not path.is_file():
        raise IncompatibleBase(f"the weights of {label} are missing from {path.parent}")
    return version, path


def _channels(config: dict[str, Any]) -> int:
    model = config.get("model") or {}
    return int(model.get("in_channels", model.get("input_channels", 3)))


def _version_record(model: TrainedModel, version: ModelVersion) -> dict[str, Any]:
    shown = version_public(version, model, [], None).model_dump()
    return {**shown, "config": version.config, "created_at": lifecycle.iso(version.created_at)}


def publish_if_asked(ctx: Context, run_id: str) -> None:
    """spec/004 ``register_model``: a completed run whose config asks for it publishes its best
    checkpoint. A failure is logged and recorded; the run stays completed."""
    with ctx.db.session() as session:
        run = get_run(session, run_id)
        asked = TrainingConfig.from_run_config(run.config).registry
        name = asked.name or run.model
    if not asked.publish:
        return
    spec = PublishSpec(run_id, name, alias=asked.alias, actor="visionyard", description="published on completion")
    try:
        version = publish(ctx, spec)
        log.info("run %s published as %s v%d", run_id, name, version.version)
    except Exception as exc:
        log.exception("run %s: publishing as %s failed", run_id, name)
        with ctx.db.write() as session:
            lifecycle.add_event(session, run_id, "registry", action="publish_failed", model=name, error=str(exc))
