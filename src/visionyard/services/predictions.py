"""The predict use case (torch-free): checks the request and the images, then asks the predictor
process (which keeps models loaded) for the predictions."""

from __future__ import annotations

import base64
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from visionyard.common.errors import Conflict
from visionyard.common.statuses import JobStatus
from visionyard.common.tasks import task_spec
from visionyard.core import jobs as core_jobs
from visionyard.core import lifecycle
from visionyard.core import runs as core_runs
from visionyard.core.runs import RunSetupError, get_run
from visionyard.db.models import Job
from visionyard.schemas.predictions import Predictions
from visionyard.services import exports, jobs
from visionyard.services.images import ImageRejected, check_image
from visionyard.storage.artifacts import artifact_store
from visionyard.storage.run_folder import RunFolder

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from visionyard.services.context import ServiceContext

Upload = tuple[str, bytes]


RUNTIMES = ("auto", "torch", "onnx", "openvino", "onnx_int8")
"""``auto``: the fastest export of the checkpoint that passed its parity check (int8 only when named), else
the checkpoint in PyTorch; ``torch``: the checkpoint; a format: the checkpoint's export in that format."""
AUTO_FORMATS = ("onnx", "openvino")


class NoServingExport(Conflict):
    """A runtime asked for by name with no export of the checkpoint that passed its parity check (HTTP 409)."""

    code = "no_serving_export"


@dataclass(frozen=True)
class PredictOptions:
    checkpoint: str = "best"
    score_threshold: float = 0.25
    overlay: bool = False
    export: str | None = None
    """An export of the run to predict with (its own runtime) instead of the checkpoint."""
    runtime: str = "auto"
    """One of :data:`RUNTIMES`; with ``export`` named, ``auto`` (it runs in its own)."""

    @classmethod
    def parse(
        cls, checkpoint: Any, score_threshold: Any, overlay: Any, export: Any = None, runtime: Any = None
    ) -> PredictOptions:
        """From form fields (strings, or absent)."""
        defaults = cls()
        if export is not None and (not isinstance(export, str) or not 0 < len(export) <= 64):
            raise RunSetupError("export: the id of a completed export of the run")
        if checkpoint is None:
            checkpoint = defaults.checkpoint
        elif not isinstance(checkpoint, str) or not 0 < len(checkpoint) <= 200:
            raise RunSetupError("checkpoint: best, last, epoch:N or a checkpoint file name")
        threshold = defaults.score_threshold if score_threshold is None else _unit_number(score_threshold)
        if threshold is None:
            raise RunSetupError("score_threshold: a number from 0 to 1")
        flag = str(overlay).lower() if isinstance(overlay, str) else "false" if overlay is None else None
        if flag not in ("true", "false", "1", "0"):
            raise RunSetupError("overlay: true or false")
        return cls(
            checkpoint, threshold, flag in ("true", "1"), export, defaults.runtime if runtime is None else runtime
        )

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            raise RunSetupError(f"runtime: one of {', '.join(RUNTIMES)}")
        if self.export is not None and self.runtime != "auto":
            raise RunSetupError("runtime: leave it out (or auto) when naming an export: it runs in its own")


