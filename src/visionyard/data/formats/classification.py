"""Image folders (``<root>/[train|val|test/]<class>/*``) as ``ClassSample`` lists.

The check is ``checks.check_image_folder``; no validation split is carved out here (the engine
does that from ``train`` when ``val`` is absent).
"""

from __future__ import annotations

from pathlib import Path

from visionyard.data.checks import check_image_folder
from visionyard.data.formats.common import has_image
from visionyard.data.formats.samples import ClassSample, TaskData


def matches(root: Path) -> bool:
    """Class folders with an image in ``train/`` (or in the root, without ``train/``)."""
    split_root = root / "train" if (root / "train").is_dir() else root
    try:
        return any(has_image(d) for d in sorted(split_root.iterdir()) if d.is_dir() and not d.name.startswith("."))
    except OSError:
        return False


def load(root: Path, task: str, verify: bool) -> TaskData:
    report, scan = check_image_folder(root, decode=verify)
    report.task, report.format = task, "image_folder"
    data = TaskData(task=task, format="image_folder", root=root, classes=list(report.classes), report=report)
    if scan is None:
        return data
    index = {name: i for i, name in enumerate(scan.classes)}
    invalid = report.invalid_files
    for split, classes in scan.files.items():
        data.splits[split] = [
            ClassSample(path, index[name])
            for name, paths in sorted(classes.items())
            if name in index
            for path in paths
            if str(path) not in invalid
        ]
    return data
