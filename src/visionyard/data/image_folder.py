"""Classification datasets as image folders (spec/001).

Either ``<root>/{train,val,test}/<class>/*`` (val optional, test optional) or ``<root>/<class>/*``,
in which case a seeded, stratified validation split is made from it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from visionyard.config import Settings
from visionyard.storage.archive import ArchiveLimits

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
SPLITS = ("train", "val", "test")


@dataclass
class FolderScan:
    """Files found under a dataset root, by split and class; nothing opened yet."""

    root: Path
    split_folders: bool
    """True when the root has train/ (and maybe val/, test/) folders."""
    files: dict[str, dict[str, list[Path]]] = field(default_factory=dict)
    non_images: list[Path] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return sorted(self.files.get("train", {}))


def scan_folder(root: Path) -> FolderScan:
    split_folders = (root / "train").is_dir()
    scan = FolderScan(root=root, split_folders=split_folders)
    split_roots = {s: root / s for s in SPLITS if (root / s).is_dir()} if split_folders else {"train": root}
    for split, split_root in split_roots.items():
        classes: dict[str, list[Path]] = {}
        for class_dir in sorted(p for p in split_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            images = []
            for path in sorted(class_dir.rglob("*")):
                if not path.is_file() or path.name.startswith("."):
                    continue
                if path.suffix.lower() in IMAGE_SUFFIXES:
                    images.append(path)
                else:
                    scan.non_images.append(path)
            classes[class_dir.name] = images
        scan.files[split] = classes
    return scan


def stratified_split(
    files: dict[str, list[Path]], fraction: float, seed: int
) -> tuple[dict[str, list[Path]], dict[str, list[Path]]]:
    """Split every class's files into (train, val) with ``fraction`` going to val, reproducibly."""
    train: dict[str, list[Path]] = {}
    val: dict[str, list[Path]] = {}
    for name, paths in sorted(files.items()):
        shuffled = sorted(paths)
        random.Random(f"{seed}:{name}").shuffle(shuffled)
        n_val = round(len(shuffled) * fraction) if len(shuffled) > 1 else 0
        n_val = min(max(n_val, 1 if len(shuffled) > 1 else 0), len(shuffled) - 1) if shuffled else 0
        val[name], train[name] = shuffled[:n_val], shuffled[n_val:]
    return train, val


def archive_limits(settings: Settings) -> ArchiveLimits:
    """What one dataset archive may hold (the upload limits); split folders are content, never unwrapped."""
    return ArchiveLimits(
        max_files=settings.upload_max_files, max_bytes=settings.upload_max_bytes, content_folders=frozenset(SPLITS)
    )
