"""YOLO detection: ``images/<split>/`` + ``labels/<split>/``, ``<split>/images/`` + ``<split>/labels/``,
or the ``train``/``val``/``test`` folders an Ultralytics ``data.yaml`` names.

A label file has the image's stem and path below the images folder, ``.txt``; one
``class cx cy w h`` line per box, normalised to the image. An image without a label file is a
background sample. Class names come from the first of ``NAME_FILES`` beside the split folders: a
yaml's ``names:`` (a list or ``{id: name}``), or ``classes.txt``.

The yaml's folders are read when each one it names is a folder inside the dataset, relative to its
``path:`` if that is a folder inside the dataset too (a yaml written elsewhere often has the exporting
machine's folder there); each one's labels are in the parallel folder, the last ``images`` of its
path made ``labels`` (Ultralytics' rule). Otherwise (a ``.txt`` list of images, a path on another
machine) the two folder layouts are read, and without them, what is wrong with the yaml's folders
is reported.
"""

from __future__ import annotations

import math
from pathlib import Path, PurePosixPath

from visionyard.data.checks import DatasetIssue, DatasetReport
from visionyard.data.formats.common import (
    box_counts,
    class_lines,
    corrupt,
    fit_box,
    is_file,
    issue,
    list_files,
    non_image_issues,
    probe,
    read_samples,
    read_text,
    read_yaml,
    relative,
    shown,
    yaml_names,
)
from visionyard.data.formats.samples import Box, DetectionSample, TaskData
from visionyard.data.image_folder import SPLITS
from visionyard.storage.paths import PathOutsideRoot, resolve_under

YAML_FILES = ("data.yaml", "data.yml", "dataset.yaml")
NAME_FILES = (*YAML_FILES, "classes.txt")

Folders = dict[str, tuple[Path, Path]]
"""(images, labels) folders by split."""


def split_folders(root: Path) -> Folders:
    """The folders ``layout`` reads."""
    return layout(root)[0]


def layout(root: Path) -> tuple[Folders, list[DatasetIssue]]:
    """The yaml's folders when all it names can be read, else the folder layouts', else the yaml's
    readable ones and why the others are not."""
    named, problems = yaml_folders(root)
    if named and not problems:
        return named, []
    conventional = _conventional(root)
    return (conventional, []) if conventional else (named, problems)


def _conventional(root: Path) -> Folders:
    """The folders of whichever of the two layouts has label folders."""
    top = {s: (root / "images" / s, root / "labels" / s) for s in SPLITS}
    nested = {s: (root / s / "images", root / s / "labels") for s in SPLITS}
    for folders in (top, nested):
        if any(images.is_dir() and labels.is_dir() for images, labels in folders.values()):
            return {s: pair for s, pair in folders.items() if pair[0].is_dir()}
    return {}


def matches(root: Path) -> bool:
    folders, problems = layout(root)
    return bool(folders or problems)


def yaml_folders(root: Path) -> tuple[Folders, list[DatasetIssue]]:
    """The folders the first yaml of ``YAML_FILES`` names for train/val/test, and what is wrong with
    the others (``bad_annotations``); a yaml that cannot be read is one of those."""
    path = next((root / name for name in YAML_FILES if is_file(root / name)), None)
    if path is None:
        return {}, []
    try:
        data = read_yaml(path)
    except (ValueError, OSError) as exc:
        return {}, [issue("bad_annotations", f"{path.name}: {exc}", path)]
    if not isinstance(data, dict):
        return {}, []
    base = _base(root, data.get("path"))
    folders, problems = {}, []
    for split in SPLITS:
        if data.get(split) in (None, ""):
            continue
        try:
            folders[split] = _named_folders(root, base, data[split])
        except ValueError as exc:
            problems.append(issue("bad_annotations", f"{path.name}: {split}: {exc}", path))
    if folders and not any(labels.is_dir() for _, labels in folders.values()):
        expected = ", ".join(relative(labels, root) for _, labels in folders.values())
        problems.append(issue("bad_annotations", f"{path.name}: no labels folder: expected {expected}", path))
    return folders, problems


def _base(root: Path, value: object) -> str:
    """``path:`` relative to ``root`` when it is a folder inside it, else the yaml's own folder ("")."""
    if isinstance(value, str):
        try:
            return relative(resolve_under(root, value), root.resolve())
        except PathOutsideRoot:
            pass
    return ""


def _named_folders(root: Path, base: str, value: object) -> tuple[Path, Path]:
    """The images folder a yaml entry names and its labels folder; ``ValueError`` says why not."""
    if not isinstance(value, str):
        raise ValueError(f"{shown(value)} is not a folder path (one folder per split)")
    named = repr(value[:200])
    # Roboflow's exports name train/images as ../train/images; Ultralytics drops the ../ too
    wanted = value[3:] if value.startswith("../") else value
    try:
        images = root / resolve_under(root, str(PurePosixPath(base, wanted))).relative_to(root.resolve())
    except PathOutsideRoot as exc:
        raise ValueError(f"{named} is not a folder inside the dataset ({exc})") from None
    if images.suffix == ".txt" and is_file(images):
        raise ValueError(f"{named} is a list of images, which is not read: name the images folder")
    if not images.is_dir():
        raise ValueError(f"{named} is not a folder of the dataset")
    parts = images.relative_to(root).parts
    if "images" not in parts:
        raise ValueError(f"{named} has no 'images' folder in its path, so its 'labels' folder is unknown")
    last = len(parts) - 1 - parts[::-1].index("images")
    return images, root.joinpath(*parts[:last], "labels", *parts[last + 1 :])


def read_names(root: Path) -> tuple[list[str], DatasetIssue | None]:
    """Class names from the first of ``NAME_FILES`` that exists."""
    for name in NAME_FILES:
        path = root / name
        if path.is_file():
            try:
                return (class_lines(path) if name == "classes.txt" else yaml_names(read_yaml(path))), None
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
        folders, problems = layout(root)
        issues.extend(problems)
        for split, (images, labels) in folders.items():
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
