"""Run use cases: prepare a new, resumed or transferred run and execute it; list runs.

No Typer or HTTP types here: the CLI (and later the API) call these functions.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from visionyard.config import Settings
from visionyard.plugins.registry import PluginRegistry
from visionyard.plugins.validation import (
    ConfigProblem,
    deep_merge,
    expand_dotted,
    resolve_config,
)
from visionyard.storage.run_folder import RunFolder, list_run_folders
from visionyard.worker.request import RunRequest


class RunSetupError(ValueError):
    """A run that cannot start, for a reason the user can fix."""


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def registry_for(settings: Settings, refresh: bool = False) -> PluginRegistry:
    return PluginRegistry.discover(
        settings.models_root, settings.cache_dir, settings.plugin_import_timeout, refresh=refresh
    )


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
    registry: PluginRegistry,
    model: str,
    dataset: str,
    user_config: dict[str, Any],
    preset: str | None = None,
    base_run: str | None = None,
) -> RunRequest:
    entry = registry.get(model)
    assert entry.config_schema is not None
    data_path = resolve_dataset(settings, dataset)
    config = resolve_config(entry.config_schema, user_config, preset)
    base_checkpoint = None
    if base_run is not None:
        base = _existing(settings, base_run)
        base_record = base.read_run()
        if base_record["model"] != model:
            raise RunSetupError(
                f"base run {base_run} trained {base_record['model']!r}; its weights cannot initialise {model!r}"
            )
        base_checkpoint = base.best_ckpt if base.best_ckpt.is_file() else base.last_ckpt
        if not base_checkpoint.is_file():
            raise RunSetupError(f"base run {base_run} has no checkpoint")
    folder = RunFolder.of(settings.runs_dir, new_run_id())
    folder.create()
    folder.write_config(config)
    folder.write_run(
        {
            "id": folder.run_id,
            "status": "queued",
            "model": model,
            "dataset": str(data_path),
            "preset": preset,
            "base_run": base_run,
            "attempt": 0,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    return RunRequest(folder, model, data_path, config, base_checkpoint=base_checkpoint)


def prepare_resume(settings: Settings, registry: PluginRegistry, run_id: str, overrides: dict[str, Any]) -> RunRequest:
    """Continue a stopped, failed or finished run from last.ckpt; ``epochs`` may grow to extend it."""
    folder = _existing(settings, run_id)
    record = folder.read_run()
    if record["status"] == "running":
        raise RunSetupError(f"run {run_id} is running")
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
        entry = registry.get(record["model"])
        assert entry.config_schema is not None
        config = resolve_config(entry.config_schema, deep_merge(config, changes))
        folder.write_config(config)
    return RunRequest(folder, record["model"], Path(record["dataset"]), config, resume=True)


def list_runs(settings: Settings) -> list[dict[str, Any]]:
    return [f.read_run() for f in reversed(list_run_folders(settings.runs_dir))]


def _existing(settings: Settings, run_id: str) -> RunFolder:
    folder = RunFolder.of(settings.runs_dir, run_id)
    if not folder.exists():
        raise RunSetupError(f"no run {run_id!r} in {settings.runs_dir}")
    return folder
