"""Runs as every layer above the engine reads them: found by id, new ids, what a worker executes
(torch-free)."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from visionyard.common.errors import Invalid, NotFound
from visionyard.config import Settings
from visionyard.core.requests import RunRequest
from visionyard.data import formats
from visionyard.data.image_folder import archive_limits
from visionyard.db.models import ModelVersion, Run, TrainedModel
from visionyard.storage import remote
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.registry_folder import VERSION_FILE, version_folder
from visionyard.storage.run_folder import RunFolder, check_run_id
from visionyard.storage.s3 import StorageError

log = logging.getLogger("visionyard.runs")


class RunSetupError(Invalid):
    """A run that cannot start, for a reason the user can fix."""

    code = "invalid_run"


class RunNotFound(NotFound):
    code = "run_not_found"

    def __init__(self, run_id: str):
        self.run_id = run_id
        super().__init__(f"no run {run_id!r}")


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def get_run(session: Session, run_id: str) -> Run:
    run = session.get(Run, check_run_id(run_id))
    if run is None:
        raise RunNotFound(run_id)
    return run


HOME_ID = "home-id"


@dataclass(frozen=True)
class Origin:
    """The server a cluster node's worker was started by, when the artifact store is what they share."""

    home: Path
    home_id: str


def home_id(settings: Settings) -> str:
    """This HOME's identity, made on first use: a node whose HOME is the server's own folder (a shared file
    system) answers the server's; a folder of its own at the same path does not."""
    path = settings.root / HOME_ID
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    settings.root.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError), path.open("x") as out:
        out.write(uuid.uuid4().hex)
    return path.read_text().strip()


def worker_request(
    settings: Settings, session: Session, run: Run, origin: Origin | None = None, refresh: bool = True
) -> RunRequest:
    """What a worker executes for a claimed run: it continues from last.ckpt whenever there is one.

    ``origin``: the server, for a worker on a cluster node. On a node with a HOME of its own, the store is
    the copy of record: what this node kept of an earlier attempt is dropped first (a later attempt may
    have trained elsewhere since), and the run's dataset, pushed by the server, is pulled into this HOME.
    ``refresh=False``: another rank of the run on this node has done that for this attempt already."""
    folder = RunFolder.of(settings.runs_dir, run.id)
    store = artifact_store(settings)
    origin = own_copy_of(settings, origin)
    if origin is not None and refresh:
        _drop_working_copy(folder)
    try:
        store.ensure_local(folder.root)  # another host, or files pruned here: last.ckpt, metrics.json
    except StorageError as exc:
        log.warning("run %s: %s", run.id, exc)
    resume = folder.last_ckpt.is_file()
    base = None
    if run.base_run and not resume:
        base_folder = RunFolder.of(settings.runs_dir, run.base_run)
        best = store.ensure_local(base_folder.best_ckpt)
        base = best if best.is_file() else store.ensure_local(base_folder.last_ckpt)
    if run.base_version_id is not None and not resume:
        base = store.ensure_local(published_weights(settings, session, run.base_version_id))
    dataset = on_this_node(settings, Path(run.dataset_path), origin)
    if remote.is_remote(run.dataset) and not dataset.is_dir():
        dataset = remote.fetch_dataset(settings, run.dataset, archive_limits(settings))  # cache pruned, or another host
    return RunRequest(folder, run.model, dataset, run.config, resume=resume, base_checkpoint=base)


def own_copy_of(settings: Settings, origin: Origin | None) -> Origin | None:
    """The server's origin if this HOME is a copy of its own (a cluster node), None if this HOME is the
    server's folder (the server itself, a node on its file system), where everything is read in place."""
    return origin if origin is not None and origin.home_id != home_id(settings) else None


def on_this_node(settings: Settings, path: Path, origin: Origin | None) -> Path:
    """A path in the server's HOME (a dataset it pushed) as this cluster node's copy, pulled from the store
    into this HOME; any other path as it is. ``origin``: as :func:`own_copy_of` gives it."""
    if origin is None or not path.is_relative_to(origin.home):
        return path
    return artifact_store(settings).ensure_local(settings.root / path.relative_to(origin.home))


KEPT_ON_DROP = ("logs", "tests", "exports")
"""What a node's working copy keeps when an attempt drops it: output being written (the worker's log,
jobs of the run working on this node), none of it an attempt's state."""


def _drop_working_copy(folder: RunFolder) -> None:
    """Everything of the run folder that an earlier attempt may have left stale."""
    for entry in folder.root.iterdir() if folder.root.is_dir() else ():
        if entry.name not in KEPT_ON_DROP:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def published_weights(settings: Settings, session: Session, version_id: int) -> Path:
    """The checkpoint file of a published model version (the registry's copy)."""
    version = session.get_one(ModelVersion, version_id)
    name = session.get_one(TrainedModel, version.model_id).name
    return version_folder(settings.registry_dir, name, version.version) / VERSION_FILE


def run_classes(settings: Settings, run_id: str, dataset_path: Path, task: str) -> list[str]:
    """The classes a run was trained on (recorded in run.json; older runs: its dataset's)."""
    folder = RunFolder.of(settings.runs_dir, run_id)
    artifact_store(settings).ensure_local(folder.run_json)
    recorded = json.loads(folder.run_json.read_text()).get("classes") if folder.exists() else None
    return list(recorded) if recorded else formats.load(dataset_path, task, verify=False).classes
