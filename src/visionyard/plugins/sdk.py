"""The contract every model plugin implements (spec/003 "Standard Model Interface").

A plugin is a class: metadata and config schema (declared as the class attributes ``info``,
``config_fields`` and ``presets``, or as class methods), then build, train, validate, infer,
save/load checkpoint and export on an instance. Task adapters in
:mod:`visionyard.engine.adapters` implement everything but the network, so a typical plugin only
says which ``nn.Module`` to build. Importing this module does not import torch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from visionyard.plugins.schema import ConfigField, ConfigSchema, ModelMetadata, WeightSource

if TYPE_CHECKING:
    import lightning as L
    from torch import nn

__all__ = ["ConfigField", "ConfigSchema", "ModelMetadata", "ModelPlugin"]


class ModelPlugin(ABC):
    """One model of the catalog.

    ``config`` is the resolved run config (platform sections plus the plugin's fields under
    ``"model"``); ``class_names`` are the dataset's classes in label order.
    """

    info: ClassVar[ModelMetadata | None] = None
    """How the model is listed in the catalog (what :meth:`metadata` answers)."""
    config_fields: ClassVar[tuple[ConfigField, ...]] = ()
    """The model's own settings, under ``model`` in a run config."""
    presets: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    """Named partial run configs (``quick``, ``standard``...)."""

    def __init__(self, config: Mapping[str, Any], class_names: Sequence[str]):
        self.config = dict(config)
        self.options: dict[str, Any] = dict(config.get("model", {}))
        self.class_names = list(class_names)
        self.model: nn.Module | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @classmethod
    def metadata(cls) -> ModelMetadata:
        """How the model is listed in the catalog: ``info`` unless overridden."""
        if cls.info is None:
            raise TypeError(f"{cls.__name__} declares no info (ModelMetadata) and does not override metadata()")
        return cls.info

    @classmethod
    def config_schema(cls) -> ConfigSchema:
        """The model's own settings and presets: ``config_fields`` and ``presets`` unless overridden."""
        return ConfigSchema(fields=cls.config_fields, presets=dict(cls.presets))

    @abstractmethod
    def build(self, pretrained_weights: Path | None = None) -> nn.Module:
        """Create ``self.model`` (from a local weights file when given) and return it."""

    @abstractmethod
    def train(self, trainer: L.Trainer, datamodule: L.LightningDataModule, ckpt_path: Path | None = None) -> None:
        """Fit with the platform's trainer (its callbacks report, checkpoint and obey control)."""

    @abstractmethod
    def validate(self, dataloader: Any) -> dict[str, float]:
        """The task's metrics over a data loader."""

    @abstractmethod
    def infer(self, images: Any) -> list[dict[str, Any]]:
        """Predictions for a batch of preprocessed images, one dict per image: a tensor batch, a list of
        images for detectors, the ``(before, after)`` pair of batches for change detection."""

    @abstractmethod
    def save_checkpoint(self, path: Path, **meta: Any) -> None:
        """Write the weights (and plain-data ``meta``) so ``load_checkpoint`` restores them."""

    @abstractmethod
    def load_checkpoint(self, path: Path) -> dict[str, Any]:
        """Load weights saved by ``save_checkpoint`` or by a training run; return the file's meta."""

    @abstractmethod
    def export(self, path: Path, format: str, **options: Any) -> Path:
        """Write the model in a deployment format; return the file written."""

    def stages(self) -> list[nn.Module]:
        """The backbone's stages in input-to-output order, for ``freeze_stages``."""
        return []

    def pretrained_candidates(self) -> list[Path]:
        """Places where a local pretrained weights file for this model may lie."""
        return []

    def pretrained_sources(self) -> list[WeightSource]:
        """Where the architecture's published weights can be fetched from, with their hash (``pretrained=true``
        fetches the first into the weights folder when downloads are allowed)."""
        return []
