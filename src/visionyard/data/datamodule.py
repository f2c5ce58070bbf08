"""Training data for every task: keyed datasets, a reproducible sampler, and the Lightning data module.

Randomness is keyed, not streamed: the shuffle order is a function of (seed, epoch) and each
sample's augmentation of (seed, epoch, index). Checkpoints also hold the train loader's position (how
many batches of which epoch were trained). A run resumed at an epoch boundary or mid-epoch therefore
sees exactly the batches an uninterrupted run would, whatever the number of loader workers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from visionyard.common.training_config import TrainingConfig
from visionyard.data.formats import ClassSample, TaskData
from visionyard.data.loading import TaskLoading

Item = tuple[int, int] | int


def sample_seed(seed: int, epoch: int, index: int) -> int:
    return (seed * 1_000_003 + epoch * 7_919 + index) % (2**63)


def reseed(seed: int) -> None:
    """What ``torch.manual_seed(seed)`` does to the generators training draws from: the CPU's, and every CUDA
    device's once CUDA is initialised (a loader worker's CUDA is not, as for ``torch.manual_seed``). The same
    states, at a fraction of the cost: while CUDA (or XPU, MTIA) is not initialised, ``torch.manual_seed`` queues
    a seed for it together with the caller's formatted stack (``traceback.format_stack``): 0.1 to 0.9 ms a call
    on a 2-core host, which per sample in the loader workers took CPU from the training step."""
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(seed)


class KeyedDataset(Dataset):
    """A task's samples through its loading steps; an ``(epoch, index)`` item seeds the augmentation."""

    def __init__(self, samples: Sequence[Any], loading: TaskLoading, transform: Callable, seed: int = 0):
        self.samples = list(samples)
        self.loading, self.transform, self.seed = loading, transform, seed

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, item: Item) -> tuple[Any, ...]:
        epoch, index = item if isinstance(item, tuple) else (None, item)
        inputs = self.loading.load(self.samples[index])
        if epoch is not None:
            reseed(sample_seed(self.seed, epoch, index))
        return self.loading.finish(*self.transform(*inputs))


class EpochShuffleSampler(Sampler[tuple[int, int]]):
    """Yields ``(epoch, index)`` in an order fixed by (seed, epoch); Lightning calls ``set_epoch``.

    Under distributed training each of ``world`` ranks takes every ``world``-th index of that order (the
    tail that would leave ranks with unequal counts is left out, so every rank takes the same steps).
    ``resume_at`` makes one epoch's pass start part-way through the rank's share (a mid-epoch resume).
    """

    def __init__(self, size: int, seed: int, rank: int = 0, world: int = 1):
        self.size, self.seed, self.epoch = size, seed, 0
        self.rank, self.world = rank, world
        self._resume_epoch, self._resume_offset = -1, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def resume_at(self, epoch: int, offset: int) -> None:
        self._resume_epoch, self._resume_offset = epoch, offset

    @property
    def offset(self) -> int:
        """Samples of the current epoch skipped because a previous attempt trained them."""
        return self._resume_offset if self.epoch == self._resume_epoch else 0

    def __len__(self) -> int:
        return self.size // self.world

    def __iter__(self) -> Iterator[tuple[int, int]]:
        generator = torch.Generator().manual_seed(self.seed * 10_007 + self.epoch)
        order = torch.randperm(self.size, generator=generator).tolist()[: len(self) * self.world]
        for index in order[self.rank :: self.world][self.offset :]:
            yield self.epoch, index


class ResumableLoader(DataLoader):
    """The train loader, with the ``state_dict`` Lightning saves in checkpoints: the epoch and how many of its
    batches were handed to training. Restored, the epoch's pass skips those; the length stays the full epoch's,
    as Lightning expects (its restored loop counts the skipped batches).

    Under distributed training each rank's loader counts its own share of the epoch.
    """

    batches = 0

    @property
    def order(self) -> EpochShuffleSampler | None:
        return self.sampler if isinstance(self.sampler, EpochShuffleSampler) else None

    def __iter__(self) -> Iterator[Any]:
        # A generator: the underlying iterator, whose workers prefetch indices from the sampler, starts at the
        # first batch, after set_epoch (when a fit starts, Lightning calls iter() before set_epoch).
        assert self.batch_size is not None
        self.batches = self.order.offset // self.batch_size if self.order else 0
        for batch in super().__iter__():
            self.batches += 1
            yield batch

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.order.epoch, "batches": self.batches} if self.order else {}

    def load_state_dict(self, state: dict[str, int]) -> None:
        assert self.batch_size is not None
        if self.order and state:
            self.order.resume_at(state["epoch"], state["batches"] * self.batch_size)


