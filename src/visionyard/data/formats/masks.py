"""Mask folders for segmentation: ``<split>/images/*`` + ``<split>/masks/<stem>.png``, ``classes.txt``.

A mask is a single-band PNG (mode ``L`` or ``P``) of the image's size whose pixel values are
class indexes (line *i* of ``classes.txt`` names class *i*); ``255`` is ignored by training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from visionyard.data.checks import DatasetIssue, DatasetReport
from visionyard.data.formats.common import (
    class_lines,
    corrupt,
    issue,
    list_files,
    non_image_issues,
    probe,
    read_samples,
    splits_with,
)
from visionyard.data.formats.samples import IGNORE_INDEX, SegmentationSample, TaskData

SINGLE_BAND = frozenset({"1", "L", "P", "I", "I;16", "I;16B", "I;16L"})


def matches(root: Path) -> bool:
    return bool(splits_with(root, "images", "masks"))


def mask_path(split_dir: Path, image: Path) -> Path:
    return split_dir / "masks" / image.relative_to(split_dir / "images").with_suffix(".png")


def read_classes(root: Path) -> tuple[list[str], DatasetIssue | None]:
    path = root / "classes.txt"
    if not path.is_file():
        return [], issue("bad_annotations", "no classes.txt (line i names class i, background first)", root)
    try:
        return class_lines(path), None
    except (ValueError, OSError) as exc:
        return [], issue("bad_annotations", f"classes.txt: {exc}", path)


def load(root: Path, task: str, verify: bool) -> TaskData:
    classes, problem = read_classes(root)
    data = TaskData(task, "masks", root, classes)
    issues: list[DatasetIssue] = [problem] if problem else []
    counts: dict[str, dict[str, int]] = {}
    if not problem:
        for split in splits_with(root, "images", "masks"):
            images, others = list_files(root / split / "images")
            issues.extend(non_image_issues(others))
            jobs = [(image, mask_path(root / split, image), len(classes), verify) for image in images]
            samples = read_samples(_read_one, jobs, issues)
            data.splits[split] = samples
            counts[split] = {"images": len(samples)}
    data.report = DatasetReport(
        root=str(root), task=task, format="masks", classes=classes, counts=counts, issues=issues
    )
    return data


def _read_one(job: tuple[Path, Path, int, bool]) -> tuple[SegmentationSample | None, list[DatasetIssue]]:
    image, mask, n_classes, verify = job
    if not mask.is_file():
        return None, [issue("missing_mask", f"no mask {mask.name} for this image", image)]
    if not verify:
        return SegmentationSample(image, mask=mask), []
    found = probe(image, decode=True)
    if found.size is None:
        return None, [corrupt(image, found.problem)]
    problem = mask_problem(mask, found.size, n_classes)
    if problem:
        return None, [problem]
    return SegmentationSample(image, mask=mask), []


def mask_problem(mask: Path, size: tuple[int, int], n_classes: int, grey: bool = False) -> DatasetIssue | None:
    """What is wrong with a class-index mask for an image of ``size``: it does not decode, it is not
    one band (``grey``: colour is read as grey), another size, or has values beyond
    ``0..n_classes-1`` other than 255."""
    try:
        with Image.open(mask) as opened:
            opened.load()
            mode, mask_size = opened.mode, opened.size
            readable = opened if mode in SINGLE_BAND else opened.convert("L") if grey else None
            pixels = None if readable is None else np.asarray(readable)
    except Exception as exc:  # anything Pillow raises on a bad file
        return corrupt(mask, f"{type(exc).__name__}: {exc}")
    if pixels is None:
        return issue("mask_values", f"mask is mode {mode}, not a single band (L or P)", mask)
    if mask_size != size:
        where = f"{mask_size[0]}x{mask_size[1]}, its image {size[0]}x{size[1]}"
        return issue("mask_size", f"mask is {where}", mask)
    found = np.unique(pixels.astype(np.int64))
    beyond = [int(v) for v in found if (v < 0 or v >= n_classes) and v != IGNORE_INDEX]
    if beyond:
        shown = ", ".join(str(v) for v in beyond[:10])
        return issue("mask_values", f"mask has values beyond classes 0..{n_classes - 1} (and 255): {shown}", mask)
    return None
