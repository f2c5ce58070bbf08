"""Where the model registry keeps a published version: ``HOME/registry/<name>/<version>/``."""

from __future__ import annotations

from pathlib import Path

VERSION_FILE = "model.ckpt"
VERSION_JSON = "version.json"


def version_folder(registry_dir: Path, name: str, version: int) -> Path:
    return registry_dir / name / str(version)
