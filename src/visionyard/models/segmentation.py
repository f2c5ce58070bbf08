"""Built-in segmentation models: torchvision LR-ASPP (MobileNetV3-Large) and a U-Net."""

from __future__ import annotations

from torch import nn

from visionyard.models.common import builtin
from visionyard.models.nets.unet import UNet
from visionyard.sdk import TorchModuleSegmenter, TorchvisionSegmenter, number, switch

SIZES = (64, 128, 256, 512)
PRESETS = {
    "quick": {
        "epochs": 10,
        "batch_size": 16,
        "lr": 2e-3,
        "preprocessing.image_size": 64,
        "scheduler.type": "cosine",
        "augmentation.random_resized_crop": False,
    },
    "standard": {
        "epochs": 50,
        "batch_size": 8,
        "lr": 1e-3,
        "preprocessing.image_size": 256,
        "scheduler": {"type": "cosine", "warmup_epochs": 2},
        "augmentation": {"vertical_flip": 0.5, "color_jitter": {"brightness": 0.2, "contrast": 0.2}},
        "early_stopping": {"enabled": True, "patience": 10},
    },
    "finetune": {"epochs": 20, "pretrained": True, "lr": 1e-4, "scheduler.type": "cosine"},
}
UNET_PRESETS = {
    "quick": {**PRESETS["quick"], "epochs": 30, "model.base_channel": 16},
    "standard": PRESETS["standard"],
}


class LRASPPMobileNet(TorchvisionSegmenter):
    architecture = "lraspp_mobilenet_v3_large"
    info = builtin(
        "lraspp_mobilenet_v3",
        "torchvision",
        "segmentation",
        "LR-ASPP with a MobileNetV3-Large backbone: light semantic segmentation for CPUs and phones.",
        tags=("lraspp", "mobilenet", "mobile"),
        min_gpu_memory_gb=2.0,
        recommended_batch_size=16,
        supported_image_sizes=SIZES,
    )
    presets = PRESETS


class UNetSegmenter(TorchModuleSegmenter):
    """The classic encoder-decoder with skip connections (Ronneberger et al., 2015)."""

    info = builtin(
        "unet",
        "pytorch",
        "segmentation",
        "U-Net: encoder-decoder with skip connections; sharp masks from little data.",
        tags=("unet", "encoder-decoder"),
        min_gpu_memory_gb=2.0,
        recommended_batch_size=16,
        supported_image_sizes=SIZES,
    )
    config_fields = (
        number("base_channel", 32, 4, 256, "channels of the first level (doubled per level)"),
        number("depth", 4, 1, 6, "down-sampling levels; image sizes must divide by 2^depth"),
        switch("bilinear", True, "bilinear up-sampling (else transposed convolutions)", advanced=True),
    )
    presets = UNET_PRESETS

    def create_model(self) -> nn.Module:
        return UNet(num_classes=self.num_classes, **self.options)

    def stages(self) -> list[nn.Module]:
        model = self._require_model()
        return [model.stem, *model.downs]
