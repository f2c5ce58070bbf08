"""Run use cases: prepare a new, resumed or transferred run and execute it; list runs.

No Typer or HTTP types here: the CLI (and later the API) call these functions.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.common.errors import Conflict, Invalid
from visionyard.common.statuses import RunStatus
from visionyard.common.tasks import task_spec
from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.core import devices, lifecycle
from visionyard.core.requests import RunRequest
from visionyard.core.runs import RunSetupError, get_run, new_run_id
from visionyard.data import formats
from visionyard.db.models import ModelVersion, Run, Sweep, TrainedModel, utcnow
from visionyard.notify import targets
from visionyard.plugins.catalog import PluginCatalog
from visionyard.plugins.validation import (
    ConfigProblem,
    config_warnings,
    deep_merge,
    expand_dotted,
    resolve_config,
)
from visionyard.services import datasets, run_labels
from visionyard.storage import remote
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.paths import inside, is_file
from visionyard.storage.run_folder import RunFolder
from visionyard.storage.s3 import StorageError

if TYPE_CHECKING:
    from visionyard.core.context import Context
    from visionyard.engine.reporting import FlagControl
    from visionyard.worker.service import Placement

log = logging.getLogger("visionyard.runs")


def resolve_dataset(settings: Settings, dataset: str) -> Path:
    """A dataset name under the data folder, or a path to a folder."""
    candidate = settings.data_root / dataset
    if "/" not in dataset and candidate.is_dir():
        return candidate
    path = Path(dataset).expanduser()
    if path.is_dir():
        return path.resolve()
    known = sorted(p.name for p in settings.data_root.iterdir() if p.is_dir()) if settings.data_root.is_dir() else []
    hint = f"; datasets in {settings.data_root}: {', '.join(known)}" if known else " (run `visionyard demo`)"
    raise RunSetupError(f"dataset {dataset!r} not found: no such folder{hint}")


def prepare_run(
    settings: Settings,
    catalog: PluginCatalog,
    model: str,
    dataset: str,
    user_config: dict[str, Any],
    preset: str | None = None,
    base_run: str | None = None,
) -> RunRequest:
    entry = catalog.get(model)
    assert entry.config_schema is not None
    data_path = resolve_dataset(settings, dataset)
    check_fits(data_path, entry.task, model)
    sizes = entry.metadata.supported_image_sizes if entry.metadata else ()
    config = resolve_config(entry.config_schema, user_config, preset, entry.task, sizes)
    if config.get("pretrained_weights"):
        weights = _weights_file(settings, config["pretrained_weights"])
        if config.get("trust_checkpoint"):
            _trusted_place(settings, weights)
        config["pretrained_weights"] = str(weights)
    for warning in config_warnings(config, sizes, model):
        log.warning("config: %s", warning)
    base_checkpoint = None
    if base_run is not None:
        base = _existing(settings, base_run)
        base_record = base.read_run()
        if base_record["model"] != model:
            raise RunSetupError(
                f"base run {base_run} trained {base_record['model']!r}; its weights cannot initialise {model!r}"
            )
        store = artifact_store(settings)
        best = store.ensure_local(base.best_ckpt)
        base_checkpoint = best if best.is_file() else store.ensure_local(base.last_ckpt)
        if not base_checkpoint.is_file():
            raise RunSetupError(f"base run {base_run} has no checkpoint")
    folder = RunFolder.of(settings.runs_dir, new_run_id())
    folder.create()
    folder.write_config(config)
    folder.write_run(
        {
            "id": folder.run_id,
            "status": RunStatus.QUEUED,
            "model": model,
            "dataset": str(data_path),
            "preset": preset,
            "base_run": base_run,
            "attempt": 0,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    return RunRequest(folder, model, data_path, config, base_checkpoint=base_checkpoint)


def check_fits(data_path: Path, task: str, model: str) -> None:
    """A dataset of another layout than the model's task reads is refused here. One with no known layout
    goes on: the worker's full check says what is wrong with it (an empty class folder, say)."""
    found, readable = formats.sniff(data_path), task_spec(task).formats
    if found and not set(found) & set(readable):
        holds = f"it holds {', '.join(found)} data"
        raise RunSetupError(
            f"{model!r} is a {task} model and needs a {' or '.join(readable)} dataset; "
            f"{data_path.name!r} does not fit: {holds} (see docs/datasets.md)"
        )


