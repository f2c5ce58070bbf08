"""Evaluate a model over a list of samples: batches through the task module, predictions mapped back
to each image, records and report written by the task's recorder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from lightning.fabric.utilities.apply_func import move_data_to_device
from PIL import Image
from torch.utils.data import DataLoader

from visionyard.common.training_config import TrainingConfig
from visionyard.data.datamodule import KeyedDataset
from visionyard.data.formats import ChangeSample
from visionyard.data.loading import LOADING
from visionyard.engine.evaluation.recorders import Recorder
from visionyard.engine.predictions import Size, to_predictions
from visionyard.engine.tasks.base import TaskModule

DEFAULT_SCORE_THRESHOLD = 0.25
"""Detections at or above this score count for per-image correctness and TP/FP tables."""


def image_size(sample: Any) -> Size:
    with Image.open(sample.after if isinstance(sample, ChangeSample) else sample.image) as image:
        return image.size


def predictions_for(
    task: str, samples: Sequence[Any], outputs: Any, class_names: Sequence[str], input_size: int
) -> list[dict[str, Any]]:
    """A batch's raw outputs as one prediction per image, in the image's own size."""
    return to_predictions(task, outputs, [image_size(s) for s in samples], class_names, input_size)


def record_batch(
    recorder: Recorder, task: str, samples: Sequence[Any], outputs: Any, losses: Any, input_size: int
) -> None:
    recorder.add(samples, predictions_for(task, samples, outputs, recorder.class_names, input_size), losses)


def loader(task: str, samples: Sequence[Any], cfg: TrainingConfig, batch_size: int | None = None) -> DataLoader:
    """Batches of ``samples`` as the validation loader makes them, in order."""
    loading = LOADING[task]
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
