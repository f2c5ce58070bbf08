"""Datasets found under the data roots, for listing and detail pages, and strict path resolution.

Cheap on purpose: files are counted by extension (through ``scan_folder``), never opened; the
decoding check is ``checks.check_image_folder``, run before training. The image-folder layout
(``<root>/<class>/*``) reports its images under the ``train`` split, as ``scan_folder`` and the
dataset report do; a validation split is carved out of it at training time.

Torch-free: the API process lists datasets and serves their sample images through this module.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from visionyard.data.image_folder import FolderScan, scan_folder

Layout = Literal["image_folder", "split_folders"]
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_RELATIVE_LENGTH = 4096


class NotADataset(ValueError):
    """A folder without class folders of images."""


class PathOutsideRoot(ValueError):
    """A user-given path that does not lead strictly inside the root it must stay under."""


class DatasetSummary(BaseModel):
    name: str
    path: str = Field(description="the dataset folder, resolved")
    layout: Layout
    splits: list[str] = Field(description="splits present, in train/val/test order")
    classes: list[str] = Field(description="the training classes (class folders of train, or of the root)")
    image_count: int
    class_counts: dict[str, dict[str, int]] = Field(description="images per class, per split")
    non_image_count: int = Field(0, description="files with another extension; skipped by training")


class SampleImage(BaseModel):
    path: str = Field(description="relative to the dataset folder, with '/' separators")
    class_name: str
    split: str


def find_datasets(root: Path) -> list[DatasetSummary]:
    """The immediate subfolders of ``root`` that look like image datasets, by name.

    Hidden folders, links leading outside ``root``, unreadable folders and folders without
    class folders of images are left out.
    """
    base = root.resolve()
    if not base.is_dir():
        return []
    found = []
    for child in sorted(base.iterdir(), key=lambda p: p.name):
        if child.name.startswith(".") or not _inside(child, base):
            continue
        try:
            if child.is_dir():
                found.append(_summarize(child.name, child.resolve()))
        except (NotADataset, OSError):
            continue
    return found


def describe_dataset(path: Path) -> DatasetSummary:
    """One dataset folder, summarized; ``NotADataset`` for a folder that does not hold one."""
    if not path.is_dir():
        raise NotADataset(f"{path.name!r} is not a folder")
    return _summarize(path.name, path.resolve())


def sample_images(path: Path, per_class: int, split: str | None = None) -> list[SampleImage]:
    """Up to ``per_class`` images of every class (of ``split``, or of every split), spread evenly
    over each class's sorted files; the same folder gives the same list every time.

    Only files that ``resolve_under(path, sample.path)`` accepts are listed.
    """
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, not {per_class}")
    scan = _scan(path.resolve())
    if split is not None and split not in scan.files:
        raise ValueError(f"split {split!r} is not in {path.name!r}; it has: {', '.join(scan.files)}")
    splits = [split] if split is not None else list(scan.files)
    samples = []
    for name in splits:
        for class_name, files in scan.files[name].items():
            for file in _spread(files, per_class):
                relative = file.relative_to(scan.root)
                if _servable(scan.root, relative):
                    samples.append(SampleImage(path=relative.as_posix(), class_name=class_name, split=name))
    return samples


def resolve_under(root: Path, relative: str, *, allow_hidden: bool = False) -> Path:
    """``root/relative`` resolved, if it lies strictly inside ``root``; else ``PathOutsideRoot``.

    For paths taken from requests: rejects empty, absolute (``/``, ``~``, drive letters), ``..``,
    backslashes, control characters (NUL included), hidden components (unless ``allow_hidden``),
    ``root`` itself, and anything that a link leads out of ``root``. The path need not exist.
    """
    shown = relative[:200] if isinstance(relative, str) else relative
    if not isinstance(relative, str):
        raise PathOutsideRoot(f"path {shown!r} is not a string")
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    reason = _unsafe_reason(relative, parts, allow_hidden)
    if reason:
        raise PathOutsideRoot(f"path {shown!r} {reason}")
    base = root.resolve()
    try:
        target = base.joinpath(*parts).resolve()
    except (OSError, RuntimeError) as exc:  # a link loop
        raise PathOutsideRoot(f"path {shown!r} cannot be resolved: {exc}") from None
    if target == base or not target.is_relative_to(base):
        raise PathOutsideRoot(f"path {shown!r} leads outside its root (through a link)")
    return target


def _unsafe_reason(relative: str, parts: list[str], allow_hidden: bool) -> str | None:
    if len(relative) > MAX_RELATIVE_LENGTH:
        return "is too long"
    if _CONTROL.search(relative):
        return "has control characters"
    if "\\" in relative:
        return "has a backslash"
    if relative.startswith(("/", "~")) or _DRIVE.match(relative):
        return "is absolute"
    if ".." in parts:
        return "has a '..' component"
    if not parts:
        return "names no file or folder"
    if not allow_hidden and any(p.startswith(".") for p in parts):
        return "has a hidden component"
    return None


def _summarize(name: str, path: Path) -> DatasetSummary:
    scan = _scan(path)
    counts = {split: {c: len(files) for c, files in classes.items()} for split, classes in scan.files.items()}
    return DatasetSummary(
        name=name,
        path=str(path),
        layout="split_folders" if scan.split_folders else "image_folder",
        splits=list(scan.files),
        classes=scan.classes,
        image_count=sum(n for by_class in counts.values() for n in by_class.values()),
        class_counts=counts,
        non_image_count=len(scan.non_images),
    )


def _scan(path: Path) -> FolderScan:
    if not path.is_dir():
        raise NotADataset(f"{path.name!r} is not a folder")
    scan = scan_folder(path)
    if not any(scan.files.get("train", {}).values()):
        where = "train/" if scan.split_folders else "the folder"
        raise NotADataset(
            f"{path.name!r} is not an image dataset: no class folders with images under {where} "
            "(expected <dataset>/<class>/*.jpg or <dataset>/train/<class>/*.jpg)"
        )
    return scan


def _inside(child: Path, base: Path) -> bool:
    """A link is followed only when it stays inside ``base`` (and is not ``base`` itself)."""
    if not child.is_symlink():
        return True
    try:
        target = child.resolve()
    except (OSError, RuntimeError):
        return False
    return target != base and target.is_relative_to(base)


def _spread(files: list[Path], k: int) -> list[Path]:
    n = len(files)
    return files if n <= k else [files[i * n // k] for i in range(k)]


def _servable(root: Path, relative: Path) -> bool:
    try:
        resolve_under(root, relative.as_posix())
    except PathOutsideRoot:
        return False
    return True
