"""Browsing evaluations (validation epochs and test runs): reports, filtered per-image records, images
drawn with ground truth beside prediction, downloads and side-by-side comparison. Torch-free."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from visionyard.common.errors import NotFound
from visionyard.common.statuses import JobStatus
from visionyard.common.tasks import task_spec
from visionyard.core import jobs as core_jobs
from visionyard.core.runs import get_run
from visionyard.data import drawing, rle
from visionyard.db.models import Job, Run
from visionyard.schemas.evaluations import (
    ComparedMetric,
    ComparedTest,
    EvaluationReport,
    RunBestEpoch,
    TestComparison,
    TestDetail,
    TestPublic,
    ValidationEpoch,
)
from visionyard.services import datasets
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.evaluation_folder import EvaluationFolder
from visionyard.storage.paths import inside
from visionyard.storage.run_folder import RunFolder

if TYPE_CHECKING:
    from visionyard.core.context import Context

SortKey = Literal["index", "confidence", "loss", "iou"]
ImagePart = Literal["image", "before", "truth_mask", "mask"]
"""What a record's images are: the image, change detection's before image, and class-index masks."""
CSV_SKIPPED = ("probabilities", "truth", "prediction", "matched", "best_iou")


class EvaluationNotFound(NotFound):
    code = "evaluation_not_found"


@dataclass
class RecordFilter:
    correct: bool | None = None
    class_name: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    sort: SortKey = "index"
    descending: bool = False

    def matches(self, record: dict[str, Any]) -> bool:
        confidence = record.get("confidence")
        return (
            (self.correct is None or record["correct"] == self.correct)
            and (self.class_name is None or self.class_name in record["classes"])
            and (self.min_confidence is None or (confidence is not None and confidence >= self.min_confidence))
            and (self.max_confidence is None or (confidence is not None and confidence <= self.max_confidence))
        )

    def apply(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        chosen = [r for r in records if self.matches(r)]
        present = [r for r in chosen if r.get(self.sort) is not None]
        present.sort(key=lambda r: (r[self.sort], r["index"]), reverse=self.descending)
        return present + [r for r in chosen if r.get(self.sort) is None]


def list_validations(ctx: Context, session: Session, run_id: str) -> list[ValidationEpoch]:
    run = get_run(session, run_id)
    best = run.best_metrics.get("epoch")
    kept = _validation_here(ctx, run_id).validation_epochs()
    latest = kept[-1][0] if kept else None
    return [
        ValidationEpoch(epoch=epoch, best=epoch == best, latest=epoch == latest, metrics=report(folder)["metrics"])
        for epoch, folder in kept
    ]


def validation_folder(ctx: Context, session: Session, run_id: str, which: str) -> EvaluationFolder:
    """``latest``, ``best`` or an epoch number."""
    run = get_run(session, run_id)
    kept = dict(_validation_here(ctx, run_id).validation_epochs())
    if which == "latest":
        epoch = max(kept, default=None)
    elif which == "best":
        epoch = run.best_metrics.get("epoch")
    else:
        epoch = int(which) if which.isdecimal() else None
    if epoch is None or epoch not in kept:
        have = ", ".join(str(e) for e in sorted(kept)) or "none yet"
        raise EvaluationNotFound(
            f"run {run_id} has no validation results for {which!r}; kept epochs: {have} (and latest, best)"
        )
    return kept[epoch]


def test_folder(ctx: Context, session: Session, run_id: str, job_id: str) -> EvaluationFolder:
    job = core_jobs.get_job(session, run_id, job_id, "test")
    if job.status != JobStatus.COMPLETED:
        raise core_jobs.JobNotFinished(f"test {job_id} is {job.status}" + (f": {job.error}" if job.error else ""))
    return EvaluationFolder(artifact_store(ctx.settings).ensure_local(core_jobs.job_folder(ctx.settings, job)))


def _validation_here(ctx: Context, run_id: str) -> RunFolder:
    """The run's folder with the validation epochs the store has and this host lacks pulled (a run trained
    on another host, a cluster node)."""
    folder = RunFolder.of(ctx.settings.runs_dir, run_id)
    artifact_store(ctx.settings).ensure_local(folder.validation)
    return folder


def records(folder: EvaluationFolder, where: RecordFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    chosen = where.apply(_records(folder))
    return chosen[offset : offset + limit], len(chosen)


def record(folder: EvaluationFolder, index: int) -> dict[str, Any]:
    rows = _records(folder)
    if not 0 <= index < len(rows):
        raise EvaluationNotFound(f"no image {index}: the evaluation has {len(rows)}")
    return rows[index]


def render(
    ctx: Context, session: Session, run_id: str, folder: EvaluationFolder, index: int, score_threshold: float | None
) -> bytes:
    """PNG of one image: ground truth beside the prediction."""
    meta, row = report(folder), record(folder, index)
    run = get_run(session, run_id)
    threshold = meta["score_threshold"] if score_threshold is None else score_threshold
    shown = Shown(meta["classes"], threshold, lambda part: _open(_dataset_file(ctx, run, meta, row[part])), folder)
    return drawing.to_png(_RENDERERS[task_spec(meta["task"]).target](shown, row))


@dataclass(frozen=True)
class Shown:
    """What drawing a record needs: its classes, the score threshold, its images by part and its folder."""

    classes: list[str]
    threshold: float
    image: Callable[[str], Image.Image]
    folder: EvaluationFolder

    def mask(self, row: dict[str, Any], part: str) -> np.ndarray:
        return _mask(self.folder, row[part])


def _label(shown: Shown, row: dict[str, Any]) -> Image.Image:
    text = f"truth: {row['truth_name']}\npred: {row['class_name']} {row['confidence']:.2f}"
    return drawing.caption(shown.image("image"), text, ok=row["correct"])


def _boxes(shown: Shown, row: dict[str, Any]) -> Image.Image:
    image, classes, threshold = shown.image("image"), shown.classes, shown.threshold
    truth, found = row["truth"], row["prediction"]
    keep = [i for i, score in enumerate(found["scores"]) if score >= threshold]
    predicted = drawing.draw_boxes(
        image,
        [found["boxes"][i] for i in keep],
        [found["labels"][i] for i in keep],
        classes,
        [found["scores"][i] for i in keep],
    )
    panels = [("ground truth", drawing.draw_boxes(image, truth["boxes"], truth["labels"], classes))]
    return drawing.side_by_side([*panels, (f"prediction (score >= {threshold:g})", predicted)])


def _objects(shown: Shown, row: dict[str, Any]) -> Image.Image:
    image, classes, threshold = shown.image("image"), shown.classes, shown.threshold
    size = row["height"], row["width"]
    truth, found = row["truth"], row["prediction"]
    keep = [i for i, score in enumerate(found["scores"]) if score >= threshold]
    masks = rle.decode([found["masks"][i] for i in keep], *size)
    boxes, labels, scores = ([found[key][i] for i in keep] for key in ("boxes", "labels", "scores"))
    predicted = drawing.draw_objects(image, masks, boxes, labels, classes, scores)
    expected = drawing.draw_objects(image, rle.decode(truth["masks"], *size), truth["boxes"], truth["labels"], classes)
    return drawing.side_by_side([("ground truth", expected), (f"prediction (score >= {threshold:g})", predicted)])


def _mask_panels(shown: Shown, row: dict[str, Any]) -> Image.Image:
    image, count = shown.image("image"), len(shown.classes)
    panels = [
        ("image", image),
        ("ground truth", drawing.overlay_mask(image, shown.mask(row, "truth_mask"), count)),
        ("prediction", drawing.overlay_mask(image, shown.mask(row, "mask"), count)),
    ]
    return drawing.side_by_side(panels)


def _change(shown: Shown, row: dict[str, Any]) -> Image.Image:
    image = shown.image("image")
    panels = [
        ("before", shown.image("before")),
        ("after", image),
        ("true change", drawing.overlay_mask(image, shown.mask(row, "truth_mask"), 2)),
        ("predicted change", drawing.overlay_mask(image, shown.mask(row, "mask"), 2)),
    ]
    return drawing.side_by_side(panels)


_RENDERERS: dict[str, Callable[[Shown, dict[str, Any]], Image.Image]] = {
    "label": _label,
    "boxes": _boxes,
    "mask": _mask_panels,
    "change": _change,
    "instances": _objects,
}
"""How a record is drawn, by what the task's truth and predictions are (``TaskSpec.target``)."""