def _unit_number(value: Any) -> float | None:
    """A form value as a number in [0, 1], or None."""
    try:
        number = float(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return number if number is not None and 0.0 <= number <= 1.0 else None


class Predictor(Protocol):
    def predict(self, request: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Target:
    """What a request resolves to from the run's rows and files: the model, and the file it runs from."""

    model: str
    task: str
    config: dict[str, Any]
    classes: list[str]
    checkpoint: dict[str, Any]
    """``checkpoint`` (the file, relative to the run) and ``checkpoint_epoch``."""
    checkpoint_file: Path
    served: dict[str, Any] | None
    """The export that runs (``id``, ``format``, ``path``), or None: the checkpoint in PyTorch."""

    @property
    def file(self) -> Path:
        """What the predictor loads."""
        return Path(self.served["path"]) if self.served else self.checkpoint_file


class Targets:
    """Targets by run and options, each kept with the run's :func:`~visionyard.core.lifecycle.log_mark` when it
    was resolved and used while the mark is the same and its file is here: a request then makes one lookup
    instead of reading the run, its checkpoints, its exports and its ``run.json`` (a few ms of a lone answer)."""

    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._kept: OrderedDict[tuple[Any, ...], tuple[tuple[int, int | None], Target]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, run_id: str, key: tuple[Any, ...], resolve: Callable[[], Target]) -> Target:
        mark = lifecycle.log_mark(session, run_id)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is not None and kept[0] == mark and kept[1].file.is_file():
            return kept[1]
        target = resolve()
        with self._lock:
            self._kept[key] = (mark, target)
            self._kept.move_to_end(key)
            while len(self._kept) > self.capacity:
                self._kept.popitem(last=False)
        return target


_TARGETS = Targets()


def predict(
    ctx: ServiceContext,
    run_id: str,
    uploads: dict[str, list[Upload]],
    options: PredictOptions,
    predictor: Predictor | None = None,
) -> Predictions:
    """``predictor``: the server's predictor process unless given (the CLI predicts in its own process). The
    answer's timings add to the predictor's own stages the checks here and the round trip to the predictor."""
    started = time.perf_counter()
    key = (ctx.db.url, str(ctx.settings.runs_dir), run_id, options.checkpoint, options.export, options.runtime)
    with ctx.db.session() as session:
        target = _TARGETS.get(session, run_id, key, lambda: _target(ctx, session, run_id, options))
    named = _images(target.task, uploads, ctx.settings.predict_max_images)
    limits = ctx.settings.predict_max_bytes, ctx.settings.image_max_pixels
    sizes = [[check_image(data, name, *limits) for name, data in item] for item in named]
    request = {
        "model": target.model,
        "task": target.task,
        "config": target.config,
        "classes": target.classes,
        "checkpoint": str(target.checkpoint_file),
        "export": target.served,
        "images": [tuple(data for _, data in item) for item in named],
        "score_threshold": options.score_threshold,
        "overlay": options.overlay,
    }
    handed = time.perf_counter()
    reply = (predictor or ctx.predictor).predict(request)
    answered = time.perf_counter()
    results = []
    for item, size, prediction, overlay in zip(named, sizes, reply["predictions"], reply["overlays"], strict=True):
        entry = {"files": [name for name, _ in item], "width": size[-1][0], "height": size[-1][1], **prediction}
        if overlay is not None:
            entry["overlay_png"] = base64.b64encode(overlay).decode("ascii")
        results.append(entry)
    served, checkpoint = target.served, target.checkpoint
    return Predictions.model_validate(
        {
            "run_id": run_id,
            "checkpoint": checkpoint["checkpoint"],
            "epoch": checkpoint["checkpoint_epoch"],
            "export": served and {"id": served["id"], "format": served["format"]},
            "runtime": served["format"] if served else "torch",
            "task": target.task,
            "cached": reply["cached"],
            "timings": {
                "checks_ms": round((handed - started) * 1000, 3),
                "round_trip_ms": round((answered - handed) * 1000, 3),
                **reply["timings"],
            },
            "predictions": results,
        }
    )


def _target(ctx: ServiceContext, session: Session, run_id: str, options: PredictOptions) -> Target:
    """The run's model, the checkpoint ``options`` choose and the export that serves it (pulled here when only in
    the artifact store)."""
    store = artifact_store(ctx.settings)
    run = get_run(session, run_id)
    if options.export is None:
        checkpoint = jobs.resolve_checkpoint(session, ctx.settings.runs_dir, run, options.checkpoint, store)
        export = _serving_export(session, run_id, checkpoint, options.runtime)
    else:
        export = exports.usable(session, run_id, options.export)
        checkpoint = {k: export.params[k] for k in ("checkpoint", "checkpoint_epoch")}
    served = None
    if export is not None:
        folder = core_jobs.job_folder(ctx.settings, export)
        files = [store.ensure_local(folder / name) for name in export.result["files"]]
        # the first is what loads, pulled with the files beside it (OpenVINO's weights) when only in the store
        served = {"id": export.id, "format": export.params["format"], "path": str(files[0])}
    checkpoint_file = RunFolder.of(ctx.settings.runs_dir, run_id).root / checkpoint["checkpoint"]
    classes = core_runs.run_classes(ctx.settings, run_id, Path(run.dataset_path), run.task)
    return Target(run.model, run.task, dict(run.config), classes, checkpoint, checkpoint_file, served)


def _serving_export(session: Session, run_id: str, checkpoint: dict[str, Any], runtime: str) -> Job | None:
    """The export ``runtime`` asks for, of the checkpoint (its file at the same epoch) and passed its parity
    check; for ``auto`` the one fastest in its export benchmark, or None."""
    if runtime == "torch":
        return None
    formats = AUTO_FORMATS if runtime == "auto" else (runtime,)
    completed = core_jobs.exports_of(session, run_id, checkpoint, [JobStatus.COMPLETED])
    same = [job for job in completed if job.params["format"] in formats]
    if not same:
        if runtime == "auto":
            return None
        raise NoServingExport(
            f"run {run_id} has no {runtime} export of {checkpoint['checkpoint']} (epoch "
            f"{checkpoint['checkpoint_epoch']}) that passed its parity check; export it, or predict with runtime=torch"
        )
    return min(reversed(same), key=_export_ms)


def _export_ms(job: Job) -> float:
    """Its benchmarked latency (p50 ms at batch 1); unmeasured exports last."""
    return float(job.result.get("benchmark", {}).get("export", {}).get("p50_ms", math.inf))


def _images(task: str, uploads: dict[str, list[Upload]], most: int) -> list[list[Upload]]:
    """One entry per prediction: ``[image]``, or one image per input of the task (change detection's
    ``before`` and ``after``), sent as form fields of those names."""
    inputs = task_spec(task).inputs
    if len(inputs) > 1:
        parts = [uploads.get(name, []) for name in inputs]
        if uploads.get("files") or not parts[0] or any(len(part) != len(parts[0]) for part in parts):
            fields = " and ".join(f"`{name}`" for name in inputs)
            raise ImageRejected(422, "invalid_images", f"{task} takes images in sets: {fields}")
        named = [list(item) for item in zip(*parts, strict=True)]
    else:
        files = uploads.get("files", [])
        if not files or any(part for name, part in uploads.items() if name != "files"):
            raise ImageRejected(422, "invalid_images", "send one or more images as `files`")
        named = [[f] for f in files]
    if len(named) > most:
        raise ImageRejected(413, "too_many_images", f"{len(named)} images; the limit is {most} per request")
    return named
