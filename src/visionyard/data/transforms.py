"""Preprocessing and augmentation pipelines with torchvision v2 transforms."""

from __future__ import annotations

import torch
from torchvision.transforms import InterpolationMode, v2

from visionyard.training_config import TrainingConfig

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
    p = cfg.preprocessing
    size = (p.image_size, p.image_size)
    return v2.Compose([v2.ToImage(), v2.Resize(size, _INTERPOLATION[p.interpolation], antialias=True), *_finish(cfg)])


def train_transform(cfg: TrainingConfig) -> v2.Compose:
    a, p = cfg.augmentation, cfg.preprocessing
    if not a.enabled:
        return eval_transform(cfg)
    size = (p.image_size, p.image_size)
    interpolation = _INTERPOLATION[p.interpolation]
    steps: list[v2.Transform] = [v2.ToImage()]
    if a.random_resized_crop:
        steps.append(v2.RandomResizedCrop(size, scale=a.crop_scale, interpolation=interpolation, antialias=True))
    else:
        steps.append(v2.Resize(size, interpolation, antialias=True))
    if a.horizontal_flip:
        steps.append(v2.RandomHorizontalFlip(a.horizontal_flip))
    if a.vertical_flip:
        steps.append(v2.RandomVerticalFlip(a.vertical_flip))
    if a.rotation:
        steps.append(v2.RandomRotation(a.rotation, interpolation=interpolation))
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
    return v2.Compose([*steps, *_finish(cfg)])


def _finish(cfg: TrainingConfig) -> list[v2.Transform]:
    p = cfg.preprocessing
    steps: list[v2.Transform] = [v2.ToDtype(torch.float32, scale=True)]
    if p.normalize:
        steps.append(v2.Normalize(list(p.mean), list(p.std)))
    return steps
