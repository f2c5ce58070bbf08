"""Built-in classification models: torchvision ResNet-18 and MobileNetV3-Small, timm
EfficientNet-B0, and a small CNN written as a plain ``nn.Module``."""

from __future__ import annotations

from torch import nn

from visionyard.models.common import builtin, dropout
from visionyard.sdk import TimmClassifier, TorchModuleClassifier, TorchvisionClassifier, number, switch

PRESETS = {
    "quick": {"epochs": 5, "lr": 2e-3, "preprocessing.image_size": 64, "scheduler.type": "cosine"},
    "standard": {
        "epochs": 30,
        "optimizer.type": "adamw",
        "lr": 1e-3,
        "scheduler": {"type": "cosine", "warmup_epochs": 2},
        "augmentation": {"rotation": 10, "color_jitter": {"brightness": 0.2, "contrast": 0.2}},
        "early_stopping": {"enabled": True, "patience": 8},
    },
    "finetune": {
        "epochs": 15,
        "pretrained": True,
        "lr": 1e-4,
        "freeze_stages": 2,
        "scheduler.type": "cosine",
    },
}


class ResNet18(TorchvisionClassifier):
    architecture = "resnet18"
    info = builtin(
        "resnet18",
        "torchvision",
        "classification",
        "ResNet-18 (He et al., 2015): a sound first choice for most image classification.",
        tags=("resnet", "cnn"),
        min_gpu_memory_gb=2.0,
        recommended_batch_size=64,
        supported_image_sizes=(32, 64, 128, 224, 256),
    )
    config_fields = (
        switch(
            "zero_init_residual", False, "start each residual branch at zero (helps short schedules)", advanced=True
        ),
    )
    presets = PRESETS

    def stages(self) -> list[nn.Module]:
        m = self._require_model()
        return [nn.ModuleList([m.conv1, m.bn1]), m.layer1, m.layer2, m.layer3, m.layer4]


class MobileNetV3Small(TorchvisionClassifier):
    architecture = "mobilenet_v3_small"
    info = builtin(
        "mobilenet_v3_small",
        "torchvision",
        "classification",
        "MobileNetV3-Small: fast on CPUs and phones, about 2.5M parameters.",
        tags=("mobilenet", "mobile", "cnn"),
        min_gpu_memory_gb=1.0,
        recommended_batch_size=128,
        supported_image_sizes=(64, 128, 224),
    )
    config_fields = (
        dropout(0.2),
        number(
            "width_mult",
            1.0,
            0.25,
            2.0,
            "channel width multiplier (pretrained weights need 1.0)",
            step=0.25,
            advanced=True,
        ),
    )
    presets = PRESETS

    def stages(self) -> list[nn.Module]:
        return list(self._require_model().features)


class EfficientNetB0(TimmClassifier):
    timm_name = "efficientnet_b0"
    info = builtin(
        "efficientnet_b0",
        "timm",
        "classification",
        "EfficientNet-B0 from timm: strong accuracy per FLOP.",
        tags=("efficientnet", "timm", "cnn"),
        min_gpu_memory_gb=3.0,
        recommended_batch_size=64,
        supported_image_sizes=(128, 224, 256),
    )
    config_fields = (
        dropout(0.2, "drop_rate"),
        number("drop_path_rate", 0.0, 0.0, 0.5, "stochastic depth", step=0.05, advanced=True),
    )
    presets = PRESETS

    def stages(self) -> list[nn.Module]:
        m = self._require_model()
        return [nn.ModuleList([m.conv_stem, m.bn1]), *m.blocks]


class SmallCNN(TorchModuleClassifier):
    """A few conv blocks: fast on small images; the plain ``nn.Module`` adapter at work."""

    info = builtin(
        "small_cnn",
        "pytorch",
        "classification",
        "A small convolutional network for small images and quick experiments.",
        tags=("cnn", "small"),
        recommended_batch_size=64,
        supported_image_sizes=(28, 32, 64),
    )
    config_fields = (
        number("width", 32, 4, 512, "channels of the first block (doubled per block)"),
        number("depth", 3, 1, 6, "conv blocks, each halving the resolution"),
        dropout(0.1),
    )
    presets = PRESETS

    def create_model(self) -> nn.Module:
        width, depth = self.options["width"], self.options["depth"]
        blocks, channels = [], 3
        for i in range(depth):
            out = width * 2**i
            blocks.append(
                nn.Sequential(
                    nn.Conv2d(channels, out, 3, padding=1, bias=False),
                    nn.BatchNorm2d(out),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(2),
                )
            )
            channels = out
        head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(self.options["dropout"]),
            nn.Linear(channels, self.num_classes),
        )
        return nn.Sequential(*blocks, head)

    def stages(self) -> list[nn.Module]:
        return list(self._require_model())[:-1]
