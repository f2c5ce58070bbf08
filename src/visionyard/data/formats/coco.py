"""COCO for detection and segmentation, one annotation file per split, in any of ``SPLIT_LAYOUTS``:

- ``<split>/annotations.json`` (or Roboflow's ``_annotations.coco.json``), images in ``<split>/`` or
  ``<split>/images/``;
- the official ``annotations/instances_<split>.json`` (or ``instances_<split>2017.json``), images in
  ``<split>/``, ``<split>2017/``, ``images/<split>/`` or ``images/<split>2017/``;
- CVAT's ``annotations/instances_default.json`` with ``images/``: one split, train.

Classes are the train file's categories in ascending id order; the other splits' annotations are
mapped by category id. ``bbox`` (``x, y, w, h``) becomes absolute ``x1, y1, x2, y2``; crowd
annotations (``iscrowd``) are left out of detection (they mark a group, not an object) and painted
in segmentation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from visionyard.common.tasks import task_spec
from visionyard.data.checks import DatasetIssue, DatasetReport
from visionyard.data.formats.common import (
    Probe,
    box_counts,
    corrupt,
    fit_box,
    is_file,
    issue,
    number,
    parallel,
    probe,
    relative,
    shown,
    valid_size,
)
from visionyard.data.formats.render import clean_segmentation, shape_box
from visionyard.data.formats.samples import Box, DetectionSample, InstanceSample, SegmentationSample, TaskData
from visionyard.data.image_folder import SPLITS


@dataclass(frozen=True)
class Layout:
    """Where a split's annotation file and images are; ``{split}`` in a name is the split's."""

    files: tuple[str, ...]
    """Annotation files, the first that exists read."""
    folders: tuple[str, ...]
    """Folders an image's ``file_name`` is looked up in, in order."""
    splits: tuple[str, ...] = SPLITS

    def annotation_paths(self, root: Path, split: str) -> list[Path]:
        return [root / name.format(split=split) for name in self.files] if split in self.splits else []

    def image_folders(self, root: Path, split: str) -> tuple[Path, ...]:
        return tuple(root / name.format(split=split) for name in self.folders)


SPLIT_LAYOUTS = (
    Layout(("{split}/annotations.json", "{split}/_annotations.coco.json"), ("{split}", "{split}/images")),
    Layout(
        ("annotations/instances_{split}.json", "annotations/instances_{split}2017.json"),
        ("{split}", "{split}2017", "images/{split}", "images/{split}2017"),
    ),
    Layout(("annotations/instances_default.json",), ("images",), ("train",)),
)


def annotation_files(root: Path) -> dict[str, tuple[Path, Layout]]:
    """Each split's annotation file, from the first layout that has one, with that layout."""
    found = {}
    for split in SPLITS:
        for layout in SPLIT_LAYOUTS:
            path = next((p for p in layout.annotation_paths(root, split) if is_file(p)), None)
            if path is not None:
                found[split] = (path, layout)
                break
    return found


def matches(root: Path) -> bool:
    return bool(annotation_files(root))


@dataclass
class CocoFile:
    path: Path
    folders: tuple[Path, ...]
    """Where its images are looked up, in order."""
    images: dict[int | str, dict] = field(default_factory=dict)
    """Valid image entries by id, in file order."""
    annotations: list[dict] = field(default_factory=list)
    categories: list[tuple[int, str]] = field(default_factory=list)
    """(id, name), ascending id."""


def read_files(root: Path) -> tuple[dict[str, CocoFile], list[DatasetIssue]]:
    """Each split's file (those that are not COCO left out) and what is wrong with them, a train
    image folder without its annotation file included."""
    files: dict[str, CocoFile] = {}
    issues: list[DatasetIssue] = []
    found = annotation_files(root)
    for split, (path, layout) in found.items():
        parsed, file_issues = read_file(path, layout.image_folders(root, split))
        issues.extend(file_issues)
        if parsed is not None:
            files[split] = parsed
    if "train" not in found:
        issues.extend(_missing_train(root, [layout for _, layout in found.values()]))
    return files, issues


def _missing_train(root: Path, layouts: list[Layout]) -> list[DatasetIssue]:
    """A train image folder, in a layout the other splits use, whose annotation file is not there."""
    for layout in dict.fromkeys(layouts):
        folder = next((f for f in layout.image_folders(root, "train") if f.is_dir()), None)
        if folder is not None:
            expected = layout.annotation_paths(root, "train")
            names = " or ".join(relative(p, root) for p in expected)
            message = f"no annotation file for the images in {relative(folder, root)}/: expected {names}"
            return [issue("bad_annotations", message, expected[0])]
    return []


