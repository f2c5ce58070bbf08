"""A third-party plugin: a small multilayer perceptron over downscaled images."""

from torch import nn

from visionyard.sdk import ConfigField, ConfigSchema, ModelMetadata, TorchModuleClassifier


class TinyMLP(TorchModuleClassifier):
    @classmethod
    def metadata(cls) -> ModelMetadata:
        return ModelMetadata(
            name="tiny_mlp",
            version="0.1.0",
            author="Example Author",
            framework="custom",
            task_type="classification",
            description="A two-layer perceptron on 16x16 pooled images: a plugin in a few lines.",
            recommended_batch_size=64,
        )

    @classmethod
    def config_schema(cls) -> ConfigSchema:
        return ConfigSchema(
            fields=(
                ConfigField(
                    name="hidden", type="int", default=128, min=8, max=4096, group="model", description="hidden units"
                ),
                ConfigField(
                    name="dropout",
                    type="float",
                    default=0.1,
                    min=0.0,
                    max=0.9,
                    group="model",
                    description="dropout after the hidden layer",
                ),
            ),
            presets={"wide": {"model.hidden": 512, "epochs": 10}},
        )

    def create_model(self) -> nn.Module:
        return nn.Sequential(
            nn.AdaptiveAvgPool2d(16),
            nn.Flatten(),
            nn.Linear(3 * 16 * 16, self.options["hidden"]),
            nn.ReLU(),
            nn.Dropout(self.options["dropout"]),
            nn.Linear(self.options["hidden"], self.num_classes),
        )
