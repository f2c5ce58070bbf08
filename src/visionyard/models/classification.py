"""Built-in classification models: torchvision ResNet-18 and MobileNetV3-Small, timm
EfficientNet-B0, and a small CNN written as a plain ``nn.Module``."""

from __future__ import annotations

from torch import nn

from visionyard.sdk import (
    ConfigField,
    ConfigSchema,
    ModelMetadata,
    TimmClassifier,
    TorchModuleClassifier,
    TorchvisionClassifier,
)

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

    @classmethod
    def metadata(cls) -> ModelMetadata:
        return ModelMetadata(
            name="resnet18",
            version="1.0.0",
            author="visionyard",
            framework="torchvision",
            task_type="classification",
            description="ResNet-18 (He et al., 2015): a sound first choice for most image classification.",
            tags=("resnet", "cnn"),
            min_gpu_memory_gb=2.0,
            recommended_batch_size=64,
            supported_image_sizes=(32, 64, 128, 224, 256),
        )

    @classmethod
    def config_schema(cls) -> ConfigSchema:
        return ConfigSchema(
            fields=(
                ConfigField(
                    name="zero_init_residual",
                    type="bool",
                    default=False,
                    description="start each residual branch at zero (helps short schedules)",
                    group="model",
                    advanced=True,
                ),
            ),
            presets=PRESETS,
        )

    def stages(self) -> list[nn.Module]:
        m = self._require_model()
        return [nn.ModuleList([m.conv1, m.bn1]), m.layer1, m.layer2, m.layer3, m.layer4]


class MobileNetV3Small(TorchvisionClassifier):
    architecture = "mobilenet_v3_small"

    @classmethod
    def metadata(cls) -> ModelMetadata:
        return ModelMetadata(
            name="mobilenet_v3_small",
            version="1.0.0",
            author="visionyard",
            framework="torchvision",
            task_type="classification",
            description="MobileNetV3-Small: fast on CPUs and phones, about 2.5M parameters.",
            tags=("mobilenet", "mobile", "cnn"),
            min_gpu_memory_gb=1.0,
            recommended_batch_size=128,
            supported_image_sizes=(64, 128, 224),
        )

    @classmethod
    def config_schema(cls) -> ConfigSchema:
        return ConfigSchema(
            fields=(
                ConfigField(
                    name="dropout",
                    type="float",
                    default=0.2,
                    min=0.0,
                    max=0.9,
                    step=0.05,
                    group="model",
                    description="dropout before the classifier",
                ),
                ConfigField(
                    name="width_mult",
                    type="float",
                    default=1.0,
                    min=0.25,
                    max=2.0,
                    step=0.25,
                    group="model",
                    advanced=True,
                    description="channel width multiplier (pretrained weights need 1.0)",
                ),
            ),
            presets=PRESETS,
        )

    def stages(self) -> list[nn.Module]:
        return list(self._require_model().features)


class EfficientNetB0(TimmClassifier):
    timm_name = "efficientnet_b0"

    @classmethod
    def metadata(cls) -> ModelMetadata:
        return ModelMetadata(
            name="efficientnet_b0",
            version="1.0.0",
            author="visionyard",
            framework="timm",
            task_type="classification",
            description="EfficientNet-B0 from timm: strong accuracy per FLOP.",
            tags=("efficientnet", "timm", "cnn"),
            min_gpu_memory_gb=3.0,
            recommended_batch_size=64,
            supported_image_sizes=(128, 224, 256),
        )

    @classmethod
    def config_schema(cls) -> ConfigSchema:
        return ConfigSchema(
            fields=(
                ConfigField(
                    name="drop_rate",
                    type="float",
                    default=0.2,
                    min=0.0,
                    max=0.9,
                    step=0.05,
                    group="model",
                    description="dropout before the classifier",
                ),
                ConfigField(
                    name="drop_path_rate",
                    type="float",
                    default=0.0,
                    min=0.0,
                    max=0.5,
                    step=0.05,
                    group="model",
                    advanced=True,
                    description="stochastic depth",
                ),
            ),
            presets=PRESETS,
        )

    def stages(self) -> list[nn.Module]:
        m = self._require_model()
        return [nn.ModuleList([m.conv_stem, m.bn1]), *m.blocks]


class SmallCNN(TorchModuleClassifier):
    """A few conv blocks: fast on small images; the plain ``nn.Module`` adapter at work."""

    @classmethod
    def metadata(cls) -> ModelMetadata:
        return ModelMetadata(
            name="small_cnn",
            version="1.0.0",
            author="visionyard",
            framework="pytorch",
            task_type="classification",
            description="A small convolutional network for small images and quick experiments.",
            tags=("cnn", "small"),
            recommended_batch_size=64,
            supported_image_sizes=(28, 32, 64),
        )

    @classmethod
    def config_schema(cls) -> ConfigSchema:
        return ConfigSchema(
            fields=(
                ConfigField(
                    name="width",
                    type="int",
                    default=32,
                    min=4,
                    max=512,
                    group="model",
                    description="channels of the first block (doubled per block)",
                ),
                ConfigField(
                    name="depth",
                    type="int",
                    default=3,
                    min=1,
                    max=6,
                    group="model",
                    description="conv blocks, each halving the resolution",
                ),
                ConfigField(
                    name="dropout",
                    type="float",
                    default=0.1,
                    min=0.0,
                    max=0.9,
                    step=0.05,
                    group="model",
                    description="dropout before the classifier",
                ),
            ),
            presets=PRESETS,
        )

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