def read_file(path: Path, folders: tuple[Path, ...]) -> tuple[CocoFile | None, list[DatasetIssue]]:
    """The file's valid parts and what is wrong with the rest (``bad_annotations``); None when
    the file is not COCO at all. ``folders``: where its images are."""
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, RecursionError, OSError) as exc:
        return _not_coco(path, f"not valid JSON: {str(exc)[:300]}")
    if not isinstance(data, dict):
        return _not_coco(path, "not COCO: the top level is not an object")
    images, annotations, categories = data.get("images"), data.get("annotations", []), data.get("categories", [])
    if not isinstance(images, list) or not isinstance(annotations, list) or not isinstance(categories, list):
        return _not_coco(path, "not COCO: 'images' (and 'annotations', 'categories' where given) must be lists")
    parsed = CocoFile(path, folders)
    for category in categories:
        cid, name = (category.get("id"), category.get("name")) if isinstance(category, dict) else (None, None)
        if not isinstance(cid, int) or isinstance(cid, bool) or not isinstance(name, str):
            return _not_coco(path, f"not COCO: category {shown(category)} needs an integer id and a name")
        if any(cid == known for known, _ in parsed.categories):
            return _not_coco(path, f"not COCO: category id {cid} is given twice")
        parsed.categories.append((cid, name))
    parsed.categories.sort()
    issues = []
    for entry in images:
        problem = _image_entry_problem(entry)
        if problem:
            issues.append(issue("bad_annotations", f"image entry {shown(entry)}: {problem}", path))
        else:
            parsed.images.setdefault(entry["id"], entry)
    for annotation in annotations:
        if isinstance(annotation, dict):
            parsed.annotations.append(annotation)
        else:
            issues.append(issue("bad_annotations", f"annotation {shown(annotation)} is not an object", path))
    return parsed, issues


def _not_coco(path: Path, message: str) -> tuple[None, list[DatasetIssue]]:
    return None, [issue("bad_annotations", message, path)]


def _image_entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "is not an object"
    if isinstance(entry.get("id"), bool) or not isinstance(entry.get("id"), int | str):
        return "has no integer or string id"
    name = entry.get("file_name")
    if not isinstance(name, str) or not name.strip():
        return "has no file_name"
    if "\x00" in name or name.startswith(("/", "~")) or ".." in PurePosixPath(name).parts:
        return f"file_name {name[:100]!r} leads outside the split folder"
    return None


def image_path(folders: tuple[Path, ...], file_name: str) -> Path | None:
    return next((folder / file_name for folder in folders if is_file(folder / file_name)), None)


def class_names(files: dict[str, CocoFile]) -> list[tuple[int, str]]:
    """Categories of train's file, else of the first split read."""
    source = files.get("train") or next(iter(files.values()), None)
    return source.categories if source else []


def load(root: Path, task: str, verify: bool) -> TaskData:
    files, issues = read_files(root)
    categories = class_names(files)
    index = {cid: i for i, (cid, _) in enumerate(categories)}
    names = [name for _, name in categories]
    target = task_spec(task).target
    classes = ["background", *names] if target == "mask" else names
    data = TaskData(task, "coco", root, classes)
    counts: dict[str, dict[str, int]] = {}
    for split, parsed in files.items():
        samples, split_issues = _read_split(parsed, root, index, _SAMPLES[target], verify)
        data.splits[split] = samples
        issues.extend(split_issues)
        counts[split] = {"images": len(samples)} if target == "mask" else box_counts(samples, names)
    data.report = DatasetReport(root=str(root), task=task, format="coco", classes=classes, counts=counts, issues=issues)
    return data


SampleBuilder = Callable[[Path, tuple[int, int], list[dict], dict[int, int]], tuple[Any, list[DatasetIssue]]]


def _read_split(
    parsed: CocoFile, root: Path, index: dict[int, int], build: SampleBuilder, verify: bool
) -> tuple[list[Any], list[DatasetIssue]]:
    present = [f for f in parsed.folders if f.is_dir()]
    if not present:
        where = " or ".join(f"{relative(f, root)}/" for f in parsed.folders)
        message = f"no image folder for {relative(parsed.path, root)}: expected {where}"
        return [], [issue("bad_annotations", message, parsed.path)]
    by_image, issues = annotations_by_image(parsed)
    entries = list(parsed.images.values())
    paths = [image_path(parsed.folders, e["file_name"]) for e in entries]
    probes = parallel(lambda pair: _size(*pair, verify), zip(entries, paths, strict=True))
    samples: list[Any] = []
    searched = " or ".join(f"{relative(f, root)}/" for f in present)
    for entry, path, found in zip(entries, paths, probes, strict=True):
        if path is None:
            where = present[0] / entry["file_name"]
            issues.append(issue("missing_image", f"image {entry['file_name']!r} is not in {searched}", where))
            continue
        if found.size is None:
            issues.append(corrupt(path, found.problem))
            continue
        sample, sample_issues = build(path, found.size, by_image.get(entry["id"], []), index)
        samples.append(sample)
        issues.extend(sample_issues)
    return samples, issues


def annotations_by_image(parsed: CocoFile) -> tuple[dict[int | str, list[dict]], list[DatasetIssue]]:
    """The file's annotations by the id of their image; those naming no image of the file are issues."""
    by_image: dict[int | str, list[dict]] = defaultdict(list)
    issues: list[DatasetIssue] = []
    for annotation in parsed.annotations:
        image_id = annotation.get("image_id")
        if isinstance(image_id, int | str) and not isinstance(image_id, bool) and image_id in parsed.images:
            by_image[image_id].append(annotation)
        else:
            what = f"annotation {shown(annotation.get('id'))} names image id {shown(image_id)}"
            issues.append(issue("missing_image", f"{what}, not in the file", parsed.path))
    return by_image, issues


