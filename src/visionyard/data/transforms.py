"""Preprocessing and augmentation pipelines with torchvision v2 transforms."""

from __future__ import annotations

import torch
from torchvision import tv_tensors
from torchvision.transforms import InterpolationMode, v2

from visionyard.common.training_config import TrainingConfig


class Contiguous(v2.Transform):
    """Images in channels-first memory. ``ToImage`` gives a channels-last view of the PIL pixels, and resizing
    keeps it; normalising that view is several times slower (0.26 ms against 0.04 at 224 px, the copy
    0.09). The values are the same."""

    _transformed_types = (tv_tensors.Image,)

    def transform(self, inpt: tv_tensors.Image, params: dict) -> tv_tensors.Image:
        return tv_tensors.wrap(inpt.contiguous(), like=inpt)


_INTERPOLATION = {
    "bilinear": InterpolationMode.BILINEAR,
    "bicubic": InterpolationMode.BICUBIC,
    "nearest": InterpolationMode.NEAREST,
}
_AUTO_AUGMENT = {
    "randaugment": v2.RandAugment,
    "autoaugment": v2.AutoAugment,
    "trivialaugment": v2.TrivialAugmentWide,
}


def eval_transform(cfg: TrainingConfig) -> v2.Compose:
    return v2.Compose([*_resize(cfg, train=False), *_finish(cfg)])


def train_transform(cfg: TrainingConfig) -> v2.Compose:
    return v2.Compose([*_resize(cfg, train=True), *_finish(cfg)])


def dense_transform(
    cfg: TrainingConfig, train: bool, *, normalize: bool = True, mask_fill: int = 0, boxes: bool = False
) -> v2.Compose:
    """For detection, segmentation and change detection: one call transforms every input of a sample
    (images, ``BoundingBoxes``, ``Mask``) with the same geometry; masks are resized with nearest
    neighbours and filled with ``mask_fill`` where a rotation uncovers them. Boxes that a crop or a
    rotation leaves empty are dropped with their labels (``boxes``: the sample is ``(image, target)``).
    """
    steps = _resize(cfg, train, mask_fill)
    steps.append(Contiguous())
    steps.append(v2.ToDtype({tv_tensors.Image: torch.float32, "others": None}, scale=True))
    if normalize and cfg.preprocessing.normalize:
        steps.append(v2.Normalize(list(cfg.preprocessing.mean), list(cfg.preprocessing.std)))
    if boxes:
        steps.append(v2.SanitizeBoundingBoxes())
    return v2.Compose(steps)


def _resize(cfg: TrainingConfig, train: bool, mask_fill: int = 0) -> list[v2.Transform]:
    """To the configured square size; with augmentation (when enabled) for training."""
    a, p = cfg.augmentation, cfg.preprocessing
    size = (p.image_size, p.image_size)
    interpolation = _INTERPOLATION[p.interpolation]
    augment = train and a.enabled
    steps: list[v2.Transform] = [v2.ToImage()]
    if augment and a.random_resized_crop:
        steps.append(v2.RandomResizedCrop(size, scale=a.crop_scale, interpolation=interpolation, antialias=True))
    else:
        steps.append(v2.Resize(size, interpolation, antialias=True))
    if augment:
        steps.extend(_augmentations(cfg, interpolation, mask_fill))
    return steps


def _finish(cfg: TrainingConfig) -> list[v2.Transform]:
    p = cfg.preprocessing
    steps: list[v2.Transform] = [Contiguous(), v2.ToDtype(torch.float32, scale=True)]
    if p.normalize:
        steps.append(v2.Normalize(list(p.mean), list(p.std)))
    return steps


def _augmentations(cfg: TrainingConfig, interpolation: InterpolationMode, mask_fill: int = 0) -> list[v2.Transform]:
    a, p = cfg.augmentation, cfg.preprocessing
    steps: list[v2.Transform] = []
    if a.horizontal_flip:
        steps.append(v2.RandomHorizontalFlip(a.horizontal_flip))
    if a.vertical_flip:
        steps.append(v2.RandomVerticalFlip(a.vertical_flip))
    if a.rotation:
        fill = {tv_tensors.Mask: mask_fill, "others": 0}
        steps.append(v2.RandomRotation(a.rotation, interpolation=interpolation, fill=fill))
    jitter = a.color_jitter
    if any((jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue)):
        steps.append(v2.ColorJitter(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue))
    if a.grayscale:
        steps.append(v2.RandomGrayscale(a.grayscale))
    if a.blur:
        kernel = max(3, (p.image_size // 10) | 1)
        steps.append(v2.RandomApply([v2.GaussianBlur(kernel, sigma=a.blur_sigma)], p=a.blur))
    if a.auto_augment != "none":
        steps.append(_AUTO_AUGMENT[a.auto_augment](interpolation=interpolation))
    return steps
