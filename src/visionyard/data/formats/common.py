"""Pieces every reader shares: issues by kind, image probes, file listings, class-name files, boxes."""

from __future__ import annotations

import math
import os
import reprlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from PIL import Image

from visionyard.data.checks import DatasetIssue
from visionyard.data.formats.samples import Box, DetectionSample
from visionyard.data.image_folder import IMAGE_SUFFIXES, SPLITS

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

# kind -> (severity, skippable): the table in docs/datasets.md
KINDS: dict[str, tuple[str, bool]] = {
    "corrupt_image": ("error", True),
    "missing_image": ("error", True),
    "bad_box": ("error", True),
    "clipped_box": ("warning", False),
    "unknown_category": ("error", True),
    "bad_label_line": ("error", True),
    "mask_size": ("error", True),
    "mask_values": ("error", True),
    "missing_mask": ("error", True),
    "unpaired": ("error", True),
    "empty": ("error", False),
    "bad_annotations": ("error", False),
    "non_image": ("warning", False),
}
EDGE_TOLERANCE = 1.0
"""Pixels a box may overshoot its image (rounding in exports) before the clip is reported."""
MAX_PIXELS = 1 << 30
"""Largest width x height taken from an annotation file for an image that is not opened."""


def issue(kind: str, message: str, path: Path | str | None = None) -> DatasetIssue:
    severity, skippable = KINDS[kind]
    return DatasetIssue(
        severity=severity,  # type: ignore[arg-type]
        kind=kind,
        message=message,
        path=None if path is None else str(path),
        skippable=skippable,
    )


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 60, 60


def shown(value: object) -> str:
    """A JSON value for a message, kept short however large it is."""
    if isinstance(value, str):
        return value[:60]
    if isinstance(value, bool | float) or value is None or (isinstance(value, int) and abs(value) < 10**60):
        return str(value)
    return _REPR.repr(value)


def parallel(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]`` on a few threads (decoding releases the GIL), in order."""
    items = list(items)
    if len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 4)) as pool:
        return list(pool.map(fn, items))


def read_samples(
    read: Callable[[T], tuple[S | None, list[DatasetIssue]]], jobs: Iterable[T], issues: list[DatasetIssue]
) -> list[S]:
    """Run ``read`` over ``jobs`` in parallel; keep the samples it accepts, add its issues to ``issues``."""
    samples = []
    for sample, sample_issues in parallel(read, jobs):
        issues.extend(sample_issues)
        if sample is not None:
            samples.append(sample)
    return samples


def box_counts(samples: Iterable[DetectionSample], classes: list[str]) -> dict[str, int]:
    """Annotations per class, for a detection report."""
    counts = dict.fromkeys(classes, 0)
    for sample in samples:
        for label in sample.labels:
            counts[classes[label]] += 1
    return counts


@dataclass(frozen=True)
class Probe:
    size: tuple[int, int] | None = None
    """(width, height), when the file opened."""
    problem: str | None = None
    mode: str | None = None


def probe(path: Path, decode: bool) -> Probe:
    """Open ``path`` (header only, or fully when ``decode``); decompression bombs are problems."""
    try:
        with Image.open(path) as image:
            if decode:
                image.load()
            return Probe(size=image.size, mode=image.mode)
    except Exception as exc:  # anything Pillow raises on a bad file
        return Probe(problem=f"{type(exc).__name__}: {exc}")


def corrupt(path: Path, problem: str | None) -> DatasetIssue:
    return issue("corrupt_image", f"cannot decode image: {problem}", path)


def splits_with(root: Path, *parts: str) -> list[str]:
    """The splits whose ``<root>/<split>/<part>`` folders all exist."""
    return [s for s in SPLITS if all((root / s / p).is_dir() for p in parts)]


def list_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(images, other files) under ``folder``, sorted, hidden files and folders left out."""
    images, others = [], []
    if not folder.is_dir():
        return images, others
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if any(p.startswith(".") for p in relative) or not path.is_file():
            continue
        (images if path.suffix.lower() in IMAGE_SUFFIXES else others).append(path)
    return images, others