def image_part(
    ctx: Context, session: Session, run_id: str, folder: EvaluationFolder, index: int, part: ImagePart
) -> bytes:
    """PNG of one image of a record, undrawn: the image itself, or a mask of class indices (255 ignored)
    for the browser to lay over it."""
    meta, row = report(folder), record(folder, index)
    if not row.get(part):
        raise EvaluationNotFound(f"a {meta['task']} record has no {part}")
    if part in ("truth_mask", "mask"):
        return _mask_file(folder, row[part]).read_bytes()
    return drawing.to_png(_open(_dataset_file(ctx, get_run(session, run_id), meta, row[part])))


def download(folder: EvaluationFolder, fmt: Literal["json", "csv"]) -> bytes:
    """JSON: the report with every record. CSV: one row per image, its scalar fields."""
    rows = _records(folder)
    if fmt == "json":
        return json.dumps({"report": report(folder), "records": rows}, indent=1).encode()
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns and k not in CSV_SKIPPED)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "|".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items() if k in columns}
        )
    return buffer.getvalue().encode()


def compare(ctx: Context, session: Session, run_id: str, job_ids: list[str]) -> TestComparison:
    """Completed test runs of one run side by side: each metric per test, and its change from the first.

    Metrics are named without their split (``acc`` for ``test_acc`` and ``val_acc``), so tests of
    different splits line up."""
    reports = [report(test_folder(ctx, session, run_id, job_id)) for job_id in job_ids]
    measured = [{k.removeprefix(f"{r['split']}_"): v for k, v in r["metrics"].items()} for r in reports]
    names: list[str] = []
    for metrics in measured:
        names.extend(k for k in metrics if k not in names)
    tests = [
        ComparedTest.model_validate(
            {k: r.get(k) for k in ("job_id", "checkpoint", "epoch", "dataset", "split", "count")}
        )
        for r in reports
    ]
    rows = []
    for name in names:
        values = [metrics.get(name) for metrics in measured]
        first = values[0]
        deltas = [None if v is None or first is None else v - first for v in values]
        rows.append(ComparedMetric(metric=name, values=values, deltas=deltas))
    return TestComparison(tests=tests, metrics=rows)