@dataclass(frozen=True)
class Splits:
    classes: list[str]
    train: list[Any]
    val: list[Any]
    test: list[Any]


def carve_splits(data: TaskData, cfg: TrainingConfig) -> Splits:
    """The dataset's splits; without a val split, a seeded ``val_split`` fraction of train (per class for
    classification) becomes it."""
    train, val = data.splits.get("train", []), data.splits.get("val")
    if val is None:
        groups: dict[Any, list[Any]] = {}
        for sample in train:
            groups.setdefault(sample.label if isinstance(sample, ClassSample) else None, []).append(sample)
        train, val = [], []
        for key, members in groups.items():
            kept, held_out = _hold_out(members, cfg.validation.val_split, f"{cfg.seed}:{key}")
            train.extend(kept)
            val.extend(held_out)
    return Splits(data.classes, list(train), list(val), list(data.splits.get("test", [])))


def _hold_out(samples: list[Any], fraction: float, seed: str) -> tuple[list[Any], list[Any]]:
    """At least one sample each way when there are two or more."""
    if len(samples) < 2:
        return samples, []
    order = list(range(len(samples)))
    random.Random(seed).shuffle(order)
    n_val = min(max(round(len(samples) * fraction), 1), len(samples) - 1)
    held = set(order[:n_val])
    return [s for i, s in enumerate(samples) if i not in held], [samples[i] for i in sorted(held)]


class TaskDataModule(L.LightningDataModule):
    def __init__(self, loading: TaskLoading, splits: Splits, cfg: TrainingConfig, pin_memory: bool = False):
        super().__init__()
        self.splits, self.cfg, self.pin_memory = splits, cfg, pin_memory
        self.batch_size = cfg.batch_size
        """What the loaders batch by (Lightning's batch-size finder scales it)."""
        self.loading = loading
        self.train_set = KeyedDataset(splits.train, self.loading, self.loading.transform(cfg, True), cfg.seed)
        self.val_set = KeyedDataset(splits.val, self.loading, self.loading.transform(cfg, False))
        self.test_set = KeyedDataset(splits.test, self.loading, self.loading.transform(cfg, False))
        self._train_loader: ResumableLoader | None = None
        self._restored: dict[str, int] | None = None

    def train_dataloader(self) -> ResumableLoader:
        rank, world = self.shard()
        share = len(self.train_set) // world
        loader = ResumableLoader(
            self.train_set,
            sampler=EpochShuffleSampler(len(self.train_set), self.cfg.seed, rank, world),
            drop_last=share > self.batch_size,
            **self._loader_options(),
        )
        if self._restored is not None:
            loader.load_state_dict(self._restored)
        self._train_loader = loader
        return loader

    def val_dataloader(self) -> DataLoader:
        """Every sample once over all ranks: rank r validates samples r, r + world, r + 2 world..."""
        rank, world = self.shard()
        return DataLoader(self.val_set, sampler=range(rank, len(self.val_set), world), **self._loader_options())

    def shard(self) -> tuple[int, int]:
        """This process's rank and the number of ranks (0 and 1 when training alone)."""
        trainer = self.trainer
        return (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)

    def test_dataloader(self) -> DataLoader:
        return DataLoader(self.test_set, **self._loader_options())

    def state_dict(self) -> dict[str, Any]:
        """The train loader's position. Lightning saves the loader's state itself too, but drops it on a resume
        when ``configure_optimizers`` reads ``estimated_stepping_batches`` (Lightning issue #20550); a data
        module's state is restored before its loaders are made."""
        return {"train_loader": self._train_loader.state_dict()} if self._train_loader is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._restored = state.get("train_loader")

    def _loader_options(self) -> dict[str, Any]:
        workers = self.cfg.data.num_workers
        return {
            "batch_size": self.batch_size,
            "num_workers": workers,
            "persistent_workers": workers > 0,
            "pin_memory": self.pin_memory,
            "collate_fn": self.loading.collate,
        }
