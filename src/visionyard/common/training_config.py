"""The platform's training configuration (spec/003 Phase 1).

Torch-free on purpose: the API process validates configs without importing the engine. Every
model's run config is this schema plus a ``model`` section built from the plugin's fields
(see :mod:`visionyard.plugins.validation`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Channel = Annotated[float, Field(ge=0.0, le=1.0)]
Std = Annotated[float, Field(gt=0.0, le=10.0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptimizerConfig(_Section):
    type: Literal["adam", "adamw", "sgd", "rmsprop"] = "adamw"
    weight_decay: float = Field(1e-4, ge=0.0, le=1.0)
    momentum: float = Field(0.9, ge=0.0, lt=1.0, description="sgd and rmsprop")
    nesterov: bool = Field(False, description="sgd only")
    betas: tuple[Annotated[float, Field(ge=0.0, lt=1.0)], Annotated[float, Field(ge=0.0, lt=1.0)]] = (
        0.9,
        0.999,
    )
    amsgrad: bool = Field(False, description="adam and adamw")


class SchedulerConfig(_Section):
    type: Literal["none", "step", "cosine", "exponential", "plateau", "onecycle"] = "cosine"
    warmup_epochs: int = Field(0, ge=0, le=1000)
    step_size: int = Field(10, ge=1, le=10000, description="epochs between decays (step)")
    gamma: float = Field(0.1, gt=0.0, le=1.0, description="decay factor (step, exponential, plateau)")
    min_lr: float = Field(1e-6, ge=0.0, le=1.0)
    patience: int = Field(5, ge=0, le=1000, description="epochs without improvement (plateau)")

    @model_validator(mode="after")
    def _warmup_fits(self) -> Self:
        if self.type == "plateau" and self.warmup_epochs:
            raise ValueError("warmup_epochs is not supported with the plateau scheduler")
        return self


class ColorJitterConfig(_Section):
    brightness: Unit = 0.0
    contrast: Unit = 0.0
    saturation: Unit = 0.0
    hue: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0


class AugmentationConfig(_Section):
    enabled: bool = True
    horizontal_flip: Unit = Field(0.5, description="probability")
    vertical_flip: Unit = Field(0.0, description="probability")
    rotation: float = Field(0.0, ge=0.0, le=180.0, description="max degrees either way")
    random_resized_crop: bool = True
    crop_scale: tuple[Annotated[float, Field(gt=0.0, le=1.0)], Annotated[float, Field(gt=0.0, le=1.0)]] = (
        0.8,
        1.0,
    )
    color_jitter: ColorJitterConfig = ColorJitterConfig()
    grayscale: Unit = Field(0.0, description="probability")
    blur: Unit = Field(0.0, description="probability of a Gaussian blur")
    blur_sigma: tuple[Annotated[float, Field(gt=0.0, le=10.0)], Annotated[float, Field(gt=0.0, le=10.0)]] = (
        0.1,
        2.0,
    )
    auto_augment: Literal["none", "randaugment", "autoaugment", "trivialaugment"] = "none"
    mixup_alpha: float = Field(0.0, ge=0.0, le=10.0, description="0 disables mixup")
    cutmix_alpha: float = Field(0.0, ge=0.0, le=10.0, description="0 disables cutmix")

    @model_validator(mode="after")
    def _ordered_ranges(self) -> Self:
        if self.crop_scale[0] > self.crop_scale[1]:
            raise ValueError("crop_scale must be (low, high) with low <= high")
        if self.blur_sigma[0] > self.blur_sigma[1]:
            raise ValueError("blur_sigma must be (low, high) with low <= high")
        return self


class PreprocessingConfig(_Section):
    image_size: int = Field(224, ge=8, le=4096)
    normalize: bool = True
    mean: tuple[Channel, Channel, Channel] = (0.485, 0.456, 0.406)
    std: tuple[Std, Std, Std] = (0.229, 0.224, 0.225)
    interpolation: Literal["bilinear", "bicubic", "nearest"] = "bilinear"


class ValidationConfig(_Section):
    val_split: float = Field(0.2, gt=0.0, lt=1.0, description="used when the dataset has no val split")
    interval: int = Field(1, ge=1, le=1000, description="validate every N epochs")
    monitor: str | None = Field(None, description="metric for best checkpoint; the task's headline if unset")
    mode: Literal["min", "max"] | None = Field(None, description="inferred from the metric if unset")

    def monitored(self, headline: str) -> tuple[str, Literal["min", "max"]]:
        """The metric that picks the best checkpoint (the task's headline unless set) and its mode."""
        monitor = self.monitor or headline
        return monitor, self.mode or ("min" if monitor.endswith("loss") else "max")


class EarlyStoppingConfig(_Section):
    enabled: bool = False
    patience: int = Field(5, ge=1, le=1000)
    min_delta: float = Field(0.0, ge=0.0, le=1.0)


DeviceIndex = Annotated[int, Field(ge=0, le=1023)]


class HardwareConfig(_Section):
    accelerator: Literal["auto", "cpu", "cuda"] = "auto"
    devices: Annotated[int, Field(ge=1, le=64)] | Annotated[list[DeviceIndex], Field(min_length=1, max_length=64)] = (
        Field(1, description="how many devices (processes on the CPU), or which GPUs by index: [0, 2]")
    )
    strategy: Literal["auto", "ddp", "fsdp", "deepspeed"] = Field(
        "auto", description="auto: one device trains alone, several use ddp; fsdp shards the model over GPUs"
    )
    nodes: int = Field(1, ge=1, le=256, description="machines the run spans (the Ray executor)")
    precision: Literal["32", "16-mixed", "bf16-mixed"] = "32"
    sync_batchnorm: bool = Field(False, description="batch-norm statistics over every device's batch")

    @model_validator(mode="after")
    def _possible(self) -> Self:
        if isinstance(self.devices, list) and len(set(self.devices)) != len(self.devices):
            raise ValueError("hardware.devices names a GPU index twice")
        problems = self.cpu_problems() if self.accelerator == "cpu" else []
        if problems:
            raise ValueError(problems[0])
        return self

    def cpu_problems(self) -> list[str]:
        """What this hardware asks for that a CPU cannot give (checked at the edge for ``accelerator: cpu``,
        and by the engine once ``auto`` has found no GPU)."""
        problems = []
        if self.precision == "16-mixed":
            problems.append("precision 16-mixed needs CUDA; use bf16-mixed or 32 on the CPU")
        if isinstance(self.devices, list):
            problems.append("hardware.devices as GPU indexes needs CUDA; on the CPU give a number of processes")
        if self.strategy in ("fsdp", "deepspeed"):
            problems.append(f"hardware.strategy {self.strategy} needs CUDA; on the CPU use ddp")
        return problems

    @property
    def device_count(self) -> int:
        """Devices (processes) per node."""
        return self.devices if isinstance(self.devices, int) else len(self.devices)

    @property
    def world_size(self) -> int:
        return self.device_count * self.nodes


class DataConfig(_Section):
    num_workers: int = Field(2, ge=0, le=64)
    skip_invalid_images: bool = Field(False, description="skip bad files instead of failing the run")


class CheckpointConfig(_Section):
    keep_latest: int = Field(
        0, ge=0, le=1000, description="also keep a checkpoint of each of the N latest epochs (best and last always)"
    )


class EmaConfig(_Section):
    enabled: bool = Field(
        False, description="validate, checkpoint and export an exponential moving average of the weights"
    )
    decay: float = Field(0.999, ge=0.5, lt=1.0, description="how much of the average each step keeps")
    start_step: int = Field(0, ge=0, le=10_000_000, description="steps trained before averaging begins")


ClassWeight = Annotated[float, Field(ge=0.0, le=1000.0)]


class RegistryConfig(_Section):
    publish: bool = Field(False, description="publish the best checkpoint to the model registry when the run completes")
    name: str | None = Field(
        None, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="registered model name"
    )
    alias: str | None = Field(
        None, max_length=64, pattern=r"^[a-z][a-z0-9_-]*$", description="alias given to the new version"
    )


class TrainingConfig(_Section):
    """Everything a run needs besides the model's own fields."""

    epochs: int = Field(10, ge=1, le=10000)
    batch_size: int = Field(32, ge=1, le=4096)
    lr: float = Field(1e-3, gt=0.0, le=10.0)
    seed: int = Field(42, ge=0, le=2**32 - 1)
    deterministic: bool = True
    pretrained: bool = Field(
        False, description="start from pretrained weights: a local file, else the published ones (downloaded once)"
    )
    pretrained_weights: str | None = Field(None, description="weights file; searched for if unset")
    trust_checkpoint: bool = Field(
        False,
        description="let pretrained weights that are a pickle of Python objects (Ultralytics' .pt checkpoints) load, "
        "which runs code from the file; also fetches a publisher's file that comes with no hash. Only for files "
        "from a publisher you trust",
    )
    freeze_stages: int = Field(0, ge=0, le=32, description="freeze the first N stages of the backbone")
    gradient_clip_val: float | None = Field(None, gt=0.0, le=1e6, description="clip the gradient norm to this")
    accumulate_grad_batches: int = Field(1, ge=1, le=1024, description="step the optimiser every N batches")
    label_smoothing: float = Field(0.0, ge=0.0, lt=1.0, description="soften the one-hot targets (classification)")
    class_weights: Literal["none", "auto"] | Annotated[list[ClassWeight], Field(min_length=1, max_length=10_000)] = (
        Field(
            "none",
            description="weigh the loss by class (classification, segmentation): auto from the training split's "
            "frequencies, or one weight per class in the dataset's class order",
        )
    )
    ema: EmaConfig = EmaConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    augmentation: AugmentationConfig = AugmentationConfig()
    preprocessing: PreprocessingConfig = PreprocessingConfig()
    validation: ValidationConfig = ValidationConfig()
    early_stopping: EarlyStoppingConfig = EarlyStoppingConfig()
    hardware: HardwareConfig = HardwareConfig()
    data: DataConfig = DataConfig()
    checkpoints: CheckpointConfig = CheckpointConfig()
    registry: RegistryConfig = RegistryConfig()

    @classmethod
    def from_run_config(cls, config: dict[str, Any]) -> TrainingConfig:
        """The platform part of a resolved run config (everything but the ``model`` section)."""
        return cls.model_validate({k: v for k, v in config.items() if k != "model"})

    @model_validator(mode="after")
    def _warmup_within_epochs(self) -> Self:
        if self.scheduler.warmup_epochs and self.scheduler.warmup_epochs >= self.epochs:
            raise ValueError("scheduler.warmup_epochs must be smaller than epochs")
        return self
