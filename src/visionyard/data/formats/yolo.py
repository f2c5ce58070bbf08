"""YOLO detection: ``images/<split>/`` + ``labels/<split>/``, or ``<split>/images/`` + ``<split>/labels/``.

A label file has the image's stem and path below the images folder, ``.txt``; one
``class cx cy w h`` line per box, normalised to the image. An image without a label file is a
background sample. Class names come from ``data.yaml`` (``names:`` list or ``{id: name}``) or
``classes.txt`` beside the split folders.
"""

from __future__ import annotations

import math
from pathlib import Path

from visionyard.data.checks import DatasetIssue, DatasetReport
from visionyard.data.formats.common import (
    box_counts,
    class_lines,
    corrupt,
    fit_box,
    issue,
    list_files,
    non_image_issues,
    probe,
    read_samples,
    read_text,
    yaml_names,
)
from visionyard.data.formats.samples import Box, DetectionSample, TaskData
from visionyard.data.image_folder import SPLITS

NAME_FILES = ("data.yaml", "data.yml", "classes.txt")


def split_folders(root: Path) -> dict[str, tuple[Path, Path]]:
    """(images, labels) folders by split, in whichever of the two layouts has label folders."""
    top = {s: (root / "images" / s, root / "labels" / s) for s in SPLITS}
    nested = {s: (root / s / "images", root / s / "labels") for s in SPLITS}
    for layout in (top, nested):
        if any(images.is_dir() and labels.is_dir() for images, labels in layout.values()):
            return {s: pair for s, pair in layout.items() if pair[0].is_dir()}
    return {}


def matches(root: Path) -> bool:
    return bool(split_folders(root))


def read_names(root: Path) -> tuple[list[str], DatasetIssue | None]:
    """Class names from the first of ``data.yaml``, ``data.yml``, ``classes.txt`` that exists."""
    for name in NAME_FILES:
        path = root / name
        if path.is_file():
            try:
                return (class_lines(path) if name == "classes.txt" else yaml_names(path)), None
            except (ValueError, OSError) as exc:
                return [], issue("bad_annotations", f"{name}: {exc}", path)
    return [], issue("bad_annotations", "no class names: add data.yaml (names: [...]) or classes.txt", root)


def label_path(images: Path, labels: Path, image: Path) -> Path:
    return labels / image.relative_to(images).with_suffix(".txt")


def load(root: Path, task: str, verify: bool) -> TaskData:
    classes, problem = read_names(root)
    data = TaskData(task, "yolo", root, classes)
    issues: list[DatasetIssue] = [problem] if problem else []
    counts: dict[str, dict[str, int]] = {}
    if not problem:
        for split, (images, labels) in split_folders(root).items():
            files, others = list_files(images)
            issues.extend(non_image_issues(others))
            jobs = [(image, label_path(images, labels, image), len(classes), verify) for image in files]
            data.splits[split] = read_samples(_read_one, jobs, issues)
            counts[split] = box_counts(data.splits[split], classes)
    data.report = DatasetReport(root=str(root), task=task, format="yolo", classes=classes, counts=counts, issues=issues)
    return data


def _read_one(job: tuple[Path, Path, int, bool]) -> tuple[DetectionSample | None, list[DatasetIssue]]:
    image, labels, n_classes, verify = job
    found = probe(image, decode=verify)
    if found.size is None:
        return None, [corrupt(image, found.problem)]
    boxes, classes, issues = read_labels(labels, found.size, n_classes)
    return DetectionSample(image, tuple(boxes), tuple(classes)), issues


def read_labels(labels: Path, size: tuple[int, int], n_classes: int) -> tuple[list[Box], list[int], list[DatasetIssue]]:
    """A label file's boxes as corners in an image of ``size`` (``(1, 1)``: fractions of the image),
    fitted to it, their class indexes, and what is wrong with the lines left out. No file: no boxes."""
    if not labels.exists():
        return [], [], []
    try:
        text = read_text(labels)
    except OSError as exc:
        return [], [], [issue("bad_label_line", f"cannot read the label file: {exc}", labels)]
    boxes, classes, issues = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        where = f"line {number}"
        values = _numbers(fields)
        if values is None:
            shown = line.strip()[:80]
            issues.append(issue("bad_label_line", f"{where}: {shown!r} is not 'class cx cy w h' numbers", labels))
            continue
        label, cx, cy, w, h = values
        if not 0 <= label < n_classes:
            issues.append(issue("unknown_category", f"{where}: class {label:g} is not in 0..{n_classes - 1}", labels))
            continue
        width, height = size
        corners = ((cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height)
        box, kind, why = fit_box(corners, size)
        if kind:
            issues.append(issue(kind, f"{where}: {why}", labels))
        if box is not None:
            boxes.append(box)
            classes.append(int(label))
    return boxes, classes, issues


def _numbers(fields: list[str]) -> tuple[float, float, float, float, float] | None:
    """Five numbers with an integral class, or None."""
    if len(fields) != 5:
        return None
    try:
        label, cx, cy, w, h = (float(f) for f in fields)
    except ValueError:
        return None
    if not math.isfinite(label) or label != int(label):
        return None
    return label, cx, cy, w, h