def relative(path: Path, root: Path) -> str:
    """``path`` below ``root``, ``/``-separated, for a message."""
    return path.relative_to(root).as_posix()


def is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name the system refuses (too long, ...)."""
    try:
        return path.is_file()
    except OSError:
        return False


def has_image(folder: Path) -> bool:
    """Whether ``folder`` holds an image file somewhere; stops at the first."""
    if not folder.is_dir():
        return False
    for _dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if any(not f.startswith(".") and Path(f).suffix.lower() in IMAGE_SUFFIXES for f in filenames):
            return True
    return False


def non_image_issues(paths: Iterable[Path]) -> list[DatasetIssue]:
    return [issue("non_image", "not an image file; skipped", p) for p in paths]


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def class_lines(path: Path) -> list[str]:
    """``classes.txt``: line *i* names class *i*; ``ValueError`` for a blank line among them."""
    lines = [line.strip() for line in read_text(path).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    for number, line in enumerate(lines, 1):
        if not line:
            raise ValueError(f"line {number} is empty (line i names class i)")
    if not lines:
        raise ValueError("it names no class")
    return lines


def read_yaml(path: Path) -> object:
    """A YAML file's content; ``ValueError`` when it is not YAML."""
    try:
        return yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {str(exc)[:300]}") from None


def yaml_names(data: object) -> list[str]:
    """The ``names:`` of a YOLO ``data.yaml``'s content: a list, or a ``{id: name}`` map with ids 0..K-1."""
    names = data.get("names") if isinstance(data, dict) else None
    if isinstance(names, dict):
        try:
            ids = sorted(int(k) for k in names if not isinstance(k, bool))
        except (TypeError, ValueError):
            raise ValueError("names: ids must be integers") from None
        if len(ids) != len(names) or ids != list(range(len(ids))):
            raise ValueError("names: ids must be 0..K-1, each once")
        names = [names.get(i, names.get(str(i))) for i in ids]
    if not isinstance(names, list) or not names:
        raise ValueError("no names: list or {id: name} map")
    if not all(isinstance(n, str | int | float) and not isinstance(n, bool) for n in names):
        raise ValueError("names must be strings")
    return [str(n) for n in names]


def number(value: object) -> float | None:
    """A JSON number as float (bools and non-numbers are None)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an int too large for a float
        return math.inf


def fit_box(box: Box, size: tuple[int, int]) -> tuple[Box | None, str | None, str | None]:
    """(box clipped to the image, issue kind, why): ``bad_box`` leaves it out, ``clipped_box`` warns."""
    x1, y1, x2, y2 = box
    width, height = size
    if not all(math.isfinite(v) for v in box):
        return None, "bad_box", f"box {_show(box)} is not finite"
    if x2 <= x1 or y2 <= y1:
        return None, "bad_box", f"box {_show(box)} has no area"
    if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
        return None, "bad_box", f"box {_show(box)} lies outside the {width}x{height} image"
    clipped = (max(x1, 0.0), max(y1, 0.0), min(x2, float(width)), min(y2, float(height)))
    over = max(-x1, -y1, x2 - width, y2 - height)
    if over > EDGE_TOLERANCE:
        return clipped, "clipped_box", f"box {_show(box)} is clipped to the {width}x{height} image"
    return clipped, None, None


def _show(box: Box) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in box) + ")"


def valid_size(width: object, height: object) -> tuple[int, int] | None:
    """An annotation file's image size, if it is two positive ints of a sane product."""
    if isinstance(width, bool) or isinstance(height, bool):
        return None
    if isinstance(width, int) and isinstance(height, int) and 0 < width * height <= MAX_PIXELS and width > 0:
        return width, height
    return None