def prepare_resume(settings: Settings, catalog: PluginCatalog, run_id: str, overrides: dict[str, Any]) -> RunRequest:
    """Continue a stopped, failed or finished run from last.ckpt; ``epochs`` may grow to extend it."""
    folder = _existing(settings, run_id)
    record = folder.read_run()
    if record["status"] == RunStatus.RUNNING:
        raise RunSetupError(f"run {run_id} is running")
    artifact_store(settings).ensure_local(folder.root)
    if not folder.last_ckpt.is_file():
        raise RunSetupError(f"run {run_id} has no last.ckpt to resume from")
    problems: list[ConfigProblem] = []
    changes = expand_dotted(overrides, problems)
    if set(changes) - {"epochs"}:
        others = ", ".join(sorted(set(changes) - {"epochs"}))
        raise RunSetupError(f"only epochs can change when resuming (got {others})")
    config = folder.read_config()
    if "epochs" in changes:
        if changes["epochs"] < record.get("epochs_completed", 0):
            raise RunSetupError(f"run {run_id} already trained {record['epochs_completed']} epochs")
        if config["scheduler"]["type"] == "onecycle" and changes["epochs"] != config["epochs"]:
            raise RunSetupError("a onecycle schedule cannot be extended; it is fixed to its planned length")
        entry = catalog.get(record["model"])
        assert entry.config_schema is not None
        config = resolve_config(entry.config_schema, deep_merge(config, changes), task=entry.task)
        folder.write_config(config)
    return RunRequest(folder, record["model"], Path(record["dataset"]), config, resume=True)


def _existing(settings: Settings, run_id: str) -> RunFolder:
    folder = RunFolder.of(settings.runs_dir, run_id)
    artifact_store(settings).ensure_local(folder.run_json)
    if not folder.exists():
        raise RunSetupError(f"no run {run_id!r} in {settings.runs_dir}")
    return folder


class RunPublished(Conflict):
    """A run that model versions were published from (HTTP 409 on delete)."""

    code = "run_published"


class TrialOfASweep(Conflict):
    """A trial's run deleted while its sweep goes on (the sweep would queue the trial again)."""

    code = "trial_of_a_running_sweep"


class ExecutorUnavailable(Invalid):
    code = "executor_unavailable"


def _weights_file(settings: Settings, given: str) -> Path:
    """``pretrained_weights`` as the file it names (relative: to HOME/weights), if that lies in HOME or a
    data root; a path from a request never reaches outside them."""
    path = settings.weights_dir / given if not Path(given).expanduser().is_absolute() else Path(given).expanduser()
    allowed = [settings.root.resolve(), *settings.data_roots]
    found = next((found for root in allowed if (found := inside(path, root)) is not None), None)
    shown = given[:200]
    if found is None:
        places = ", ".join(str(root) for root in allowed)
        raise RunSetupError(
            f"pretrained_weights {shown!r} is not inside VISIONYARD_HOME or a data root ({places}): "
            f"put the file in {settings.weights_dir}, or add its folder to VISIONYARD_EXTRA_DATA_DIRS"
        )
    if not is_file(found):
        raise RunSetupError(f"pretrained_weights {shown!r} is not a file (looked at {found})")
    return found


def _trusted_place(settings: Settings, weights: Path) -> None:
    """A file that ``trust_checkpoint`` may unpickle (run the code of) must lie in the weights folder, which only
    the operator fills: a data root takes uploads, so a request could otherwise name code it sent itself."""
    if inside(weights, settings.weights_dir) is None:
        raise RunSetupError(
            f"trust_checkpoint=true loads code from pretrained_weights, so the file must lie in the weights folder "
            f"{settings.weights_dir}, which only the server's operator fills ({weights} does not): put it there"
        )


def _check_placement(settings: Settings, asked: str | None, config: dict[str, Any]) -> None:
    """Refuse a run that could never be placed where it would go."""
    where = asked or settings.executor
    if where == "ray" and settings.executor == "local":
        raise ExecutorUnavailable("this server has no Ray cluster: start it with VISIONYARD_EXECUTOR=ray or auto")
    pool = devices.gpu_pool(settings)
    hardware = TrainingConfig.from_run_config(config).hardware
    if where == "local" and hardware.nodes > 1:
        raise ExecutorUnavailable("hardware.nodes > 1 trains across the nodes of a Ray cluster, not on this host")
    if where == "local":
        devices.check_fits(config, pool)
        return
    indexes = isinstance(hardware.devices, list)
    if indexes and (where == "ray" or not devices.fits_here(config, pool)):
        raise ExecutorUnavailable("hardware.devices names GPUs of this host; on the Ray cluster ask for a count")


@dataclass
class RunSpec:
    """What a user asks for, from any door (CLI, API, compatibility routes)."""

    model: str
    dataset: str
    config: dict[str, Any] = field(default_factory=dict)
    preset: str | None = None
    base_run: str | None = None
    name: str | None = None
    max_restarts: int | None = None
    executor: str | None = None
    """``local`` or ``ray``; None: where ``VISIONYARD_EXECUTOR`` sends it."""
    base_model: str | None = None
    """A published version to start from: ``name``, ``name:3`` or ``name@production``."""
    notify: list[str] = field(default_factory=list)
    """The run's own notification targets (``notify.targets``)."""
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    serve_export: bool = False
    """Queue an ONNX export of the best checkpoint when the run completes (``core.jobs.queue_serve_export``)."""
    trial: tuple[str, int] | None = None
    """The sweep and trial number this run is a trial of (the sweep driver queues those)."""


