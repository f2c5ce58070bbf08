"""One run, start to end, in this process: check data, build the plugin, train, record the outcome.

The CLI calls this in the foreground; the service's worker process calls it for queued runs.
Every state change is written to run.json before it is reported.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterator
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightning as L

from visionyard.common.errors import DiskFull, Invalid, VisionyardError
from visionyard.common.statuses import RunStatus
from visionyard.common.tasks import headline
from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.core.requests import RunRequest
from visionyard.data import formats
from visionyard.data.checks import DatasetReport
from visionyard.data.datamodule import Splits, TaskDataModule, carve_splits
from visionyard.data.fingerprint import fingerprint
from visionyard.engine.callbacks import (
    ControlCallback,
    EpochCheckpoints,
    FreezeStages,
    KeyedSeeding,
    MetricsRecorder,
    StepProgress,
)
from visionyard.engine.downloads import DownloadFailed
from visionyard.engine.evaluation.callback import ValidationDetails
from visionyard.engine.reporting import Control, FlagControl, NullReporter, Reporter
from visionyard.engine.tasks.kit import kit
from visionyard.engine.trainer import HardwareError, build_trainer, resolve_hardware
from visionyard.engine.weights import (
    Downloads,
    PretrainedWeightsMissing,
    WeightsUnreadable,
    find_pretrained,
    load_matching,
    read_state_dict,
)
from visionyard.plugins.catalog import PluginCatalog, UnknownModelError
from visionyard.plugins.validation import ConfigError
from visionyard.storage.atomic import out_of_space
from visionyard.worker.ranks import other_ranks
from visionyard.worker.syncing import PushingReporter, run_pusher

log = logging.getLogger("visionyard.worker")


class DatasetCheckFailed(Invalid):
    code = "invalid_dataset"

    def __init__(self, report: DatasetReport | None, problems: list[Any]):
        self.report = report
        lines = [str(p) for p in problems[:10]]
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__("dataset check failed: " + "; ".join(lines) + more)


PERMANENT_ERRORS = (
    DatasetCheckFailed,
    DiskFull,
    HardwareError,
    ConfigError,
    UnknownModelError,
    PretrainedWeightsMissing,
    WeightsUnreadable,
    DownloadFailed,
)


@dataclass
class RunOutcome:
    status: str
    epochs_completed: int = 0
    best_metrics: dict[str, Any] = field(default_factory=dict)
    final_metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    retryable: bool = True
    """False when trying again cannot help (bad data, config or hardware)."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def execute_run(
    request: RunRequest,
    settings: Settings,
    catalog: PluginCatalog,
    control: Control | None = None,
    reporter: Reporter | None = None,
) -> RunOutcome:
    folder = request.folder
    pusher = run_pusher(settings, folder.root)  # pulls what the store has and is missing here
    reporter = PushingReporter(reporter or NullReporter(), pusher)  # a push after every checkpoint
    folder.create()
    folder.drop_partial_writes()
    record = folder.read_run()
    folder.update_run(status=RunStatus.RUNNING, attempt=record.get("attempt", 0) + 1, started_at=now(), error=None)
    task, cfg, (monitor, mode) = _plan(request, catalog)
    with _logging_to(folder.log_file):
        try:
            status = _train(request, settings, catalog, task, cfg, (monitor, mode), control or FlagControl(), reporter)
            outcome = _outcome(status, folder.read_metrics(), monitor, mode)
        except Exception as exc:
            log.error("run failed: %s\n%s", exc, traceback.format_exc())
            if out_of_space(exc) and not isinstance(exc, DiskFull):  # a write outside the atomic writers
                exc = DiskFull(getattr(exc, "filename", None) or folder.root)
            rows = folder.read_metrics()
            outcome = _outcome(RunStatus.FAILED, rows, monitor, mode)
            outcome.error = str(exc) if isinstance(exc, VisionyardError) else f"{type(exc).__name__}: {exc}"
            outcome.retryable = not isinstance(exc, PERMANENT_ERRORS)
    try:
        folder.update_run(
            status=outcome.status,
            finished_at=now(),
            epochs_completed=outcome.epochs_completed,
            best_metrics=outcome.best_metrics,
            final_metrics=outcome.final_metrics,
            error=outcome.error,
        )
    except DiskFull as exc:  # the outcome still reaches the reporter (the database) through the return
        log.error("%s", exc)
    pusher.close()  # the last push, with the outcome in run.json
    return outcome


