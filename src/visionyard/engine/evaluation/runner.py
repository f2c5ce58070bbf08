"""Evaluate a model over a list of samples: batches through the task module, predictions mapped back
to each image, records and report written by the task's recorder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.utilities.apply_func import move_data_to_device
from PIL import Image
from torch.utils.data import DataLoader

from visionyard.common.training_config import TrainingConfig
from visionyard.data.datamodule import KeyedDataset
from visionyard.engine.evaluation.recorders import Recorder
from visionyard.engine.tasks.base import TaskModule
from visionyard.engine.tasks.kit import Size, TaskKit, kit
from visionyard.storage.evaluation_folder import EvaluationFolder

DEFAULT_SCORE_THRESHOLD = 0.25
"""Detections at or above this score count for per-image correctness and TP/FP tables."""


def image_size(task_kit: TaskKit, sample: Any) -> Size:
    """The size of a sample's (last) image, the one its prediction is drawn on."""
    with Image.open(getattr(sample, task_kit.spec.inputs[-1])) as image:
        return image.size


def recorder_for(
    task: str,
    class_names: Sequence[str],
    folder: EvaluationFolder,
    dataset_root: Path,
    prefix: str,
    score_threshold: float,
) -> Recorder:
    task_kit = kit(task)
    names = task_kit.spec.fixed_classes or class_names
    return task_kit.recorder(list(names), folder, dataset_root, prefix, score_threshold)


def predictions_for(
    task: str, samples: Sequence[Any], outputs: Any, class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
    """A batch's raw outputs as one prediction per image, in the image's own size."""
    task_kit = kit(task)
    return task_kit.predictions(outputs, [image_size(task_kit, s) for s in samples], class_names, input_size)


def record_batch(
    recorder: Recorder, task: str, samples: Sequence[Any], outputs: Any, losses: Any, input_size: int
) -> None:
    recorder.add(samples, predictions_for(task, samples, outputs, recorder.class_names, input_size), losses)


def loader(task: str, samples: Sequence[Any], cfg: TrainingConfig, batch_size: int | None = None) -> DataLoader:
    """Batches of ``samples`` as the validation loader makes them, in order."""
    loading = kit(task).loading
    dataset = KeyedDataset(samples, loading, loading.transform(cfg, False))
    return DataLoader(
        dataset,
        batch_size=batch_size or cfg.batch_size,
        num_workers=cfg.data.num_workers,
        collate_fn=loading.collate,
    )


def evaluate_samples(
    module: TaskModule,
    task: str,
    samples: Sequence[Any],
    cfg: TrainingConfig,
    recorder: Recorder,
    device: torch.device,
    meta: dict[str, Any],
) -> dict[str, float]:
    """Run every sample through ``module`` (eval mode, no gradients); answers the recorder's metrics."""
    module.eval().to(device)
    seen = 0
    with torch.inference_mode():
        for batch in loader(task, samples, cfg):
            batch = move_data_to_device(batch, device)
            count = len(batch[-1])
            outputs = module.infer_batch(module.inputs_of(batch))
            losses = module.per_image_loss(outputs, batch)
            record_batch(recorder, task, samples[seen : seen + count], outputs, losses, cfg.preprocessing.image_size)
            seen += count
    return recorder.finish(meta)
