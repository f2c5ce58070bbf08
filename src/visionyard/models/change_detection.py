"""Built-in change detection: SNUNet-CBAM (spec/004), a Siamese nested U-Net with attention."""

from __future__ import annotations

from torch import nn

from visionyard.models.common import builtin
from visionyard.models.nets.snunet import SNUNetCBAM
from visionyard.sdk import ConfigField, TorchModuleChangeDetector, number, switch

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
    return number(name, 0.5, 0.0, 1.0, description, step=0.05, group="loss")


class SNUNet(TorchModuleChangeDetector):
    info = builtin(
        "snunet_cbam",
        "pytorch",
        "change_detection",
        "SNUNet-CBAM (Fang et al., 2021): Siamese nested U-Net with channel and spatial attention, trained with a "
        "hybrid BCE + Dice loss.",
        tags=("snunet", "siamese", "unet++", "attention"),
        min_gpu_memory_gb=4.0,
        recommended_batch_size=8,
        supported_image_sizes=(64, 128, 256, 512),
        input_images=2,
    )
    config_fields = (
        number("base_channel", 32, 4, 128, "channels of the first encoder stage (doubled per stage)"),
        switch("use_attention", True, "ensemble channel attention and CBAM spatial attention over the four outputs"),
        _loss_weight("weight_bce", "weight of binary cross-entropy in the loss"),
        _loss_weight("weight_dice", "weight of the Dice loss"),
    )
    presets = PRESETS

    def create_model(self) -> nn.Module:
        return SNUNetCBAM(base_channel=self.options["base_channel"], use_attention=self.options["use_attention"])

    def stages(self) -> list[nn.Module]:
        return list(self._require_model().encoder.stages)
