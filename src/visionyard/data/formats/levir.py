"""LEVIR-CD change detection: ``<split>/A/*`` (before), ``<split>/B/*`` (after), ``<split>/label/*``.

Files pair up by their path below ``A/``, ``B/`` and ``label/`` without the extension. A label
is an image of the pair's size, read as grey: ``0`` unchanged, ``255`` or ``1`` changed.
"""

from __future__ import annotations

from pathlib import Path

from visionyard.common.tasks import CHANGE_CLASSES
from visionyard.data.checks import DatasetIssue, DatasetReport
from visionyard.data.formats.common import corrupt, issue, list_files, non_image_issues, parallel, probe, splits_with
from visionyard.data.formats.masks import mask_problem
from visionyard.data.formats.samples import ChangeSample, TaskData

PARTS = ("A", "B", "label")


def matches(root: Path) -> bool:
    return bool(splits_with(root, *PARTS))


def pairs(split_dir: Path) -> tuple[dict[str, dict[str, Path]], list[Path]]:
    """{key: {part: file}} for every image under A/, B/, label/ (key: path without extension),
    and the files that are not images."""
    found: dict[str, dict[str, Path]] = {}
    others: list[Path] = []
    for part in PARTS:
        images, rest = list_files(split_dir / part)
        others.extend(rest)
        for image in images:
            key = image.relative_to(split_dir / part).with_suffix("").as_posix()
            found.setdefault(key, {}).setdefault(part, image)
    return dict(sorted(found.items())), others


def load(root: Path, task: str, verify: bool) -> TaskData:
    data = TaskData(task, "levir_cd", root, list(CHANGE_CLASSES))
    issues: list[DatasetIssue] = []
    counts: dict[str, dict[str, int]] = {}
    for split in splits_with(root, *PARTS):
        found, others = pairs(root / split)
        issues.extend(non_image_issues(others))
        complete = []
        for parts in found.values():
            missing = [p for p in PARTS if p not in parts]
            if missing:
                there = next(iter(parts.values()))
                where = ", ".join(f"{p}/" for p in missing)
                issues.append(issue("unpaired", f"{there.name} has no partner in {where}", there))
            else:
                complete.append(ChangeSample(parts["A"], parts["B"], parts["label"]))
        if verify:
            samples = []
            for sample, problems in zip(complete, parallel(_problems, complete), strict=True):
                issues.extend(problems)
                if not problems:
                    samples.append(sample)
        else:
            samples = complete
        data.splits[split] = samples
        counts[split] = {"images": len(samples)}
    data.report = DatasetReport(
        root=str(root), task=task, format="levir_cd", classes=data.classes, counts=counts, issues=issues
    )
    return data


def _problems(sample: ChangeSample) -> list[DatasetIssue]:
    before, after = probe(sample.before, decode=True), probe(sample.after, decode=True)
    problems = [corrupt(p, f.problem) for p, f in ((sample.before, before), (sample.after, after)) if f.problem]
    if problems or before.size is None or after.size is None:
        return problems
    if before.size != after.size:
        shown = f"B is {after.size[0]}x{after.size[1]}, A {before.size[0]}x{before.size[1]}"
        return [issue("mask_size", shown, sample.after)]
    problem = mask_problem(sample.label, before.size, len(CHANGE_CLASSES), grey=True)
    return [problem] if problem else []
