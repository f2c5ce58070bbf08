"""Boxes and masks follow every geometric augmentation of their image; A, B and label move together."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import tv_tensors

from visionyard.common.training_config import TrainingConfig
from visionyard.data.formats import IGNORE_INDEX
from visionyard.engine.tasks.kit import kit

GEOMETRY = {
    "preprocessing": {"image_size": 64, "normalize": False},
    "augmentation": {
        "horizontal_flip": 0.5,
        "vertical_flip": 0.5,
        "rotation": 30,
        "random_resized_crop": True,
        "crop_scale": (0.6, 1.0),
    },
}


def _scene(seed: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """An 80x96 black image with one white rectangle; its 0/1 mask and box."""
    rng = np.random.default_rng(seed)
    x1, y1 = int(rng.integers(5, 40)), int(rng.integers(5, 30))
    x2, y2 = x1 + int(rng.integers(15, 40)), y1 + int(rng.integers(15, 40))
    mask = np.zeros((80, 96), np.uint8)
    mask[y1:y2, x1:x2] = 1
    return np.repeat(mask[..., None] * 255, 3, axis=2), mask, (x1, y1, x2, y2)


def _white(image: torch.Tensor) -> torch.Tensor:
    return image.mean(0) > 0.5


@pytest.mark.parametrize("seed", range(12))
def test_boxes_follow_the_image(seed: int):
    pixels, _, box = _scene(seed)
    cfg = TrainingConfig.model_validate(GEOMETRY)
    image = tv_tensors.Image(torch.from_numpy(pixels).permute(2, 0, 1))
    target = {
        "boxes": tv_tensors.BoundingBoxes(
            torch.tensor([box], dtype=torch.float32), format="XYXY", canvas_size=(80, 96)
        ),
        "labels": torch.tensor([0]),
    }
    torch.manual_seed(seed)
    out_image, out_target = kit("detection").loading.finish(
        *kit("detection").loading.transform(cfg, True)(image, target)
    )
    white = _white(out_image).nonzero()
    if len(out_target["boxes"]) == 0:  # the crop left nothing of the object
        assert len(white) < 10
        return
    (bx1, by1, bx2, by2) = out_target["boxes"][0].tolist()
    ys, xs = white[:, 0].float(), white[:, 1].float()
    # every white pixel lies in the box (a rotated box is the bounding box of the rotated one)
    assert xs.min() >= bx1 - 1.5 and xs.max() <= bx2 + 0.5 and ys.min() >= by1 - 1.5 and ys.max() <= by2 + 0.5


@pytest.mark.parametrize("seed", range(12))
def test_masks_follow_the_image_and_uncovered_pixels_are_ignored(seed: int):
    pixels, mask, _ = _scene(seed)
    cfg = TrainingConfig.model_validate(GEOMETRY)
    torch.manual_seed(seed)
    transform = kit("segmentation").loading.transform(cfg, True)
    image, out_mask = kit("segmentation").loading.finish(
        *transform(Image.fromarray(pixels), tv_tensors.Mask(torch.from_numpy(mask)))
    )
    assert out_mask.dtype == torch.long and set(out_mask.unique().tolist()) <= {0, 1, IGNORE_INDEX}
    labelled = out_mask != IGNORE_INDEX
    agree = (_white(image) == (out_mask == 1))[labelled].float().mean()
    assert agree > 0.97  # only interpolated edge pixels may differ


@pytest.mark.parametrize("seed", range(12))
def test_before_after_and_label_get_the_same_geometry(seed: int):
    pixels, mask, _ = _scene(seed)
    darker = (pixels * 0.8).astype(np.uint8)
    cfg = TrainingConfig.model_validate(GEOMETRY)
    torch.manual_seed(seed)
    transform = kit("change_detection").loading.transform(cfg, True)
    before, after, label = kit("change_detection").loading.finish(
        *transform(Image.fromarray(pixels), Image.fromarray(darker), tv_tensors.Mask(torch.from_numpy(mask)))
    )
    assert label.dtype == torch.float32 and set(label.unique().tolist()) <= {0.0, 1.0}
    assert (_white(before) == (label == 1)).float().mean() > 0.97
    assert ((after.mean(0) > 0.4) == (label == 1)).float().mean() > 0.97
