from __future__ import annotations

import torch
from PIL import Image

from visionyard.common.training_config import TrainingConfig
from visionyard.data.transforms import eval_transform, train_transform
from visionyard.plugins.schema import ConfigSchema
from visionyard.plugins.validation import resolve_config


def config(**values) -> TrainingConfig:
    resolved = resolve_config(ConfigSchema(), values)
    return TrainingConfig.from_run_config(resolved)


def test_every_augmentation_together_gives_a_normalised_tensor_of_the_right_size():
    cfg = config(
        **{
            "preprocessing.image_size": 48,
            "augmentation.vertical_flip": 0.5,
            "augmentation.rotation": 30,
            "augmentation.color_jitter": {"brightness": 0.3, "contrast": 0.3, "saturation": 0.3, "hue": 0.1},
            "augmentation.grayscale": 0.5,
            "augmentation.blur": 1.0,
            "augmentation.auto_augment": "randaugment",
        }
    )
    image = Image.new("RGB", (70, 50), (200, 30, 30))
    out = train_transform(cfg)(image)
    assert out.shape == (3, 48, 48) and out.dtype == torch.float32
    assert "RandAugment" in repr(train_transform(cfg)) and "GaussianBlur" in repr(train_transform(cfg))


def test_eval_is_deterministic_and_unnormalised_when_asked():
    cfg = config(**{"preprocessing.image_size": 16, "preprocessing.normalize": False})
    image = Image.new("RGB", (40, 40), (255, 0, 0))
    out = eval_transform(cfg)(image)
    assert torch.equal(out, eval_transform(cfg)(image))
    assert out[0].min() == 1.0 and out[1].max() == 0.0