def _size(entry: dict, path: Path | None, verify: bool) -> Probe:
    if path is None:
        return Probe()
    if verify:
        return probe(path, decode=True)
    size = valid_size(entry.get("width"), entry.get("height"))
    return Probe(size=size) if size else probe(path, decode=False)


def _category(annotation: dict, index: dict[int, int], path: Path) -> tuple[int | None, DatasetIssue | None]:
    category = annotation.get("category_id")
    if isinstance(category, int) and not isinstance(category, bool) and category in index:
        return index[category], None
    message = f"annotation {shown(annotation.get('id'))}: category {shown(category)} is not a category of train"
    return None, issue("unknown_category", message, path)


def _labelled(
    annotations: list[dict], index: dict[int, int], path: Path, issues: list[DatasetIssue], crowds: bool
) -> Iterator[tuple[dict, int]]:
    """Each annotation of a known category with its class index (crowd annotations left out unless ``crowds``);
    an unknown category goes to ``issues``."""
    for annotation in annotations:
        if not crowds and annotation.get("iscrowd") in (1, True):
            continue
        label, problem = _category(annotation, index, path)
        if problem:
            issues.append(problem)
        else:
            yield annotation, label  # type: ignore[misc]


def detection_sample(
    path: Path, size: tuple[int, int], annotations: list[dict], index: dict[int, int]
) -> tuple[DetectionSample, list[DatasetIssue]]:
    """The image's boxes fitted to ``size`` with their class indexes (``index``: category id to
    index), crowd annotations left out, and what is wrong with the annotations left out."""
    boxes, labels, issues = [], [], []
    for annotation, label in _labelled(annotations, index, path, issues, crowds=False):
        box, problem = _box(annotation, size, path)
        if problem:
            issues.append(problem)
        if box is not None:
            boxes.append(box)
            labels.append(label)
    return DetectionSample(path, tuple(boxes), tuple(labels)), issues  # type: ignore[arg-type]


def _box(annotation: dict, size: tuple[int, int], path: Path) -> tuple[Box | None, DatasetIssue | None]:
    """The annotation's ``bbox`` as ``x1, y1, x2, y2`` fitted to the image, and what is wrong with it."""
    where = f"annotation {shown(annotation.get('id'))}"
    bbox = annotation.get("bbox")
    values = [number(v) for v in bbox] if isinstance(bbox, list) and len(bbox) == 4 else [None]
    if any(v is None for v in values):
        return None, issue("bad_box", f"{where}: bbox {shown(bbox)} is not four numbers x, y, w, h", path)
    x, y, w, h = values  # type: ignore[misc]
    box, kind, why = fit_box((x, y, x + w, y + h), size)
    return box, issue(kind, f"{where}: {why}", path) if kind else None


def _segmentation_sample(
    path: Path, size: tuple[int, int], annotations: list[dict], index: dict[int, int]
) -> tuple[SegmentationSample, list[DatasetIssue]]:
    shapes, issues = [], []
    for annotation, label in _labelled(annotations, index, path, issues, crowds=True):
        shape, kind, why = clean_segmentation(annotation.get("segmentation"), *size)
        if kind:
            issues.append(issue(kind, f"annotation {shown(annotation.get('id'))}: {why}", path))
        if shape is not None:
            shapes.append((label + 1, shape))  # type: ignore[operator]
    return SegmentationSample(path, polygons=tuple(shapes), size=size), issues


def instance_sample(
    path: Path, size: tuple[int, int], annotations: list[dict], index: dict[int, int]
) -> tuple[InstanceSample, list[DatasetIssue]]:
    """Each object's shape, class index and box (its ``bbox``, or the shape's bounds when it has none);
    crowd annotations left out, as for detection."""
    boxes, labels, shapes, issues = [], [], [], []
    for annotation, label in _labelled(annotations, index, path, issues, crowds=False):
        where = f"annotation {shown(annotation.get('id'))}"
        shape, kind, why = clean_segmentation(annotation.get("segmentation"), *size)
        if kind:
            issues.append(issue(kind, f"{where}: {why}", path))
        if shape is None:
            continue
        box, problem = (
            (shape_box(shape, *size), None) if annotation.get("bbox") is None else _box(annotation, size, path)
        )
        if problem:
            issues.append(problem)
        if box is not None:
            boxes.append(box)
            labels.append(label)
            shapes.append(shape)
    return InstanceSample(path, tuple(boxes), tuple(labels), tuple(shapes), size), issues  # type: ignore[arg-type]


_SAMPLES: dict[str, SampleBuilder] = {
    "boxes": detection_sample,
    "mask": _segmentation_sample,
    "instances": instance_sample,
}
"""The sample a COCO file gives a task, by what the task's truth is (``TaskSpec.target``)."""
