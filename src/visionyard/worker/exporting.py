"""An export job: write a checkpoint of a run in a deployment format, with its sidecar and snippet,
then check it against the PyTorch model (parity) and measure both (benchmark). An export outside its
tolerance ends as ``failed_parity``, its numbers kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from itertools import cycle, islice
from typing import Any

import numpy as np
import torch

from visionyard.common.export_formats import FORMATS, SIDECAR, SNIPPET
from visionyard.common.statuses import JobStatus
from visionyard.common.tasks import task_spec
from visionyard.common.training_config import TrainingConfig
from visionyard.core import runs as core_runs
from visionyard.data import formats
from visionyard.data.datamodule import carve_splits
from visionyard.engine.adapters.detection import TRACE_CANDIDATES
from visionyard.engine.evaluation.runner import loader
from visionyard.engine.export import metadata
from visionyard.engine.export.benchmark import benchmark, cpu_description
from visionyard.engine.export.parity import check_parity
from visionyard.engine.export.runtimes import load_runtime
from visionyard.engine.export.writers import FILES, write
from visionyard.engine.tasks.base import TaskModule
from visionyard.storage.atomic import write_json, write_text
from visionyard.worker.job_context import JobContext, JobOutcome

log = logging.getLogger("visionyard.worker")


def run_export(work: JobContext) -> dict[str, Any]:
    p = work.params
    spec = FORMATS[p["format"]]
    reason = spec.unavailable()
    if reason is not None:
        raise RuntimeError(f"format {spec.name!r} is not available on this host: {reason}")
    options = spec.options.model_validate(p["options"])
    cfg = TrainingConfig.from_run_config(work.config)
    classes = core_runs.run_classes(work.ctx.settings, work.run_id, work.dataset_path, work.task)
    plugin = work.ctx.catalog().load_class(work.model)(work.config, classes)
    plugin.build()
    plugin.load_checkpoint(work.checkpoint(p["checkpoint"]))
    module = plugin.training_module().eval()
    splits = carve_splits(formats.load(work.dataset_path, work.task, verify=False), cfg)
    samples = splits.val[: options.parity_images]
    if not samples:
        raise RuntimeError("the run's dataset has no validation images to check the export on")

    log.info("exporting %s (epoch %s) to %s", p["checkpoint"], p["checkpoint_epoch"], spec.title)
    calibration = splits.train or splits.val
    count = p["options"].get("calibration_images", 0)
    files = write(
        plugin,
        spec.name,
        options,
        work.folder,
        _describe(work, plugin, spec.name, options.model_dump(), classes, cfg),
        lambda: _calibration(module, work.task, calibration, cfg, count),
        lambda: _calibration(module, work.task, calibration, cfg, TRACE_CANDIDATES),
    )

    threads = torch.get_num_threads()
    runtime = load_runtime(spec.name, files[0], work.task, threads)
    tolerance = options.tolerance(spec.tolerance)
    log.info("parity check on %d validation images", len(samples))
    parity = check_parity(
        module, runtime, work.task, samples, cfg, classes, work.dataset_path, tolerance, options.score_threshold
    )
    log.info("parity: %s", parity.numbers)
    single, batch = _inputs(module, work.task, samples, cfg, options.throughput_batch)
    models = {"pytorch": module.infer_batch, "export": runtime.infer_batch}
    speed = benchmark(models, single, batch, options.throughput_batch, options.benchmark_runs)
    log.info("benchmark (%d threads): %s", threads, speed)
    size = sum(f.stat().st_size for f in files)
    result = {
        "format": spec.name,
        "files": [f.name for f in files],
        "size_bytes": size,
        "size_mb": round(size / 2**20, 3),
        "pytorch_size_bytes": sum(t.numel() * t.element_size() for t in module.model.state_dict().values()),
        "parity": parity.numbers,
        "tolerance": vars(tolerance),
        "benchmark": {**speed, "threads": threads, "hardware": cpu_description(threads)},
    }
    if parity.failures:
        raise JobOutcome(JobStatus.FAILED_PARITY, result, "parity check failed: " + "; ".join(parity.failures))
    return result


def _describe(
    work: JobContext, plugin: Any, format: str, options: dict[str, Any], classes: list[str], cfg: TrainingConfig
) -> dict[str, Any]:
    """The sidecar, written beside the export with its deployment snippet (and embedded where the format can)."""
    meta = metadata.describe(
        format=format,
        files=FILES[format],
        task=work.task,
        model=work.model,
        run_id=work.run_id,
        checkpoint=work.params["checkpoint"],
        epoch=work.params["checkpoint_epoch"],
        classes=classes,
        cfg=cfg,
        input_names=plugin.input_names,
        per_image=task_spec(work.task).image_list,
        options=options,
    )
    work.folder.mkdir(parents=True, exist_ok=True)
    write_json(work.folder / SIDECAR, meta)
    snippet = metadata.snippet(meta)
    if snippet:
        write_text(work.folder / SNIPPET, snippet)
    return meta


def _calibration(
    module: TaskModule, task: str, samples: Sequence[Any], cfg: TrainingConfig, count: int
) -> Iterator[list[np.ndarray]]:
    """One image's model inputs at a time (every export takes a batch of one), of the first ``count`` samples."""
    spec = task_spec(task)
    for batch in loader(task, samples[:count], cfg):
        inputs = module.inputs_of(batch)
        if spec.image_list:
            yield from ([image.numpy()] for image in inputs)
        else:
            tensors = list(inputs) if len(spec.inputs) > 1 else [inputs]
            for i in range(len(tensors[0])):
                yield [t[i : i + 1].numpy() for t in tensors]


def _inputs(module: TaskModule, task: str, samples: Sequence[Any], cfg: TrainingConfig, size: int) -> tuple[Any, Any]:
    """Model inputs of one image and of ``size`` images (validation images, repeated when too few)."""
    repeated = list(islice(cycle(samples), size))
    single = module.inputs_of(next(iter(loader(task, samples[:1], cfg, 1))))
    batch = module.inputs_of(next(iter(loader(task, repeated, cfg, size))))
    return single, batch
