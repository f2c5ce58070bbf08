"""Use cases behind the compatibility routes: spec/001 (DeepVisionXplain) and spec/004 (change detection).

Config files and dataset folders arrive as names, paths or URIs. Each is checked before anything is
read: config names are plain YAML file names, config paths resolve inside HOME/configs, dataset
paths resolve inside a data root. Runs are queued through :func:`visionyard.services.runs.create_run`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy import select

from visionyard.common.errors import Invalid, NotFound
from visionyard.common.statuses import RunStatus
from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.core import runs as core_runs
from visionyard.core.lifecycle import TransitionError
from visionyard.db.models import Run
from visionyard.plugins.validation import ConfigError, ConfigProblem, deep_merge
from visionyard.services import control, datasets, runs
from visionyard.storage import remote
from visionyard.storage.paths import inside, is_dir, is_file

if TYPE_CHECKING:
    from visionyard.core.context import Context

log = logging.getLogger("visionyard.compat")

CONFIG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.ya?ml$")
CONFIG_MAX_BYTES = 1024**2
DEEPVISION_MODEL = "resnet18"
CHANGEDETECT_MODEL = "snunet_cbam"
TRAINING_KEYS = frozenset(TrainingConfig.model_fields) | {"model"}
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class CompatRejected(Invalid):
    """A request field naming something that may not be used (bad name, outside the roots, a bad S3 URI)."""

    code = "invalid_request"

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")

    def fields(self) -> list[dict[str, str]]:
        return [{"path": f"body.{self.field}", "reason": self.reason}]


class ConfigNotFound(NotFound):
    code = "config_not_found"

    def __init__(self, ref: str, known: list[str]):
        hint = f"; available: {', '.join(known[:20])}" if known else ""
        super().__init__(f"config {ref!r} not found{hint}")


class NoRuns(NotFound):
    """There is no run at all."""

    code = "no_runs"


# ---- config files ----------------------------------------------------------------------------


def config_names(settings: Settings) -> list[str]:
    """The YAML files in the experiment config folder."""
    folder = settings.configs_dir
    if not is_dir(folder):
        return []
    return sorted(p.name for p in folder.iterdir() if CONFIG_NAME.fullmatch(p.name) and is_file(p))


def named_config(settings: Settings, name: str, field: str = "config_name") -> Path:
    """A config file given by plain name, inside the experiment config folder (links checked too)."""
    if not CONFIG_NAME.fullmatch(name):
        raise CompatRejected(field, "a plain YAML file name (letters, digits, '.', '_', '-'; ending .yaml or .yml)")
    path = inside(settings.configs_dir / name, settings.configs_dir)
    if path is None or not is_file(path):
        raise ConfigNotFound(name, config_names(settings))
    return path


def config_at(settings: Settings, uri: str, field: str = "config_uri") -> Path:
    """A config file by name (experiment folder first, then HOME/configs), by a path inside HOME/configs, or an
    ``s3://`` URI of one YAML object (fetched into the cache)."""
    if remote.is_remote(uri):
        return remote_config(settings, uri, field)
    raw = local_ref(uri, field)
    folder = settings.root / "configs"
    if "/" not in raw:
        if not CONFIG_NAME.fullmatch(raw):
            raise CompatRejected(field, f"a YAML file name or a path to a YAML file inside {folder}")
        for candidate in (settings.configs_dir / raw, folder / raw):
            found = inside(candidate, folder)
            if found is not None and is_file(found):
                return found
        raise ConfigNotFound(raw, config_names(settings))
    path = inside(_absolute(settings, raw), folder)
    if path is None:
        raise CompatRejected(field, f"a YAML file inside {folder}")
    if not CONFIG_NAME.fullmatch(path.name):
        raise CompatRejected(field, "not a YAML file (.yaml or .yml)")
    if not is_file(path):
        raise ConfigNotFound(raw, config_names(settings))
    return path


def remote_config(settings: Settings, uri: str, field: str) -> Path:
    try:
        return remote.fetch_config(settings, uri)
    except remote.RemoteNotFound as exc:
        raise ConfigNotFound(uri, []) from exc
    except remote.RemoteError as exc:
        raise CompatRejected(field, str(exc)) from exc


def read_config(path: Path) -> dict[str, Any]:
    """The mapping in a YAML config file (empty file: no values)."""
    try:
        if path.stat().st_size > CONFIG_MAX_BYTES:
            raise ConfigError([ConfigProblem("file", f"{path.name} is larger than {CONFIG_MAX_BYTES} bytes")])
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError([ConfigProblem("file", f"cannot read {path.name}: {first_line(str(exc))}")]) from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ConfigError([ConfigProblem("file", f"{path.name} must hold a mapping of config values")])
    return values


def split_config(values: Mapping[Any, Any]) -> tuple[str | None, dict[str, Any]]:
    """(model name, run config) from flat YAML values.

    ``model`` is a name, or a mapping with ``name`` and the model's own fields. Keys of the platform's
    training config (``epochs``, ``lr``, ``optimizer.type``, ...) stay at the top; any other key is
    taken for a model field (spec/004's ``base_channel``, ``use_attention``)."""
    config: dict[Any, Any] = {}
    section: dict[Any, Any] = {}
    model: Any = None
    for key, value in values.items():
        if key == "model":
            model = value
        elif isinstance(key, str) and key.split(".", 1)[0] not in TRAINING_KEYS:
            section[key] = value
        else:
            config[key] = value
    if isinstance(model, Mapping):
        section = {**{k: v for k, v in model.items() if k != "name"}, **section}
        model = model.get("name")
    if model is not None and (not isinstance(model, str) or not model.strip()):
        raise ConfigError([ConfigProblem("model", "must be a model name, or a mapping with a name")])
    if section:
        config["model"] = section
    return model, config


