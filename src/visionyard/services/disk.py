"""Disk use of runs, published versions, datasets and caches under HOME."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from visionyard.schemas.system import RunBytes, RunDisk, StorageUsage
from visionyard.storage.run_folder import RunFolder, list_run_folders

if TYPE_CHECKING:
    from visionyard.config import Settings


def folder_bytes(root: Path) -> int:
    """The bytes of the files under ``root`` (links not followed; 0 when it does not exist)."""
    total = 0
    for folder, _, names in os.walk(root):
        for name in names:
            try:
                total += Path(folder, name).lstat().st_size
            except OSError:
                continue
    return total


def run_usage(settings: Settings, run_id: str) -> RunDisk:
    """A run folder's bytes in all, and in its checkpoints, validation details, tests and exports."""
    folder = RunFolder.of(settings.runs_dir, run_id)
    parts = {name: folder_bytes(folder.root / name) for name in ("checkpoints", "validation", "tests", "exports")}
    return RunDisk(total=folder_bytes(folder.root), **parts)


def usage(settings: Settings) -> StorageUsage:
    """Bytes per run (largest first) and per area of HOME, with the free space of its disk."""
    runs = sorted(
        (RunBytes(run_id=f.run_id, bytes=folder_bytes(f.root)) for f in list_run_folders(settings.runs_dir)),
        key=lambda r: -r.bytes,
    )
    areas = {
        "runs": sum(r.bytes for r in runs),
        "registry": folder_bytes(settings.registry_dir),
        "datasets": sum(folder_bytes(root) for root in settings.data_roots),
        "cache": folder_bytes(settings.cache_dir),
    }
    settings.root.mkdir(parents=True, exist_ok=True)
    return StorageUsage(
        home=str(settings.root),
        areas=areas,
        total=sum(areas.values()),
        free=shutil.disk_usage(settings.root).free,
        runs=runs,
    )
