"""What the built-in plugins share: their catalog entries' common facts and the settings they repeat."""

from __future__ import annotations

from typing import Any

from visionyard.common.training_config import TrainingConfig
from visionyard.sdk import ConfigField, ModelMetadata, number

BUILTIN_VERSION = "1.0.0"


def builtin(name: str, framework: str, task_type: str, description: str, **facts: Any) -> ModelMetadata:
    """The catalog entry of a model that ships with visionyard."""
    return ModelMetadata(
        name=name,
        version=BUILTIN_VERSION,
        author="visionyard",
        framework=framework,
        task_type=task_type,
        description=description,
        **facts,
    )


def dropout(default: float, name: str = "dropout") -> ConfigField:
    return number(name, default, 0.0, 0.9, "dropout before the classifier", step=0.05)


def detections_field(name: str, default: int) -> ConfigField:
    """Fields are named as the torchvision builder's keyword arguments."""
    return number(name, default, 1, 1000, "most boxes kept per image", advanced=True)


def score_field(name: str, default: float) -> ConfigField:
    return number(name, default, 0.0, 1.0, "lowest score of a box kept at inference", step=0.01)


def proposals_field() -> ConfigField:
    return number(
        "box_batch_size_per_image",
        256,
        16,
        1024,
        "proposals sampled per image to train the box head (torchvision uses 512 for COCO; the head's cost "
        "grows with it)",
        advanced=True,
    )


def resized_inside(cfg: TrainingConfig) -> dict[str, Any]:
    """Builder options of an R-CNN, which resizes (and normalises) its input itself: to the configured size,
    with the configured mean and std."""
    p = cfg.preprocessing
    options: dict[str, Any] = {"min_size": p.image_size, "max_size": p.image_size}
    if p.normalize:
        return options | {"image_mean": list(p.mean), "image_std": list(p.std)}
    return options | {"image_mean": [0.0, 0.0, 0.0], "image_std": [1.0, 1.0, 1.0]}