def create_run(ctx: Context, spec: RunSpec, local_paths: bool = False) -> Run:
    """Validate, lay out the run folder and queue the run. ``local_paths``: the dataset may be any
    folder on this machine (the foreground CLI); otherwise it must lie under a data root."""
    catalog = ctx.catalog()
    dataset_name = spec.dataset
    if not local_paths or remote.is_remote(spec.dataset):
        dataset_name, path = datasets.resolve(ctx, spec.dataset)
        spec = replace(spec, dataset=str(path))
    if spec.base_run and spec.base_model:
        raise RunSetupError("start from a base run or a published model version, not both")
    notify = targets.check(spec.notify, "notify")
    request = prepare_run(ctx.settings, catalog, spec.model, spec.dataset, spec.config, spec.preset, spec.base_run)
    entry = catalog.get(spec.model)
    assert entry.metadata is not None
    try:
        _check_placement(ctx.settings, spec.executor, request.config)
        base_version = _base_version(ctx, spec, entry.metadata.task_type, request.config)
    except Exception:
        shutil.rmtree(request.folder.root, ignore_errors=True)
        raise
    run = Run(
        id=request.folder.run_id,
        name=spec.name,
        status=RunStatus.QUEUED,
        model=spec.model,
        task=entry.metadata.task_type,
        dataset=dataset_name if not local_paths or remote.is_remote(dataset_name) else Path(dataset_name).name,
        dataset_path=str(request.dataset),
        preset=spec.preset,
        base_run=spec.base_run,
        base_version_id=base_version,
        config=request.config,
        epochs=request.config["epochs"],
        max_restarts=ctx.settings.max_restarts if spec.max_restarts is None else spec.max_restarts,
        requested_executor=spec.executor,
        notify=notify,
        serve_export=spec.serve_export,
        note=(spec.note or "").strip() or None,
        sweep_id=spec.trial[0] if spec.trial else None,
        trial_number=spec.trial[1] if spec.trial else None,
        queued_at=utcnow(),
    )
    try:
        with ctx.db.write() as session:
            session.add(run)
            session.flush()
            run_labels.set_tags(session, run, spec.tags)
            lifecycle.add_event(session, run.id, "status", status=RunStatus.QUEUED, previous=None, attempt=0)
    except Exception:
        shutil.rmtree(request.folder.root, ignore_errors=True)
        raise
    return run


def _base_version(ctx: Context, spec: RunSpec, task: str, config: dict[str, Any]) -> int | None:
    if not spec.base_model:
        return None
    from visionyard.services import model_registry

    with ctx.db.session() as session:
        version, _ = model_registry.base_for(session, ctx.settings, spec.base_model, spec.model, task, config)
        return version.id


def queue_positions(session: Session) -> dict[str, int]:
    """Queued runs' places in line (1 = next), in the order the scheduler claims them."""
    query = select(Run.id).where(Run.status == RunStatus.QUEUED).order_by(Run.queued_at, Run.id)
    return {run_id: place for place, run_id in enumerate(session.scalars(query), start=1)}


def delete_run(ctx: Context, run_id: str) -> None:
    """Remove a run that is not active, with its folder."""
    with ctx.db.serialised() as session:
        run = get_run(session, run_id)
        if run.status not in lifecycle.ACCEPTED_IN["delete"]:
            raise lifecycle.TransitionError(run, "delete")
        sweep = session.get(Sweep, run.sweep_id) if run.sweep_id else None
        if sweep is not None and sweep.finished_at is None:
            raise TrialOfASweep(
                f"run {run_id} is trial {run.trial_number} of sweep {sweep.id}, which goes on; stop the sweep first"
            )
        published = session.execute(
            select(TrainedModel.name, ModelVersion.version)
            .join(TrainedModel, TrainedModel.id == ModelVersion.model_id)
            .where(ModelVersion.run_id == run_id)
        ).all()
        if published:
            names = ", ".join(f"{name} v{version}" for name, version in published)
            raise RunPublished(f"run {run_id} is published as {names}; it stays while its versions exist")
        session.delete(run)
    folder = RunFolder.of(ctx.settings.runs_dir, run_id).root
    shutil.rmtree(folder, ignore_errors=True)
    try:
        artifact_store(ctx.settings).delete(folder)
    except StorageError as exc:
        log.warning("run %s: its files stay in the artifact store: %s", run_id, exc)


def train_claimed(
    ctx: Context, run_id: str, local: FlagControl | None = None, progress: bool = False, place: Placement | None = None
) -> str:
    """Train a run claimed for this process to its end (or pause, or stop), then publish it where its
    config asks (spec/004 ``register_model``). Returns the run's status."""
    from visionyard.services import model_registry
    from visionyard.worker.service import run_worker

    status = run_worker(ctx, run_id, local, progress, place)
    if status == RunStatus.COMPLETED:
        model_registry.publish_if_asked(ctx, run_id)
    return status
