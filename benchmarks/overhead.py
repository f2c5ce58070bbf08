"""Engine overhead: visionyard's training path against a plain hand-written PyTorch loop.

Same model (resnet18), same images (the digits demo set), same transforms, batch size, loader
workers and number of steps. Each repeat runs both, the one that goes first alternating from repeat to
repeat, and compares their steady-state training throughput (images/s, first batches excluded,
validation excluded) as a ratio visionyard/plain; the figure is the median of those per-repeat ratios
(load on the machine hits both runs of a repeat about alike, and the median drops a disturbed repeat).

    .venv/bin/python benchmarks/overhead.py [--repeats 5] [--image-size 64]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F
from common import WARMUP, StepTimer
from torch.utils.data import DataLoader
from torchvision import datasets, models

from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.data.demo import write_demo_datasets
from visionyard.data.transforms import train_transform
from visionyard.plugins.catalog import catalog_for
from visionyard.plugins.schema import ConfigSchema
from visionyard.plugins.validation import resolve_config
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run


def run_visionyard(settings: Settings, registry, data: Path, config: dict) -> float:
    prepared = prepare_run(settings, registry, "resnet18", str(data), dict(config))
    timer = StepTimer()
    outcome = execute_run(replace(prepared, extra_callbacks=[timer]), settings, registry)
    assert outcome.status == "completed", outcome.error
    return timer.throughput


def run_plain(data: Path, config: dict, steps: int) -> float:
    resolved = resolve_config(ConfigSchema(), config)
    cfg = TrainingConfig.from_run_config(resolved)
    torch.manual_seed(cfg.seed)
    train = datasets.ImageFolder(data / "train", transform=train_transform(cfg))
    loader = DataLoader(
        train,
        batch_size=cfg.batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=cfg.data.num_workers,
        persistent_workers=cfg.data.num_workers > 0,
    )
    model = models.resnet18(num_classes=len(train.classes))
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.optimizer.weight_decay)
    model.train()
    done, images, start = 0, 0, 0.0
    while done < steps:
        for batch_images, labels in loader:
            if done == WARMUP:
                start = time.perf_counter()
            loss = F.cross_entropy(model(batch_images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            done += 1
            if done > WARMUP:
                images += len(labels)
            if done == steps:
                break
    return images / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="pairs of runs; 5 or more for a figure to report")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="vy-bench-"))
    settings = Settings(home=home)
    data = write_demo_datasets(settings.data_root)["digits"]
    registry = catalog_for(settings)
    config = {
        "epochs": args.epochs,
        "batch_size": 32,
        "preprocessing.image_size": args.image_size,
        "scheduler.type": "none",
        "data.num_workers": 2,
    }
    steps = args.epochs * (len(datasets.ImageFolder(data / "train")) // 32)
    ours, plain, ratios = [], [], []
    for repeat in range(args.repeats):
        if repeat % 2 == 0:
            plain.append(run_plain(data, config, steps))
            ours.append(run_visionyard(settings, registry, data, config))
        else:
            ours.append(run_visionyard(settings, registry, data, config))
            plain.append(run_plain(data, config, steps))
        ratios.append(ours[-1] / plain[-1])
        first = "plain" if repeat % 2 == 0 else "visionyard"
        print(
            f"repeat {repeat + 1} ({first} first): plain {plain[-1]:.1f} img/s, visionyard {ours[-1]:.1f} img/s,"
            f" ratio {ratios[-1]:.3f}",
            flush=True,
        )
    print(f"steps per run: {steps}, batch 32, image {args.image_size}px, resnet18, {torch.get_num_threads()} threads")
    print(
        f"median throughput: plain {statistics.median(plain):.1f} img/s, visionyard {statistics.median(ours):.1f} img/s"
    )
    ratio = statistics.median(ratios)
    spread = f"{min(ratios):.3f}..{max(ratios):.3f}"
    print(f"ratio visionyard/plain, median of {len(ratios)} repeats: {ratio:.3f} (range {spread}; target >= 0.97)")
    if args.repeats < 5:
        print("fewer than 5 repeats: a smoke test, not a figure to report")


if __name__ == "__main__":
    main()
