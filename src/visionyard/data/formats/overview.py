"""A cheap look at a dataset of a structured format, for listings: classes, counts, images to show,
and the boxes of the images of detection formats.

No image is opened; annotation files (COCO JSON, YOLO label files, class-name files) are read,
and a file that cannot be is taken as empty (the full check, ``formats.load``, reports why).
Boxes are read by the readers' own code; an annotation they leave out is left out here too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from visionyard.common.tasks import CHANGE_CLASSES, TASKS, format_tasks
from visionyard.data.formats import coco, levir, masks, yolo
from visionyard.data.formats.common import is_file, list_files, read_text, splits_with, valid_size
from visionyard.data.formats.samples import Box

BoxLookup = Callable[[Path], list[tuple[str, Box]]]
"""An image's boxes (a path of ``Overview.shown``): class name and ``x1, y1, x2, y2`` as fractions
of the image's width and height."""


@dataclass
class Overview:
    format: str
    tasks: list[str]
    classes: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """Annotations per class (detection formats) or ``{"images": n}``, by split."""
    shown: dict[str, list[list[Path]]] = field(default_factory=dict)
    """By split, the files to show for each sample (one image, or before and after)."""
    non_images: int = 0
    boxes: BoxLookup | None = None
    """Detection formats: the boxes of an image, read when asked for."""

    @property
    def image_count(self) -> int:
        return sum(len(entries) for entries in self.shown.values())


def overview(root: Path, name: str) -> Overview:
    """``root`` seen as format ``name`` (not ``image_folder``: the catalog scans that itself)."""
    return {"coco": _coco, "yolo": _yolo, "masks": _masks, "levir_cd": _levir}[name](root)


def _coco(root: Path) -> Overview:
    files, _ = coco.read_files(root)
    categories = coco.class_names(files)
    names = dict(categories)
    view = Overview("coco", format_tasks()["coco"], [name for _, name in categories])
    folders: dict[str, Path] = {}
    view.boxes = _coco_boxes(files, folders, categories)
    has_box = has_shape = False
    for split, parsed in files.items():
        found: Counter[str] = Counter()
        for annotation in parsed.annotations:
            category = annotation.get("category_id")
            if isinstance(category, int) and category in names:
                found[names[category]] += 1
            has_box = has_box or bool(annotation.get("bbox"))
            has_shape = has_shape or bool(annotation.get("segmentation"))
        view.counts[split] = {name: found[name] for name in view.classes}
        entries = [e["file_name"] for e in parsed.images.values()]
        folder = next((f for f in parsed.folders if entries and is_file(f / entries[0])), parsed.folders[0])
        folders[split] = folder
        view.shown[split] = [[folder / e] for e in entries]
    if has_box != has_shape:  # a dataset of boxes only, or of shapes only
        view.tasks = [t for t in view.tasks if (TASKS[t].target == "boxes") == has_box]
    return view


def _coco_boxes(
    files: dict[str, coco.CocoFile], folders: dict[str, Path], categories: list[tuple[int, str]]
) -> BoxLookup:
    """Boxes of an image from its entry's size and annotations (an entry without a size has none:
    the image is not opened to learn it); the index of images is built on the first call."""
    index = {cid: i for i, (cid, _) in enumerate(categories)}
    names = [name for _, name in categories]
    images: dict[Path, tuple[dict, list[dict]]] = {}

    def lookup(image: Path) -> list[tuple[str, Box]]:
        if not images:
            images.update(_coco_images(files, folders))
        entry, annotations = images.get(image, ({}, []))
        size = valid_size(entry.get("width"), entry.get("height"))
        if size is None:
            return []
        sample, _ = coco.detection_sample(image, size, annotations, index)
        return [(names[label], _fractions(box, size)) for box, label in zip(sample.boxes, sample.labels, strict=True)]

    return lookup


def _coco_images(files: dict[str, coco.CocoFile], folders: dict[str, Path]) -> dict[Path, tuple[dict, list[dict]]]:
    """Each image path of ``Overview.shown`` with its entry and annotations (the first entry of a path)."""
    found: dict[Path, tuple[dict, list[dict]]] = {}
    for split, parsed in files.items():
        by_image, _ = coco.annotations_by_image(parsed)
        for image_id, entry in parsed.images.items():
            found.setdefault(folders[split] / entry["file_name"], (entry, by_image.get(image_id, [])))
    return found


def _fractions(box: Box, size: tuple[int, int]) -> Box:
    width, height = size
    x1, y1, x2, y2 = box
    return round(x1 / width, 6), round(y1 / height, 6), round(x2 / width, 6), round(y2 / height, 6)


def _yolo(root: Path) -> Overview:
    classes, _ = yolo.read_names(root)
    view = Overview("yolo", format_tasks()["yolo"], classes)
    folders = yolo.split_folders(root)
    for split, (images, labels) in folders.items():
        files, others = list_files(images)
        view.non_images += len(others)
        view.shown[split] = [[f] for f in files]
        found: Counter[int] = Counter()
        for label_file in sorted(labels.rglob("*.txt")) if labels.is_dir() else []:
            try:
                found.update(_line_classes(read_text(label_file)))
            except OSError:
                continue
        view.counts[split] = {name: found[i] for i, name in enumerate(classes)}
    view.boxes = _yolo_boxes(folders, classes)
    return view


def _yolo_boxes(folders: dict[str, tuple[Path, Path]], classes: list[str]) -> BoxLookup:
    """Boxes of an image from its label file, read as fractions (no class names: no boxes)."""

    def lookup(image: Path) -> list[tuple[str, Box]]:
        for images, labels in folders.values():
            if not image.is_relative_to(images):
                continue
            try:
                boxes, found, _ = yolo.read_labels(yolo.label_path(images, labels, image), (1, 1), len(classes))
            except OSError:  # a label path the system refuses
                return []
            return [(classes[c], _fractions(box, (1, 1))) for box, c in zip(boxes, found, strict=True)]
        return []

    return lookup


def _line_classes(text: str) -> list[int]:
    classes = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 5 and fields[0].isdigit():
            classes.append(int(fields[0]))
    return classes


def _masks(root: Path) -> Overview:
    classes, _ = masks.read_classes(root)
    view = Overview("masks", format_tasks()["masks"], classes)
    for split in splits_with(root, "images", "masks"):
        files, others = list_files(root / split / "images")
        view.non_images += len(others)
        view.shown[split] = [[f] for f in files]
        view.counts[split] = {"images": len(files)}
    return view


def _levir(root: Path) -> Overview:
    view = Overview("levir_cd", format_tasks()["levir_cd"], list(CHANGE_CLASSES))
    for split in splits_with(root, *levir.PARTS):
        found, others = levir.pairs(root / split)
        view.non_images += len(others)
        view.shown[split] = [[parts["A"], parts["B"]] for parts in found.values() if len(parts) == len(levir.PARTS)]
        view.counts[split] = {"images": len(view.shown[split])}
    return view
