"""What every task's adapter shares: build (with local pretrained weights), fit with the platform's
trainer, validate, weights-only checkpoints, TorchScript and ONNX export."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn

from visionyard.common.tasks import headline
from visionyard.common.training_config import TrainingConfig
from visionyard.engine.weights import load_matching, load_weights_file, read_state_dict, state_dict_of
from visionyard.plugins.schema import WeightSource
from visionyard.plugins.sdk import ModelPlugin
from visionyard.storage.atomic import write_with

EXPORT_FORMATS = ("torchscript", "onnx")


class TorchModulePlugin(ModelPlugin):
    task: ClassVar[str]
    input_names: ClassVar[tuple[str, ...]] = ("images",)
    output_names: ClassVar[tuple[str, ...]] = ("logits",)
    export_formats: ClassVar[tuple[str, ...]] = EXPORT_FORMATS
    """The graphs this plugin writes (ONNX's int8 and OpenVINO formats are made from its ONNX graph)."""
    refused_formats: ClassVar[dict[str, str]] = {}
    """Formats made from its ONNX graph that are known to answer it wrongly, with why (said when asked for)."""

    @abstractmethod
    def create_model(self) -> nn.Module:
        """A fresh network for ``self.class_names``, configured from ``self.options``."""

    @abstractmethod
    def task_module(self, cfg: TrainingConfig, monitor: str, mode: str) -> L.LightningModule:
        """The task's LightningModule around ``self.model``."""

    @property
    def training_config(self) -> TrainingConfig:
        return TrainingConfig.from_run_config(self.config)

    def build(self, pretrained_weights: Path | None = None) -> nn.Module:
        self.model = self.create_model()
        if pretrained_weights is not None:
            state = read_state_dict(pretrained_weights, self.training_config.trust_checkpoint)
            load_matching(self.model, self.pretrained_state(state))
        return self.model

    def pretrained_state(self, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """A pretrained file's tensors under this model's names (a publisher's own names may differ)."""
        return state

    def training_module(self) -> L.LightningModule:
        cfg = self.training_config
        monitor, mode = cfg.validation.monitored(headline(self.task))
        return self.task_module(cfg, monitor, mode)

    def train(self, trainer: L.Trainer, datamodule: L.LightningDataModule, ckpt_path: Path | None = None) -> None:
        trainer.fit(self.training_module(), datamodule=datamodule, ckpt_path=ckpt_path)

    def validate(self, dataloader: Any) -> dict[str, float]:
        """The task's validation metrics (and loss, where the task has one) over ``dataloader``."""
        trainer = L.Trainer(
            logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False
        )
        [metrics] = trainer.validate(self.training_module(), dataloader, verbose=False)
        return {k: float(v) for k, v in metrics.items()}

    def save_checkpoint(self, path: Path, **meta: Any) -> None:
        payload = {"state_dict": self._require_model().state_dict(), "meta": meta}
        write_with(path, lambda handle: torch.save(payload, handle))

    def load_checkpoint(self, path: Path) -> dict[str, Any]:
        loaded = load_weights_file(path)
        self._require_model().load_state_dict(state_dict_of(loaded, path))
        return dict(loaded.get("meta", {})) if isinstance(loaded, dict) else {}

    def example_inputs(self, batch: int = 1) -> tuple[torch.Tensor, ...]:
        """Preprocessed inputs of the configured size, for tracing and export."""
        size = self.training_config.preprocessing.image_size
        return tuple(torch.rand(batch, 3, size, size) for _ in self.input_names)

    def exportable(self) -> nn.Module:
        """The module that export writes (the model itself, or a wrapper giving plain tensors)."""
        return self._require_model()

    def export(self, path: Path, format: str, **options: Any) -> Path:
        """TorchScript, or ONNX (options ``opset``, ``dynamic_batch``, ``examples``: real inputs to trace with,
        each as ``example_inputs`` answers them; random ones of the configured size when none are given)."""
        if format not in self.export_formats:
            valid = ", ".join(self.export_formats)
            raise ValueError(f"{format!r} is not a format this model exports to; valid: {valid}")
        module = self.exportable().eval()
        example = self.trace_example(options.get("examples") or ())
        path.parent.mkdir(parents=True, exist_ok=True)
        if format == "torchscript":
            scripted = self.torchscript(module, example)
            write_with(path, lambda handle: torch.jit.save(scripted, handle))
        else:
            torch.onnx.export(
                module,
                example,
                str(path),
                input_names=list(self.input_names),
                output_names=list(self.output_names),
                dynamic_axes=self._axes(bool(options.get("dynamic_batch", True))),
                opset_version=int(options.get("opset", 17)),
                dynamo=False,
            )
        return path

    def trace_example(self, examples: Iterable[tuple[Any, ...]]) -> tuple[Any, ...]:
        """The inputs the graph is traced with: the first of ``examples``, else random ones."""
        return next(iter(examples), None) or self.example_inputs()

    def torchscript(self, module: nn.Module, example: tuple[torch.Tensor, ...]) -> torch.jit.ScriptModule:
        return torch.jit.trace(module, example)

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        """Free dimensions of the ONNX graph's inputs and outputs (a free batch is named ``batch``)."""
        return {name: {0: "batch"} for name in (*self.input_names, *self.output_names)}

    def _axes(self, dynamic_batch: bool) -> dict[str, dict[int, str]]:
        axes = self.dynamic_axes()
        if dynamic_batch:
            return axes
        return {name: {i: n for i, n in dims.items() if n != "batch"} for name, dims in axes.items()}

    def stages(self) -> list[nn.Module]:
        children = list(self._require_model().children())
        return children[:-1]

    def _require_model(self) -> nn.Module:
        if self.model is None:
            raise RuntimeError("call build() first")
        return self.model

    def _names(self, labels: Sequence[int]) -> list[str]:
        return [self.class_names[int(label)] for label in labels]


def torchvision_weight_sources(architecture: str) -> list[WeightSource]:
    """The published weights of a torchvision architecture, its default (best) ones first."""
    from torchvision import models

    weights = models.get_model_weights(architecture)
    ordered = [weights.DEFAULT, *(w for w in weights if w is not weights.DEFAULT)]
    return [WeightSource.hashed_name(w.url) for w in ordered]


def torchvision_weight_files(architecture: str) -> list[Path]:
    """Where torch hub keeps the published weights of a torchvision architecture."""
    from torchvision import models

    hub = Path(torch.hub.get_dir()) / "checkpoints"
    return [hub / Path(w.url).name for w in models.get_model_weights(architecture)]
