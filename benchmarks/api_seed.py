"""Seeding for ``benchmarks/api.py``: runs, metric rows and events written in bulk, as the service
would have written them over weeks of use."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from visionyard.common.training_config import TrainingConfig
from visionyard.core.context import Context
from visionyard.db.models import Event, MetricRow, Run, RunTag, Sweep

STATUS_CYCLE = ("paused",) + ("failed",) * 3 + ("stopped",) * 3 + ("completed",) * 13
"""One in 20 runs paused, 3 failed, 3 stopped, 13 completed."""
STEPS_PER_EPOCH = 250
CLASS_NAMES = ["airplane", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", "car"]
RUN_FIXED = {"task": "classification", "dataset_path": "/srv/data/digits"}
MODELS = ("resnet18", "efficientnet_b0", "mobilenet_v3_small")
DATASETS = ("digits", "flowers", "cifar")
GROUPS = 20
"""Runs are tagged ``bench`` and ``group-<index % GROUPS>``; every 100th also ``best``; every 50th has a note."""
TRIAL_EVERY, TRIALS_PER_SWEEP = 10, 20
"""Every 10th run is a trial of a sweep of 20 (50 sweeps at 10,000 runs)."""
RUN_UNSET = ("preset", "base_run", "worker_pid", "worker_host", "worker_started", "heartbeat_at")
RUN_UNSET += ("control", "control_at", "not_before")


@dataclass
class Seeded:
    paused: list[str]
    completed: list[str]
    sweeps: list[str]
    seconds: float


def run_config(index: int, epochs: int) -> dict[str, Any]:
    """A resolved run config as the service freezes it: platform sections plus a model section."""
    training = TrainingConfig(epochs=epochs, batch_size=32 * (1 + index % 4), lr=1e-3 * (1 + index % 5), seed=index)
    model = {"name": "resnet18", "num_classes": len(CLASS_NAMES), "class_names": CLASS_NAMES, "stem_width": 64}
    model |= {"dropout": 0.1 * (index % 5), "drop_path_rate": 0.05, "label_smoothing": 0.1, "channels_last": False}
    model |= {"stage_depths": [2, 2, 2, 2], "stage_widths": [64, 128, 256, 512], "zero_init_residual": True}
    model |= {"activation": "relu", "norm_layer": "batchnorm", "head": {"pool": "avg", "hidden": [512, 256]}}
    model |= {"class_weights": [round(1.0 + 0.01 * i, 2) for i in range(len(CLASS_NAMES))]}
    model |= {"weights_source": f"/srv/visionyard/weights/resnet18-{index % 7}.safetensors"}
    model |= {"source": {"commit": f"{index * 7919:040x}", "dataset_sha256": f"{index * 104729:064x}"}}
    return {**training.model_dump(mode="json"), "model": model}


def metric_values(epoch: int, rng: random.Random) -> dict[str, Any]:
    progress = min(1.0, epoch / 100)
    return {
        "epoch": epoch,
        "step": epoch * STEPS_PER_EPOCH,
        "train_loss": round(2.3 * (1 - progress) + rng.random() * 0.1, 5),
        "train_acc": round(0.1 + 0.85 * progress, 5),
        "val_loss": round(2.4 * (1 - progress) + rng.random() * 0.2, 5),
        "val_acc": round(0.1 + 0.8 * progress + rng.random() * 0.02, 5),
        "val_f1": round(0.1 + 0.78 * progress, 5),
        "val_precision": round(0.1 + 0.79 * progress, 5),
        "val_recall": round(0.1 + 0.77 * progress, 5),
        "val_top5": round(min(1.0, 0.5 + progress), 5),
        "lr": round(1e-3 * (1 - progress) + 1e-6, 8),
        "epoch_seconds": round(4.5 + rng.random(), 3),
    }


def status_event(status: str, previous: str | None, at: datetime) -> dict[str, Any]:
    data = {"status": status, "previous": previous, "attempt": 0, "reason": None, "at": at.isoformat()}
    return {"kind": "status", "data": data, "created_at": at}


def seed_run(index: int, epochs: int, created: datetime, rng: random.Random) -> tuple[dict, list[dict], list[dict]]:
    """One run's row, its metric rows and its events (queued, running, epochs, final status)."""
    status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
    run_id = f"{created:%Y%m%d-%H%M%S}-{index:06x}"
    started = created + timedelta(seconds=5)
    rows = [metric_values(epoch, rng) for epoch in range(1, epochs + 1)]
    times = [started + timedelta(seconds=5 * epoch) for epoch in range(1, epochs + 1)]
    finished = times[-1] + timedelta(seconds=1)
    metrics = [
        {"run_id": run_id, "epoch": r["epoch"], "step": r["step"], "values": r, "created_at": t}
        for r, t in zip(rows, times, strict=True)
    ]
    events = [status_event("queued", None, created), status_event("running", "queued", started)]
    events += [{"kind": "epoch", "data": r, "created_at": t} for r, t in zip(rows, times, strict=True)]
    events.append(status_event(status, "running", finished))
    for event in events:
        event["run_id"] = run_id
    run = run_row(index, run_id, status, rows[-1], (created, started, finished))
    return run, metrics, events


