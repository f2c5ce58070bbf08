"""A dataset's fingerprint: one hash over its file names, sizes and contents.

Two folders with the same fingerprint hold the same files byte for byte, whatever their path or
file dates, so a run, a published model version and an MLflow run can say what they were trained
on. Hidden files and folders (``.DS_Store``, ``.git``) are left out. Each file's content hash is
cached by (path, size, modification time) in the cache folder, so a dataset is read in full once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from visionyard.storage.atomic import write_json

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    """``sha256:<hex>``."""
    files: int
    bytes: int

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)


def dataset_files(root: Path) -> list[Path]:
    """Every regular file under ``root`` outside hidden names, in a fixed (sorted) order."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder, n) for n in names if not n.startswith(".") and Path(folder, n).is_file())
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(root: Path, cache_dir: Path | None = None) -> Fingerprint:
    """The fingerprint of the dataset folder ``root`` (see the module docstring)."""
    root = root.resolve()
    cache_file = _cache_file(cache_dir, root) if cache_dir else None
    cached = _read_cache(cache_file)
    fresh: dict[str, list[object]] = {}
    total = hashlib.sha256()
    size_sum = 0
    files = dataset_files(root)
    for path in files:
        name = path.relative_to(root).as_posix()
        stat = path.stat()
        key = [stat.st_size, stat.st_mtime_ns]
        known = cached.get(name)
        content = known[2] if known and known[:2] == key else file_sha256(path)
        fresh[name] = [*key, content]
        total.update(f"{name}\0{stat.st_size}\0{content}\n".encode())
        size_sum += stat.st_size
    if cache_file is not None and fresh != cached:
        write_json(cache_file, fresh)
    return Fingerprint(f"sha256:{total.hexdigest()}", len(files), size_sum)


def _cache_file(cache_dir: Path, root: Path) -> Path:
    return cache_dir / "fingerprints" / f"{hashlib.sha256(str(root).encode()).hexdigest()[:24]}.json"


def _read_cache(path: Path | None) -> dict[str, list[object]]:
    if path is None or not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
