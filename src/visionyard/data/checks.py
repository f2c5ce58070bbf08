"""The dataset check that runs before training: what is wrong, and where.

Torch-free. Errors marked ``skippable`` (a corrupt image, a bad box, ...: the kinds in
docs/datasets.md) fail a run unless ``data.skip_invalid_images`` is set, in which case the reader
has left the offending item out; non-image files are skipped with a warning; empty classes and
class sets that differ between splits are errors. The readers of every format are in
``visionyard.data.formats``; this module checks the image-folder layout.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from PIL import Image
from pydantic import BaseModel

from visionyard.data.image_folder import FolderScan, scan_folder

Severity = Literal["error", "warning"]


class DatasetIssue(BaseModel):
    severity: Severity
    kind: str
    message: str
    path: str | None = None
    skippable: bool = False
    """An error that ``data.skip_invalid_images`` lets a run go past (the item is left out)."""

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.severity}: {self.message}{where}"


class DatasetReport(BaseModel):
    root: str
    task: str = "classification"
    format: str = "image_folder"
    classes: list[str] = []
    counts: dict[str, dict[str, int]] = {}
    issues: list[DatasetIssue] = []

    def blocking(self, skip_invalid_images: bool) -> list[DatasetIssue]:
        """The errors that stop a run: all of them, or the ones not skippable when skipping."""
        return [i for i in self.issues if i.severity == "error" and not (skip_invalid_images and i.skippable)]

    @property
    def invalid_files(self) -> set[str]:
        return {i.path for i in self.issues if i.kind == "corrupt_image" and i.path}


def check_image_folder(root: Path, decode: bool = True) -> tuple[DatasetReport, FolderScan | None]:
    """The image-folder check; ``decode=False`` leaves out opening every image."""
    report = DatasetReport(root=str(root))
    if not root.is_dir():
        report.issues.append(_error("missing", f"dataset folder {root} does not exist"))
        return report, None
    scan = scan_folder(root)
    report.classes = scan.classes
    report.counts = {s: {c: len(p) for c, p in classes.items()} for s, classes in scan.files.items()}
    report.issues.extend(
        DatasetIssue(severity="warning", kind="non_image", message="not an image file; skipped", path=str(p))
        for p in scan.non_images
    )
    if not scan.classes:
        where = "train/" if scan.split_folders else "the dataset folder"
        report.issues.append(_error("empty", f"no class folders with images under {where}", str(root)))
        return report, scan
    report.issues.extend(_class_issues(scan))
    if decode:
        report.issues.extend(_decode_issues(scan))
    return report, scan


def _class_issues(scan: FolderScan) -> list[DatasetIssue]:
    issues = []
    train = set(scan.classes)
    for split, classes in scan.files.items():
        for name, paths in classes.items():
            if not paths:
                issues.append(_error("empty_class", f"class {name!r} has no images in {split}", str(scan.root)))
        if split == "train":
            continue
        unknown = sorted(set(classes) - train)
        if unknown:
            issues.append(
                _error(
                    "unknown_class",
                    f"{split} has classes that train lacks: {', '.join(unknown)}",
                    str(scan.root),
                )
            )
        absent = sorted(train - set(classes))
        if absent:
            issues.append(
                DatasetIssue(
                    severity="warning",
                    kind="missing_class",
                    message=f"{split} has no folder for: {', '.join(absent)}",
                    path=str(scan.root / split),
                )
            )
    return issues


def _decode_issues(scan: FolderScan) -> list[DatasetIssue]:
    paths = [p for classes in scan.files.values() for ps in classes.values() for p in ps]
    with ThreadPoolExecutor(max_workers=4) as pool:
        reasons = list(pool.map(_decode_problem, paths))
    return [
        _error("corrupt_image", f"cannot decode image: {reason}", str(path), skippable=True)
        for path, reason in zip(paths, reasons, strict=True)
        if reason is not None
    ]


def _decode_problem(path: Path) -> str | None:
    try:
        with Image.open(path) as image:
            image.load()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _error(kind: str, message: str, path: str | None = None, skippable: bool = False) -> DatasetIssue:
    return DatasetIssue(severity="error", kind=kind, message=message, path=path, skippable=skippable)