# ---- paths -----------------------------------------------------------------------------------


def local_ref(uri: str, field: str) -> str:
    """A local path from a path or ``file://`` URI; other schemes are refused (``s3://`` is taken only where a
    field fetches it: spec/004's ``dataset_uri`` and ``config_uri``)."""
    if "\x00" in uri:
        raise CompatRejected(field, "contains a NUL character")
    scheme = SCHEME.match(uri)
    if scheme is None:
        return uri
    name = scheme.group(1).lower()
    if name == "s3":
        raise CompatRejected(field, "s3:// URIs are not taken here; give a local path inside a data root")
    if name != "file":
        raise CompatRejected(field, f"{name}:// URIs are not supported; give a local path")
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise CompatRejected(field, "file:// URIs must name this machine")
    return local_ref(unquote(parts.path), field) or "/"


def data_folder(ctx: Context, raw: str, field: str) -> Path:
    """A folder inside a data root; relative paths are relative to VISIONYARD_HOME."""
    path = _absolute(ctx.settings, local_ref(raw, field))
    try:
        inside = datasets.inside_roots(ctx, path)
    except (OSError, ValueError, RuntimeError):
        inside = None
    if inside is None:
        roots = ", ".join(str(r) for r in ctx.settings.data_roots)
        raise CompatRejected(field, f"must be a folder inside a data root ({roots})")
    if not is_dir(inside):
        raise datasets.DatasetNotFound(raw, sorted(datasets.known(ctx)))
    return inside


def split_dataset(ctx: Context, train: str, val: str | None, test: str | None) -> Path:
    """The dataset folder of spec/001's ``train_data_dir`` (its parent); val/test must be its siblings."""
    train_dir = data_folder(ctx, train, "train_data_dir")
    base = train_dir.parent
    if train_dir.name != "train" or datasets.inside_roots(ctx, base) is None:
        raise CompatRejected("train_data_dir", "must be a dataset's train folder: <data root>/<dataset>/train")
    for field, split, raw in (("val_data_dir", "val", val), ("test_data_dir", "test", test)):
        if raw and data_folder(ctx, raw, field) != base / split:
            raise CompatRejected(field, f"must be the train folder's sibling {base / split}")
    return base


def _absolute(settings: Settings, raw: str) -> Path:
    path = Path(raw)
    return path if path.is_absolute() else settings.root / path


def first_line(text: str) -> str:
    return (text.strip().splitlines() or ["(no message)"])[0]


# ---- starting and stopping -------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingStart:
    """spec/001's ``POST /training/start`` body."""

    config_name: str
    model_name: str
    train_data_dir: str
    test_data_dir: str | None = None
    val_data_dir: str | None = None


def start_training(ctx: Context, request: TrainingStart) -> Run:
    """Queue a run from a named experiment config and a dataset's train folder."""
    yaml_model, config = split_config(read_config(named_config(ctx.settings, request.config_name)))
    model = (yaml_model or DEEPVISION_MODEL) if request.model_name == "default" else request.model_name
    dataset = split_dataset(ctx, request.train_data_dir, request.val_data_dir, request.test_data_dir)
    spec = runs.RunSpec(model=model, dataset=str(dataset), config=config, name=request.config_name)
    return runs.create_run(ctx, spec)


def start_job(ctx: Context, dataset_uri: str, config_uri: str, register_model: bool = False) -> Run:
    """Queue spec/004's training job; the model comes from the YAML (default ``snunet_cbam``)."""
    path = config_at(ctx.settings, config_uri)
    yaml_model, config = split_config(read_config(path))
    if remote.is_remote(dataset_uri):
        dataset = dataset_uri  # fetched into the cache by datasets.resolve, and named by its URI
    else:
        raw = local_ref(dataset_uri, "dataset_uri")
        dataset = raw if "/" not in raw else str(data_folder(ctx, raw, "dataset_uri"))
    if register_model:
        config = deep_merge(config, {"registry": {"publish": True}})
    return runs.create_run(ctx, runs.RunSpec(model=yaml_model or CHANGEDETECT_MODEL, dataset=dataset, config=config))


def stop_all(ctx: Context) -> list[str]:
    """Stop every queued, restarting and running run (waiting ones first); the ids stopped."""
    order = {RunStatus.QUEUED: 0, RunStatus.RESTARTING: 1, RunStatus.RUNNING: 2}
    with ctx.db.session() as session:
        active = session.execute(select(Run.id, Run.status).where(Run.status.in_(order))).all()
    stopped = []
    for run_id, _ in sorted(active, key=lambda r: order[r.status]):
        try:
            control.stop(ctx, run_id)
        except (TransitionError, core_runs.RunNotFound):
            continue  # finished or deleted in the meantime
        stopped.append(run_id)
    return stopped
