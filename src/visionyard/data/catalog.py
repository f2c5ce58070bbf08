"""Datasets found under the data roots, for listing and detail pages, and strict path resolution.

Every format of docs/datasets.md is recognised (``formats.sniff``). Cheap on purpose: images are
counted by extension, never opened (annotation files are read: a COCO JSON, YOLO label files,
class-name files); the full check is ``formats.load``, run before training and on a detail page.
The image-folder layout (``<root>/<class>/*``) reports its images under the ``train`` split, as
``scan_folder`` and the dataset report do; a validation split is carved out of it at training time.

Torch-free: the API process lists datasets and serves their sample images through this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from visionyard.data import formats
from visionyard.data.formats.common import is_file
from visionyard.data.formats.overview import Overview, overview
from visionyard.data.image_folder import FolderScan, scan_folder
from visionyard.storage.paths import PathOutsideRoot, inside, resolve_under

Layout = Literal["image_folder", "split_folders", "coco", "yolo", "masks", "levir_cd"]


class NotADataset(ValueError):
    """A folder in none of the dataset layouts."""


class DatasetSummary(BaseModel):
    name: str
    path: str = Field(description="the dataset folder, resolved")
    layout: Layout = Field(description="image_folder or split_folders (classification), else the format")
    format: str = Field(description="the first format the folder holds: image_folder, coco, yolo, masks, levir_cd")
    tasks: list[str] = Field(description="what the data can train, in order (the first is the default)")
    splits: list[str] = Field(description="splits present, in train/val/test order")
    classes: list[str] = Field(
        description="the training classes: class folders, categories, class names (segmentation: background first)"
    )
    image_count: int = Field(description="samples (change detection: before/after pairs)")
    class_counts: dict[str, dict[str, int]] = Field(
        description="per split: images per class (classification), annotations per class (detection), else {images: n}"
    )
    non_image_count: int = Field(0, description="files with another extension; skipped by training")


class SampleBox(BaseModel):
    class_name: str
    box: list[float] = Field(
        min_length=4, max_length=4, description="x1, y1, x2, y2 as fractions (0..1) of the image's width and height"
    )


class SampleImage(BaseModel):
    path: str = Field(description="relative to the dataset folder, with '/' separators")
    class_name: str | None = Field(description="the image's class; None where it has no single class")
    split: str
    boxes: list[SampleBox] | None = Field(
        None,
        description="detection formats (COCO, YOLO): the image's boxes, annotations that cannot be read left out; "
        "None for formats without boxes",
    )


def find_datasets(root: Path) -> list[DatasetSummary]:
    """The immediate subfolders of ``root`` that look like image datasets, by name.

    Hidden folders, links leading outside ``root``, unreadable folders and folders in none of the
    dataset layouts are left out.
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
    over each class's sorted files; the same folder gives the same list every time. Formats whose
    images have no single class give ``per_class`` times the class count of each split's images,
    spread likewise, with ``class_name`` None (a change pair lists its before and after images).
    Samples of detection formats carry their boxes, read from the annotation files (no image is opened).

    Only files that ``resolve_under(path, sample.path)`` accepts are listed.
    """
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, not {per_class}")
    root = path.resolve()
    found = _sniff(root)
    if found[0] != "image_folder":
        return _sample_files(root, found[0], per_class, split)
    scan = _scan(root)
    _check_split(root, split, list(scan.files))
    splits = [split] if split is not None else list(scan.files)
    samples = []
    for name in splits:
        for class_name, files in scan.files[name].items():
            for file in _spread(files, per_class):
                relative = file.relative_to(scan.root)
                if _servable(scan.root, relative):
                    samples.append(SampleImage(path=relative.as_posix(), class_name=class_name, split=name))
    return samples


def _sample_files(root: Path, name: str, per_class: int, split: str | None) -> list[SampleImage]:
    """Structured formats: ``per_class`` samples per class of each split, spread over its images;
    every file of a sample (before and after, for change detection) is listed."""
    view = overview(root, name)
    _check_split(root, split, list(view.shown))
    samples = []
    for split_name in [split] if split is not None else list(view.shown):
        for files in _spread(view.shown[split_name], per_class * max(1, len(view.classes))):
            for file in files:
                relative = file.relative_to(root)
                if is_file(file) and _servable(root, relative):
                    boxes = _boxes(view, file)
                    samples.append(
                        SampleImage(path=relative.as_posix(), class_name=None, split=split_name, boxes=boxes)
                    )
    return samples


def _boxes(view: Overview, file: Path) -> list[SampleBox] | None:
    if view.boxes is None:
        return None
    return [SampleBox(class_name=name, box=list(box)) for name, box in view.boxes(file)]


def _check_split(root: Path, split: str | None, present: list[str]) -> None:
    if split is not None and split not in present:
        raise ValueError(f"split {split!r} is not in {root.name!r}; it has: {', '.join(present)}")


def _summarize(name: str, path: Path) -> DatasetSummary:
    found = _sniff(path)
    if found[0] != "image_folder":
        return _summarize_format(name, path, found)
    scan = _scan(path)
    counts = {split: {c: len(files) for c, files in classes.items()} for split, classes in scan.files.items()}
    return DatasetSummary(
        name=name,
        path=str(path),
        layout="split_folders" if scan.split_folders else "image_folder",
        format="image_folder",
        tasks=formats.tasks_of(found),
        splits=list(scan.files),
        classes=scan.classes,
        image_count=sum(n for by_class in counts.values() for n in by_class.values()),
        class_counts=counts,
        non_image_count=len(scan.non_images),
    )


def _summarize_format(name: str, path: Path, found: list[str]) -> DatasetSummary:
    view = overview(path, found[0])
    others = formats.tasks_of(found[1:])
    return DatasetSummary(
        name=name,
        path=str(path),
        layout=found[0],  # type: ignore[arg-type]
        format=found[0],
        tasks=list(dict.fromkeys([*view.tasks, *others])),
        splits=list(view.shown),
        classes=view.classes,
        image_count=view.image_count,
        class_counts=view.counts,
        non_image_count=view.non_images,
    )


def _sniff(path: Path) -> list[str]:
    """The formats of ``path``; ``NotADataset`` when there is none."""
    if not path.is_dir():
        raise NotADataset(f"{path.name!r} is not a folder")
    found = formats.sniff(path)
    if not found:
        where = "train/" if (path / "train").is_dir() else "the folder"
        raise NotADataset(
            f"{path.name!r} is not an image dataset: no class folders with images under {where} "
            "(expected <dataset>/<class>/*.jpg or <dataset>/train/<class>/*.jpg), "
            "nor a COCO, YOLO, mask-folder or LEVIR-CD layout (see docs/datasets.md)"
        )
    return found


def _scan(path: Path) -> FolderScan:
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
    return not child.is_symlink() or inside(child, base) is not None


def _spread(files: list[Path], k: int) -> list[Path]:
    n = len(files)
    return files if n <= k else [files[i * n // k] for i in range(k)]


def _servable(root: Path, relative: Path) -> bool:
    try:
        resolve_under(root, relative.as_posix())
    except PathOutsideRoot:
        return False
    return True