def train_rank(request: RunRequest, settings: Settings, catalog: PluginCatalog, log_file: Path | None = None) -> None:
    """One of ranks 1..N-1 of a distributed run (see :mod:`visionyard.worker.ranks`): it trains its share
    and joins every collective; rank zero reports, writes and decides. ``log_file``: where its log goes
    (a rank whose output is not already there)."""
    with _logging_to(log_file) if log_file else contextlib.nullcontext():
        _train(request, settings, catalog, *_plan(request, catalog), FlagControl(), NullReporter(), primary=False)


def _plan(request: RunRequest, catalog: PluginCatalog) -> tuple[str, TrainingConfig, tuple[str, str]]:
    """The run's task, its training config, and the metric it monitors with that metric's mode."""
    cfg = TrainingConfig.from_run_config(request.config)
    task = catalog.get(request.model).task
    return task, cfg, cfg.validation.monitored(headline(task))


def _train(
    request: RunRequest,
    settings: Settings,
    catalog: PluginCatalog,
    task: str,
    cfg: TrainingConfig,
    monitored: tuple[str, str],
    control: Control,
    reporter: Reporter | None,
    primary: bool = True,
) -> str:
    """``primary``: rank zero (or the only rank), which records the dataset and starts the other ranks."""
    folder = request.folder
    reporter = reporter or NullReporter()
    hardware = resolve_hardware(cfg, ray_train=request.ray_train)
    splits = checked_splits(request.dataset, task, cfg)
    if primary:
        dataset_print = fingerprint(request.dataset, settings.cache_dir)
        log.info("dataset fingerprint %s (%d files, %d bytes)", *astuple(dataset_print))
        folder.update_run(classes=splits.classes, dataset_fingerprint=dataset_print.digest)
        reporter.dataset_read(dataset_print.as_dict())
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    plugin = catalog.load_class(request.model)(request.config, splits.classes)
    pretrained = None
    if cfg.pretrained and not request.resume:
        downloads = Downloads(settings.allow_downloads, settings.weights_mirror)
        pretrained = find_pretrained(
            request.model,
            cfg.pretrained_weights,
            settings.weights_dir,
            plugin.pretrained_candidates(),
            plugin.pretrained_sources(),
            downloads,
            cfg.trust_checkpoint,
        )
        log.info("pretrained weights: %s", pretrained)
    model = plugin.build(pretrained)
    if request.base_checkpoint is not None and not request.resume:
        fresh = load_matching(model, read_state_dict(request.base_checkpoint))
        log.info("initialised from %s; left fresh: %s", request.base_checkpoint, ", ".join(fresh) or "nothing")

    rows = folder.read_metrics() if request.resume else []
    control_callback = ControlCallback(control, folder)
    details = ValidationDetails(
        folder, task, splits.classes, splits.val, request.dataset, monitored, cfg.preprocessing.image_size
    )
    callbacks: list[L.Callback] = [
        KeyedSeeding(cfg.seed),
        MetricsRecorder(folder, reporter, rows),
        details,
        *_averaging(cfg),  # before the control: a step's average is taken before a stop checkpoints that step
        control_callback,
        StepProgress(reporter, settings.heartbeat_interval),
        *request.extra_callbacks,
    ]
    if cfg.freeze_stages:
        stages = plugin.stages()
        if cfg.freeze_stages > len(stages):
            raise ValueError(f"freeze_stages={cfg.freeze_stages} but {request.model} has {len(stages)} stages")
        callbacks.append(FreezeStages(stages[: cfg.freeze_stages]))
    if cfg.checkpoints.keep_latest:
        callbacks.append(EpochCheckpoints(folder, cfg.checkpoints.keep_latest, reporter))
    pin = hardware.accelerator == "cuda"
    ckpt = folder.last_ckpt if request.resume else None
    with other_ranks(request, hardware.world_size if primary and not hardware.ray_train else 1):
        trainer = build_trainer(folder, cfg, hardware, *monitored, callbacks, reporter, progress=request.progress)
        plugin.train(trainer, TaskDataModule(kit(task).loading, splits, cfg, pin_memory=pin), ckpt_path=ckpt)
    if control_callback.outcome == "pause":
        return RunStatus.PAUSED
    if control_callback.outcome == "stop":
        return RunStatus.STOPPED
    if control_callback.outcome == "prune":
        return RunStatus.PRUNED
    return RunStatus.COMPLETED