def best_epoch(session: Session, run_id: str) -> RunBestEpoch:
    run = get_run(session, run_id)
    best = dict(run.best_metrics)
    if "epoch" not in best:
        raise EvaluationNotFound(f"run {run_id} has no validated epoch yet")
    monitor = best.pop("monitor", None)
    return RunBestEpoch(run_id=run_id, epoch=best["epoch"], monitor=monitor, value=best.get(monitor), metrics=best)


def test_public(job: Job) -> TestPublic:
    return TestPublic.model_validate(_test_fields(job))


def test_detail(ctx: Context, session: Session, run_id: str, job_id: str) -> TestDetail:
    """The test's status and metrics; its full report once completed."""
    job = core_jobs.get_job(session, run_id, job_id, "test")
    done = job.status == JobStatus.COMPLETED
    shown = report(test_folder(ctx, session, run_id, job_id)) if done else None
    return TestDetail.model_validate({**_test_fields(job), "report": shown})


def validation_report(ctx: Context, session: Session, run_id: str, which: str) -> EvaluationReport:
    """``report.json`` of a kept validation epoch: ``latest``, ``best`` or an epoch number."""
    return EvaluationReport.model_validate(report(validation_folder(ctx, session, run_id, which)))


def _test_fields(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "run_id": job.run_id,
        "status": job.status,
        **{k: job.params.get(k) for k in ("checkpoint", "checkpoint_kind", "checkpoint_epoch", "dataset", "split")},
        "score_threshold": job.params.get("score_threshold"),
        "metrics": job.result.get("metrics", {}),
        "count": job.result.get("count"),
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def report(folder: EvaluationFolder) -> dict[str, Any]:
    """The folder's ``report.json`` as written (cached while the file is unchanged)."""
    if not folder.exists():
        raise EvaluationNotFound(f"no results in {folder.root.name}")
    return _read_json(folder.report_json, folder.report_json.stat().st_mtime_ns)


def _records(folder: EvaluationFolder) -> list[dict[str, Any]]:
    report(folder)
    return _read_json(folder.records_json, folder.records_json.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _read_json(path: Path, mtime_ns: int) -> Any:
    """Parsed once per file version (filters and pages of one evaluation reuse it)."""
    return json.loads(path.read_text())


def _dataset_file(ctx: Context, run: Run, meta: dict[str, Any], relative: str) -> Path:
    """A dataset file a record names, only inside the evaluation's dataset, itself under a data root
    or the run's own dataset folder."""
    root = Path(meta["dataset_root"]).resolve()
    trusted = root == Path(run.dataset_path).resolve() or datasets.inside_roots(ctx, root) is not None
    path = inside(root / relative, root)
    if not trusted or path is None or not path.is_file():
        raise EvaluationNotFound(f"image {relative!r} is not available")
    return path


def _mask_file(folder: EvaluationFolder, relative: str) -> Path:
    path = inside(folder.root / relative, folder.root)
    if path is None or not path.is_file():
        raise EvaluationNotFound(f"mask {relative!r} is not available")
    return path


def _mask(folder: EvaluationFolder, relative: str) -> np.ndarray:
    with Image.open(_mask_file(folder, relative)) as image:
        return np.asarray(image)


def _open(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")