def run_row(index: int, run_id: str, status: str, last: dict[str, Any], times: tuple[datetime, ...]) -> dict:
    """A ``runs`` row; paused runs stopped half-way through twice as many epochs."""
    created, started, finished = times
    epochs = last["epoch"] * (2 if status == "paused" else 1)
    row = RUN_FIXED | dict.fromkeys(RUN_UNSET) | {"id": run_id, "name": f"bench {index}", "status": status}
    row |= {"model": MODELS[index % len(MODELS)], "dataset": DATASETS[index // 3 % len(DATASETS)], "tags": tags(index)}
    row |= {"note": f"augmentation study {index}: stronger colour jitter" if index % 50 == 0 else None}
    row |= {"config": run_config(index, epochs), "epochs": epochs, "attempt": 0, "restarts": 0, "max_restarts": 2}
    row |= {"current_epoch": last["epoch"], "current_step": last["step"], "final_metrics": last}
    row |= {"best_metrics": {**last, "monitor": "val_acc"}, "error": "out of memory" if status == "failed" else None}
    row |= {"created_at": created, "queued_at": created, "started_at": started}
    row |= {"sweep_id": None, "trial_number": None}
    if index % TRIAL_EVERY == 0:
        trial = index // TRIAL_EVERY
        row |= {"sweep_id": sweep_id(trial // TRIALS_PER_SWEEP), "trial_number": trial % TRIALS_PER_SWEEP}
    return row | {"finished_at": finished, "updated_at": finished}


def sweep_id(number: int) -> str:
    return f"sweep-{number:04d}"


def sweep_row(number: int, created: datetime) -> dict[str, Any]:
    """A completed sweep's row (its Optuna study is not seeded: the runs list reads only ``runs.sweep_id``)."""
    row = {"id": sweep_id(number), "name": f"bench sweep {number}", "status": "completed", "model": MODELS[0]}
    row |= {"task": "classification", "dataset": DATASETS[0], "config": {}, "space": {"lr": {}}}
    row |= {"objective": {"metric": "val_acc", "direction": "maximize"}, "n_trials": TRIALS_PER_SWEEP}
    row |= {"parallelism": 1, "timeout_s": None, "sampler": "tpe", "pruner": {"type": "none"}, "seed": number}
    row |= {"notify": [], "best_value": None, "error": None, "driver": None, "driver_at": None, "tracking_id": None}
    return row | {"created_at": created, "started_at": created, "finished_at": created, "updated_at": created}


def tags(index: int) -> list[str]:
    return ["bench", f"group-{index % GROUPS}"] + (["best"] if index % 100 == 0 else [])


def seed(ctx: Context, runs: int, epochs: int) -> Seeded:
    """Bulk-insert the runs, metric rows and events (core inserts, a few thousand rows at a time)."""
    start = time.perf_counter()
    ctx.db.migrate()
    rng = random.Random(0)
    base = datetime.now(UTC) - timedelta(days=60)
    pending: dict[Any, list[dict]] = {
        Run.__table__: [],
        MetricRow.__table__: [],
        Event.__table__: [],
        RunTag.__table__: [],
    }
    ids: dict[str, list[str]] = {}
    sweeps = [sweep_row(n, base) for n in range(-(-runs // (TRIAL_EVERY * TRIALS_PER_SWEEP)))]
    with ctx.db.engine.begin() as connection:
        if sweeps:
            connection.execute(insert(Sweep.__table__), sweeps)
        for index in range(runs):
            run, metrics, events = seed_run(index, epochs, base + timedelta(minutes=10 * index), rng)
            ids.setdefault(run["status"], []).append(run["id"])
            labels = [{"run_id": run["id"], "tag": tag} for tag in run["tags"]]
            for rows, new in zip(pending.values(), ([run], metrics, events, labels), strict=True):
                rows.extend(new)
            if len(pending[MetricRow.__table__]) >= 5000 or index == runs - 1:
                for table, rows in pending.items():
                    connection.execute(insert(table), rows)
                    rows.clear()
    seconds = time.perf_counter() - start
    return Seeded(ids.get("paused", []), ids.get("completed", []), [row["id"] for row in sweeps], seconds)
