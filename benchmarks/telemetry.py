"""What watching a run costs: the worker's step progress and system samples against the same run without them.

Both sides are the real worker path (a run created and claimed in a SQLite database, ``run_worker`` with its
heartbeat thread and database reporter), resnet18 on the digits demo set. "watched" reports step progress at
most every ``--progress-interval`` seconds and samples the system every ``--system-interval`` seconds (by
default 4x and 10x as often as the service's defaults, so the figure bounds theirs); "bare" has the progress
callback and the sampler taken out. They alternate, the order swapped every repeat; steady-state training
throughput (first batches and validation left out) is compared as the median of per-repeat ratios.

    .venv/bin/python benchmarks/telemetry.py [--repeats 5] [--epochs 2] [--image-size 64]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path

import lightning as L
import torch
from common import StepTimer
from sqlalchemy import func, select

from visionyard.config import Settings
from visionyard.core.claims import claim
from visionyard.core.context import Context
from visionyard.data.demo import write_demo_datasets
from visionyard.db.models import Event, Run
from visionyard.services import runs
from visionyard.worker import execute, service


class NoProgress(L.Callback):
    def __init__(self, *args: object) -> None:
        pass


class NoSampler(threading.Thread):
    def __init__(self, *args: object) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        pass

    def halt(self) -> None:
        pass


@contextmanager
def timed(timer: StepTimer):
    """The worker's request gets the timer among its callbacks."""
    original = service.worker_request

    def with_timer(*args, **kwargs):
        request = original(*args, **kwargs)
        request.extra_callbacks = [*request.extra_callbacks, timer]
        return request

    service.worker_request = with_timer
    try:
        yield
    finally:
        service.worker_request = original


@contextmanager
def bare():
    progress, sampler = execute.StepProgress, service.SystemSampler
    execute.StepProgress, service.SystemSampler = NoProgress, NoSampler
    try:
        yield
    finally:
        execute.StepProgress, service.SystemSampler = progress, sampler


def train_once(ctx: Context, data: Path, config: dict, watched: bool) -> tuple[float, int, int]:
    """Images/s of one run, and how many progress and system events it wrote."""
    run_id = runs.create_run(ctx, runs.RunSpec("resnet18", str(data), dict(config)), local_paths=True).id
    assert claim(ctx.db, Run, run_id, ())
    timer = StepTimer()
    with timed(timer), nullcontext() if watched else bare():
        status = runs.train_claimed(ctx, run_id)
    assert status == "completed", status
    with ctx.db.session() as session:
        counts = {
            kind: session.scalar(select(func.count()).where(Event.run_id == run_id, Event.kind == kind)) or 0
            for kind in ("progress", "system")
        }
    return timer.throughput, counts["progress"], counts["system"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--progress-interval", type=float, default=0.5, help="the service's default is 2")
    parser.add_argument("--system-interval", type=float, default=1.0, help="the service's default is 10")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="vy-bench-"))
    settings = Settings(
        home=home, heartbeat_interval=args.progress_interval, system_metrics_interval=args.system_interval
    )
    ctx = Context(settings)
    ctx.db.migrate()
    data = write_demo_datasets(settings.data_root)["digits"]
    config = {
        "epochs": args.epochs,
        "batch_size": 32,
        "preprocessing.image_size": args.image_size,
        "scheduler.type": "none",
        "data.num_workers": 2,
    }
    ratios, watched_all, bare_all = [], [], []
    for repeat in range(args.repeats):
        order = (True, False) if repeat % 2 == 0 else (False, True)
        results = {watched: train_once(ctx, data, config, watched) for watched in order}
        (on, progress, system), (off, *_) = results[True], results[False]
        watched_all.append(on)
        bare_all.append(off)
        ratios.append(on / off)
        print(
            f"repeat {repeat + 1}: watched {on:.1f} img/s ({progress} progress, {system} system events), "
            f"bare {off:.1f} img/s, ratio {on / off:.3f}",
            flush=True,
        )
    print(f"resnet18, {args.image_size}px, batch 32, {args.epochs} epochs, {torch.get_num_threads()} threads")
    print(
        f"progress at most every {args.progress_interval:g} s, system samples every {args.system_interval:g} s; "
        f"median throughput watched {statistics.median(watched_all):.1f}, bare {statistics.median(bare_all):.1f} img/s"
    )
    ratio = statistics.median(ratios)
    print(f"median ratio watched/bare: {ratio:.4f}, cost {100 * (1 - ratio):.2f}% (target < 1%)")


if __name__ == "__main__":
    main()
