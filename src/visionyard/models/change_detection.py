"""Built-in change detection: SNUNet-CBAM (spec/004), a Siamese nested U-Net with attention."""

from __future__ import annotations

from torch import nn

from visionyard.models.nets.snunet import SNUNetCBAM
from visionyard.sdk import ConfigField, ConfigSchema, ModelMetadata, TorchModuleChangeDetector

PRESETS = {
    "quick": {
        "epochs": 5,
        "batch_size": 8,
        "lr": 2e-3,
        "preprocessing.image_size": 64,
        "scheduler.type": "cosine",
        "augmentation.random_resized_crop": False,
    },
    "levir": {
        "epochs": 100,
        "batch_size": 8,
        "lr": 1e-3,
        "preprocessing.image_size": 256,
        "optimizer.type": "adamw",
        "scheduler": {"type": "cosine", "warmup_epochs": 5},
        "augmentation": {
            "vertical_flip": 0.5,
            "rotation": 90,
            "random_resized_crop": False,
            "color_jitter": {"brightness": 0.2, "contrast": 0.2},
            "blur": 0.2,
        },
    },
}


def _loss_weight(name: str, description: str) -> ConfigField:
    return ConfigField(
        name=name, type="float", default=0.5, min=0.0, max=1.0, step=0.05, group="loss", description=description
    )


class SNUNet(TorchModuleChangeDetector):
    @classmethod
    def metadata(cls) -> ModelMetadata:
        return ModelMetadata(
            name="snunet_cbam",
            version="1.0.0",
            author="visionyard",
            framework="pytorch",
            task_type="change_detection",
            description="SNUNet-CBAM (Fang et al., 2021): Siamese nested U-Net with channel and spatial attention, "
            "trained with a hybrid BCE + Dice loss.",
            tags=("snunet", "siamese", "unet++", "attention"),
            min_gpu_memory_gb=4.0,
            recommended_batch_size=8,
            supported_image_sizes=(64, 128, 256, 512),
            input_images=2,
        )

    @classmethod
    def config_schema(cls) -> ConfigSchema:
        return ConfigSchema(
            fields=(
                ConfigField(
                    name="base_channel",
                    type="int",
                    default=32,
                    min=4,
                    max=128,
                    group="model",
                    description="channels of the first encoder stage (doubled per stage)",
                ),
                ConfigField(
                    name="use_attention",
                    type="bool",
                    default=True,
                    group="model",
                    description="ensemble channel attention and CBAM spatial attention over the four outputs",
                ),
                _loss_weight("weight_bce", "weight of binary cross-entropy in the loss"),
                _loss_weight("weight_dice", "weight of the Dice loss"),
            ),
            presets=PRESETS,
        )

    def create_model(self) -> nn.Module:
        return SNUNetCBAM(base_channel=self.options["base_channel"], use_attention=self.options["use_attention"])

    def stages(self) -> list[nn.Module]:
        return list(self._require_model().encoder.stages)
