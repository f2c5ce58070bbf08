"""Finding plugin sources and importing them.

Sources are entry points of the ``visionyard.models`` group and ``<models_dir>/<name>/model.py``
folders, and the tasks plugins declare: entry points of the ``visionyard.tasks`` group, each a
:class:`~visionyard.common.tasks.TaskSpec`. Listing sources imports nothing; :func:`load_source` and
:func:`load_task` import one (run them in a scan subprocess or a worker, never in the API process).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import re
import sys
import types
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Literal

from visionyard.common.tasks import TaskSpec, register
from visionyard.plugins.schema import ConfigSchema, ModelMetadata
from visionyard.plugins.sdk import ModelPlugin
from visionyard.plugins.validation import ConfigError, resolve_config

ENTRY_POINT_GROUP = "visionyard.models"
TASK_ENTRY_POINT_GROUP = "visionyard.tasks"
_FOLDER_PACKAGE = "visionyard_user_models"


@dataclass(frozen=True)
class Source:
    kind: Literal["entry_point", "folder", "task"]
    ref: str
    """``module:attr`` for an entry point (of models or, for ``task``, of a task), the folder's path for a
    model folder."""
    label: str
    """The entry point's name or the folder's name."""

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.ref}"


class PluginDefinitionError(Exception):
    """A plugin class that does not honour the contract."""


def list_sources(models_dir: Path | None) -> list[Source]:
    """Task sources first: a model of a plugin's task is described once its task is known."""
    sources = task_sources() + [
        Source("entry_point", ep.value, ep.name)
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    ]
    if models_dir is not None and models_dir.is_dir():
        for folder in sorted(models_dir.iterdir()):
            if (folder / "model.py").is_file():
                sources.append(Source("folder", str(folder), folder.name))
    return sources


def sources_fingerprint(sources: list[Source]) -> str:
    """Changes when a source is added, removed or edited (folder files' size and mtime)."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.id.encode())
        if source.kind == "folder":
            for path in sorted(Path(source.ref).rglob("*.py")):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for dist_ep in [*entry_points(group=ENTRY_POINT_GROUP), *entry_points(group=TASK_ENTRY_POINT_GROUP)]:
        dist = getattr(dist_ep, "dist", None)
        if dist is not None:
            digest.update(f"{dist.name}=={dist.version}".encode())
    return digest.hexdigest()


def task_sources() -> list[Source]:
    found = sorted(entry_points(group=TASK_ENTRY_POINT_GROUP), key=lambda e: e.name)
    return [Source("task", ep.value, ep.name) for ep in found]


def load_task(source: Source) -> TaskSpec:
    """Import a task source and register its task in this process."""
    spec = _resolve(source.ref)
    if not isinstance(spec, TaskSpec):
        raise PluginDefinitionError(f"task entry point {source.label!r} is not a TaskSpec")
    register(spec)
    return spec


def _resolve(ref: str) -> object:
    module_name, _, attr = ref.partition(":")
    target: object = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        target = getattr(target, part)
    return target


def load_source(source: Source) -> list[type[ModelPlugin]]:
    """Import a source and return its plugin classes."""
    if source.kind == "entry_point":
        target = _resolve(source.ref)
        if isinstance(target, types.ModuleType):
            return _plugins_in(target)
        if not (inspect.isclass(target) and issubclass(target, ModelPlugin)):
            raise PluginDefinitionError(f"entry point {source.label!r} is not a ModelPlugin class")
        return [target]
    return _plugins_in(_import_folder(Path(source.ref)))


def _import_folder(folder: Path) -> types.ModuleType:
    """Import ``folder/model.py`` as a submodule of a package rooted at ``folder`` (for sibling imports)."""
    if _FOLDER_PACKAGE not in sys.modules:
        root = types.ModuleType(_FOLDER_PACKAGE)
        root.__path__ = []
        sys.modules[_FOLDER_PACKAGE] = root
    safe = re.sub(r"\W", "_", folder.name)
    package_name = f"{_FOLDER_PACKAGE}.{safe}_{hashlib.sha1(str(folder).encode()).hexdigest()[:8]}"  # noqa: S324
    if package_name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(package_name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
        sys.modules[package_name] = importlib.util.module_from_spec(spec)
    return importlib.import_module(f"{package_name}.model")


def _plugins_in(module: types.ModuleType) -> list[type[ModelPlugin]]:
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, ModelPlugin)
        and obj.__module__ == module.__name__
        and not inspect.isabstract(obj)
    ]
    if not found:
        raise PluginDefinitionError(f"{module.__name__} defines no concrete ModelPlugin subclass")
    return found


def describe(cls: type[ModelPlugin]) -> tuple[ModelMetadata, ConfigSchema]:
    """Check a plugin class against the contract and return what it declares."""
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise PluginDefinitionError(f"{cls.__name__} does not implement: {missing}")
    metadata = cls.metadata()
    if not isinstance(metadata, ModelMetadata):
        raise PluginDefinitionError(f"{cls.__name__}.metadata() must return ModelMetadata")
    schema = cls.config_schema()
    if not isinstance(schema, ConfigSchema):
        raise PluginDefinitionError(f"{cls.__name__}.config_schema() must return ConfigSchema")
    for name in schema.presets:
        try:
            resolve_config(schema, preset=name)
        except ConfigError as exc:
            raise PluginDefinitionError(f"preset {name!r} is invalid: {exc}") from None
    return metadata, schema
