"""How far each task learns on its demo set on this machine's CPU, and how long it takes.

Trains one model per task with its ``quick`` preset on the full demo set (as ``visionyard train
MODEL DATASET --preset quick`` does, in this process) and prints the headline metric of the best
epoch, the epochs and the wall time.

    .venv/bin/python benchmarks/learning.py [--models fasterrcnn_mobilenet_v3_320 unet snunet_cbam] [--epochs N]
        [--set optimizer.type='"sgd"' --set lr=0.02]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from visionyard.config import Settings
from visionyard.data.demo import write_demo_datasets
from visionyard.metrics.headlines import headline
from visionyard.plugins.catalog import catalog_for
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run

DATASETS = {
    "classification": "shapes",
    "detection": "shapes_detection",
    "segmentation": "shapes_segmentation",
    "change_detection": "shapes_change",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["fasterrcnn_mobilenet_v3_320", "unet", "snunet_cbam"])
    parser.add_argument("--epochs", type=int, help="instead of the preset's")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override (JSON value)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="vy-learning-"))
    settings = Settings(home=home)
    write_demo_datasets(settings.data_root)
    registry = catalog_for(settings)
    rows = []
    for model in args.models:
        task = registry.get(model).task
        workers = min(4, (os.cpu_count() or 2) - 1)  # leave a core to the training process
        overrides = {"data.num_workers": workers, "hardware.accelerator": "cpu"}
        if args.epochs:
            overrides["epochs"] = args.epochs
        for item in args.set:
            key, _, value = item.partition("=")
            overrides[key] = json.loads(value)
        request = prepare_run(settings, registry, model, DATASETS[task], overrides, preset="quick")
        start = time.perf_counter()
        outcome = execute_run(replace(request, progress=False), settings, registry)
        seconds = time.perf_counter() - start
        metric = headline(task)
        best = outcome.best_metrics.get(metric, float("nan"))
        extra = {k: v for k, v in outcome.best_metrics.items() if k in ("val_map50", "val_iou", "val_dice")}
        rows.append((model, task, metric, best, extra, outcome.epochs_completed, seconds, outcome.status))
    print(f"\n{'model':30} {'task':17} {'metric':10} {'best':>7}  {'epochs':>6} {'seconds':>8}  also")
    for model, task, metric, best, extra, epochs, seconds, status in rows:
        also = ", ".join(f"{k}={v:.3f}" for k, v in extra.items())
        print(f"{model:30} {task:17} {metric:10} {best:7.3f}  {epochs:6d} {seconds:8.1f}  {also} {status}")
    print(f"\nCPU cores: {os.cpu_count()}; runs in {home}")


if __name__ == "__main__":
    main()
