"""What a training step costs besides training: the keyed reseeds (per step in the main process, per sample in
the loader workers) leave the generators as ``torch.manual_seed`` does, without its cost; the progress bar is
updated every ``every`` seconds and at an epoch's last step, not at every step."""

from __future__ import annotations

import traceback
from types import SimpleNamespace

import pytest
import torch
from lightning.pytorch.callbacks import RichProgressBar

from visionyard.data.datamodule import reseed
from visionyard.engine import callbacks
from visionyard.engine.callbacks import CompactProgressBar, KeyedSeeding


@pytest.mark.parametrize("seed", [0, 1, 42 * 1_000_033 + 17, 2**63 - 5])
def test_reseed_leaves_the_generators_as_manual_seed_does(seed: int):
    torch.manual_seed(seed)
    expected_state, expected = torch.get_rng_state(), torch.rand(8)
    torch.manual_seed(seed + 1)
    reseed(seed)
    assert torch.equal(torch.get_rng_state(), expected_state)
    assert torch.equal(torch.rand(8), expected)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_reseed_seeds_every_cuda_device_once_cuda_is_initialised():
    torch.cuda.init()
    torch.manual_seed(5)
    expected = torch.cuda.get_rng_state_all()
    torch.manual_seed(6)
    reseed(5)
    for state, wanted in zip(torch.cuda.get_rng_state_all(), expected, strict=True):
        assert torch.equal(state, wanted)


def test_keyed_seeding_seeds_from_the_seed_and_the_global_step(monkeypatch: pytest.MonkeyPatch):
    torch.manual_seed(7 * 1_000_033 + 12)
    expected = torch.rand(4)
    trainer = SimpleNamespace(global_step=12)
    KeyedSeeding(7).on_train_batch_start(trainer, None, None, 0)  # type: ignore[arg-type]
    assert torch.equal(torch.rand(4), expected)


def test_reseeding_formats_no_stack(monkeypatch: pytest.MonkeyPatch):
    """torch.manual_seed formats the caller's stack while CUDA is not initialised (to report a late seed): that
    was most of the cost of a reseed, paid once per step and once per sample."""

    def refuse(*args: object, **kwargs: object) -> list[str]:
        raise AssertionError("a reseed formatted the stack")

    monkeypatch.setattr(traceback, "format_stack", refuse)
    reseed(3)
    KeyedSeeding(3).on_train_batch_start(SimpleNamespace(global_step=5), None, None, 0)  # type: ignore[arg-type]


def test_the_progress_bar_is_updated_every_so_often_and_at_the_epoch_end(monkeypatch: pytest.MonkeyPatch):
    updated: list[int] = []
    monkeypatch.setattr(RichProgressBar, "on_train_batch_end", lambda self, *args: updated.append(args[-1]))
    clock = iter([0.0, 0.1, 0.2, 0.6, 0.7, 0.8])
    monkeypatch.setattr(callbacks.time, "monotonic", lambda: next(clock))
    bar, trainer = CompactProgressBar(), SimpleNamespace(num_training_batches=6)
    for batch_idx in range(6):
        bar.on_train_batch_end(trainer, None, None, None, batch_idx)  # type: ignore[arg-type]
    assert updated == [0, 3, 5]
