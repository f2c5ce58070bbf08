"""Classification data: datasets, a reproducible sampler, and the Lightning data module.

Randomness is keyed, not streamed: the shuffle order is a function of (seed, epoch) and each
sample's augmentation of (seed, epoch, index). A run resumed at an epoch boundary therefore sees
exactly the batches an uninterrupted run would, whatever the number of loader workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Sampler

from visionyard.data.checks import DatasetReport
from visionyard.data.image_folder import FolderScan, stratified_split
from visionyard.data.transforms import eval_transform, train_transform
from visionyard.training_config import TrainingConfig

Item = tuple[int, int] | int


def sample_seed(seed: int, epoch: int, index: int) -> int:
    return (seed * 1_000_003 + epoch * 7_919 + index) % (2**63)


class ImageClassificationDataset(Dataset):
    def __init__(self, samples: Sequence[tuple[Path, int]], transform: Callable, seed: int = 0):
        self.samples = list(samples)
        self.transform = transform
        self.seed = seed

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, item: Item) -> tuple[torch.Tensor, int]:
        epoch, index = item if isinstance(item, tuple) else (None, item)
        path, label = self.samples[index]
        with Image.open(path) as raw:
            image = raw.convert("RGB")
        if epoch is not None:
            torch.manual_seed(sample_seed(self.seed, epoch, index))
        return self.transform(image), label


class EpochShuffleSampler(Sampler[tuple[int, int]]):
    """Yields ``(epoch, index)`` in an order fixed by (seed, epoch); Lightning calls ``set_epoch``."""

    def __init__(self, size: int, seed: int):
        self.size, self.seed, self.epoch = size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[tuple[int, int]]:
        generator = torch.Generator().manual_seed(self.seed * 10_007 + self.epoch)
        for index in torch.randperm(self.size, generator=generator).tolist():
            yield self.epoch, index


@dataclass(frozen=True)
class ClassificationSplits:
    classes: list[str]
    train: list[tuple[Path, int]]
    val: list[tuple[Path, int]]
    test: list[tuple[Path, int]]


def build_splits(scan: FolderScan, report: DatasetReport, cfg: TrainingConfig) -> ClassificationSplits:
    """Label files by the train classes; leave out files the check found invalid."""
    classes = scan.classes
    index = {name: i for i, name in enumerate(classes)}
    invalid = report.invalid_files
    files = dict(scan.files)
    if "val" not in files:
        files["train"], files["val"] = stratified_split(files["train"], cfg.validation.val_split, cfg.seed)

    def labelled(split: str) -> list[tuple[Path, int]]:
        return [
            (path, index[name])
            for name, paths in sorted(files.get(split, {}).items())
            if name in index
            for path in paths
            if str(path) not in invalid
        ]

    return ClassificationSplits(classes, labelled("train"), labelled("val"), labelled("test"))


class ClassificationDataModule(L.LightningDataModule):
    def __init__(self, splits: ClassificationSplits, cfg: TrainingConfig, pin_memory: bool = False):
        super().__init__()
        self.splits, self.cfg, self.pin_memory = splits, cfg, pin_memory
        self.train_set = ImageClassificationDataset(splits.train, train_transform(cfg), cfg.seed)
        self.val_set = ImageClassificationDataset(splits.val, eval_transform(cfg))
        self.test_set = ImageClassificationDataset(splits.test, eval_transform(cfg))

    def train_dataloader(self) -> DataLoader:
        return self._loader(
            self.train_set,
            sampler=EpochShuffleSampler(len(self.train_set), self.cfg.seed),
            drop_last=len(self.train_set) > self.cfg.batch_size,
        )

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set)

    def _loader(self, dataset: Dataset, **kwargs: object) -> DataLoader:
        workers = self.cfg.data.num_workers
        return DataLoader(
            dataset,
            batch_size=self.cfg.batch_size,
            num_workers=workers,
            persistent_workers=workers > 0,
            pin_memory=self.pin_memory,
            **kwargs,
        )
