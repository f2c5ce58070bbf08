"""What the built-in plugins share: their catalog entries' common facts and the settings they repeat."""

from __future__ import annotations

from typing import Any

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
