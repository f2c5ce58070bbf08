"""A test run: a checkpoint of a run evaluated on a dataset split, with records and a report like a
validation's (in the run folder's ``tests/<job id>/``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from visionyard.common.training_config import TrainingConfig
from visionyard.core.runs import run_classes
from visionyard.data import formats
from visionyard.data.datamodule import carve_splits
from visionyard.engine.evaluation.runner import evaluate_samples, recorder_for
from visionyard.storage.evaluation_folder import EvaluationFolder
from visionyard.worker.execute import DatasetCheckFailed
from visionyard.worker.job_context import JobContext

log = logging.getLogger("visionyard.worker")


def run_test(work: JobContext) -> dict[str, Any]:
    p, cfg = work.params, TrainingConfig.from_run_config(work.config)
    dataset = Path(p["dataset_path"])
    data = formats.load(dataset, work.task)
    problems = data.report.blocking(cfg.data.skip_invalid_images)
    if problems:
        raise DatasetCheckFailed(data.report, problems)
    own_val = p["split"] == "val" and dataset == work.dataset_path and "val" not in data.splits
    samples = carve_splits(data, cfg).val if own_val else data.splits.get(p["split"], [])
    if not samples:
        raise DatasetCheckFailed(data.report, [f"the {p['split']} split of {p['dataset']} has no usable samples"])
    classes = run_classes(work.ctx.settings, work.run_id, work.dataset_path, work.task)
    plugin = work.ctx.catalog().load_class(work.model)(work.config, classes)
    plugin.build()
    plugin.load_checkpoint(work.checkpoint(p["checkpoint"]))
    log.info(
        "testing %s (epoch %s) on %s/%s: %d samples",
        p["checkpoint"],
        p["checkpoint_epoch"],
        p["dataset"],
        p["split"],
        len(samples),
    )
    device = torch.device("cuda" if torch.cuda.is_available() and cfg.hardware.accelerator != "cpu" else "cpu")
    recorder = recorder_for(
        work.task, classes, EvaluationFolder(work.folder), dataset, p["split"], p["score_threshold"]
    )
    meta = {
        "kind": "test",
        "task": work.task,
        "job_id": work.job_id,
        "epoch": p["checkpoint_epoch"],
        "checkpoint": p["checkpoint"],
        "dataset": p["dataset"],
        "dataset_root": str(dataset),
        "split": p["split"],
    }
    metrics = evaluate_samples(plugin.training_module(), work.task, samples, cfg, recorder, device, meta)
    log.info("test metrics: %s", metrics)
    return {"metrics": metrics, "count": len(samples)}