def _averaging(cfg: TrainingConfig) -> list[L.Callback]:
    """Lightning's EMA of the weights, when asked: validated and checkpointed with the averaged weights (so
    tests, exports and predictions use them), the raw ones kept in the checkpoint for a resume."""
    if not cfg.ema.enabled:
        return []
    from lightning.pytorch.callbacks import EMAWeightAveraging

    return [EMAWeightAveraging(decay=cfg.ema.decay, update_starting_at_step=cfg.ema.start_step or None)]


def checked_splits(dataset: Path, task: str, cfg: TrainingConfig) -> Splits:
    """The dataset read in the task's format and checked; blocking problems fail the run."""
    try:
        data = formats.load(dataset, task)
    except formats.FormatMismatch as exc:
        raise DatasetCheckFailed(None, [str(exc)]) from None
    for issue in data.report.issues:
        log.warning("dataset: %s", issue)
    problems = data.report.blocking(cfg.data.skip_invalid_images)
    if problems:
        raise DatasetCheckFailed(data.report, problems)
    splits = carve_splits(data, cfg)
    if not splits.train:
        raise DatasetCheckFailed(data.report, ["the train split has no usable samples"])
    if not splits.val:
        raise DatasetCheckFailed(data.report, ["the validation split is empty: add samples or a val/ split"])
    log.info(
        "dataset %s (%s, %s): %d classes, %d train / %d val samples",
        dataset,
        data.format,
        task,
        len(splits.classes),
        len(splits.train),
        len(splits.val),
    )
    return splits


def _outcome(status: str, rows: list[dict[str, Any]], monitor: str, mode: str) -> RunOutcome:
    scored = [r for r in rows if monitor in r]
    best: dict[str, Any] = {}
    if scored:
        pick = min if mode == "min" else max
        best = dict(pick(scored, key=lambda r: r[monitor]))
        best["monitor"] = monitor
    return RunOutcome(
        status=status,
        epochs_completed=rows[-1]["epoch"] if rows else 0,
        best_metrics=best,
        final_metrics=dict(rows[-1]) if rows else {},
    )


@contextlib.contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    """The log (this package's and Lightning's, INFO and up) and Python warnings (third-party deprecations)
    written to ``path`` while the block runs. Lightning's banners, tips and warnings go there only, not to
    the terminal: its own console handler is set aside meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    for name in ("visionyard", "lightning.pytorch"):
        logging.getLogger(name).setLevel(logging.INFO)
    set_aside = {name: _console_handlers(name) for name in LIGHTNING_LOGGERS}
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        for name, (handlers, propagate) in set_aside.items():
            logger = logging.getLogger(name)
            logger.propagate = propagate
            for console in handlers:
                logger.addHandler(console)
        root.removeHandler(handler)
        with contextlib.suppress(OSError):  # a full disk costs the log its tail, not the run its outcome
            handler.close()


LIGHTNING_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric")
"""Each adds a console handler of its own at import (and the last two stop propagating)."""


def _console_handlers(name: str) -> tuple[list[logging.Handler], bool]:
    """Take the logger's console handlers off and let it propagate; what to put back after."""
    logger = logging.getLogger(name)
    handlers = [h for h in logger.handlers if type(h) is logging.StreamHandler]
    for console in handlers:
        logger.removeHandler(console)
    propagate, logger.propagate = logger.propagate, True
    return handlers, propagate
