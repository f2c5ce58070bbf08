"""Training on N devices against 1: images/s, scaling efficiency, and the time from claim to first step.

resnet18 on the digits demo set, one epoch each, 1 and N processes taking turns (several repeats; medians).
Here the devices are CPU processes with gloo (two cores will not scale: the point is that the overhead of
the ranks is measured); on a GPU host, ``--accelerator cuda`` measures 1 against N GPUs with NCCL and the
same code. Each run is its own process (rank zero), as a worker is: a process group is not left behind.

- images/s: the training images of all ranks per second of training, from step WARMUP on, validation
  taken out (each rank takes the same steps, so rank zero's time covers them all);
- efficiency: images/s on N over N times images/s on 1;
- claim to first step: from ``execute_run`` being called (the worker has claimed the run) to the first
  training batch, which on N includes starting the other ranks and their rendezvous.

    .venv/bin/python benchmarks/scaling.py [--devices 2] [--repeats 3] [--accelerator cpu] [--image-size 32]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from common import StepTimer

BATCH = 32


def one_run(home: Path, devices: int, accelerator: str, image_size: int) -> dict[str, float]:
    """A run on ``devices`` in this process (rank zero): its throughput and time to the first step."""
    os.environ["VISIONYARD_HOME"] = str(home)
    from visionyard.config import Settings
    from visionyard.plugins.catalog import catalog_for
    from visionyard.services.runs import prepare_run
    from visionyard.worker.execute import execute_run

    settings = Settings()
    catalog = catalog_for(settings)
    config = {
        "epochs": 1,
        "batch_size": BATCH,
        "preprocessing.image_size": image_size,
        "scheduler.type": "none",
        "data.num_workers": 1,
        "hardware.accelerator": accelerator,
        "hardware.devices": devices,
    }
    prepared = prepare_run(settings, catalog, "resnet18", str(settings.data_root / "digits"), config)
    called = time.perf_counter()
    timer = StepTimer()
    outcome = execute_run(replace(prepared, progress=False, extra_callbacks=[timer]), settings, catalog)
    assert outcome.status == "completed", outcome.error
    assert timer.first is not None
    return {"images_per_s": timer.throughput, "to_first_step_s": timer.first - called}


def measured(home: Path, devices: int, accelerator: str, image_size: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--one", str(devices), "--home", str(home)]
    command += ["--accelerator", accelerator, "--image-size", str(image_size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--accelerator", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_run(args.home, args.one, args.accelerator, args.image_size)))
        return

    from visionyard.config import Settings
    from visionyard.data.demo import write_demo_datasets
    from visionyard.plugins.catalog import catalog_for

    home = Path(tempfile.mkdtemp(prefix="vy-scaling-"))
    settings = Settings(home=home)
    write_demo_datasets(settings.data_root)
    catalog_for(settings)  # the catalog scan cached, so no run pays for it
    results: dict[int, list[dict[str, float]]] = {1: [], args.devices: []}
    for repeat in range(args.repeats):
        for devices in results:
            results[devices].append(measured(home, devices, args.accelerator, args.image_size))
            last = results[devices][-1]
            print(
                f"repeat {repeat + 1}, {devices} device(s): {last['images_per_s']:.1f} img/s, "
                f"first step after {last['to_first_step_s']:.2f} s",
                flush=True,
            )
    speed = {n: statistics.median(r["images_per_s"] for r in runs) for n, runs in results.items()}
    start = {n: statistics.median(r["to_first_step_s"] for r in runs) for n, runs in results.items()}
    n = args.devices
    host = f"{args.accelerator}, {os.cpu_count()} cores"
    print(f"resnet18, digits, batch {BATCH} per device, {args.image_size}px, {host}")
    print(f"median images/s: 1 device {speed[1]:.1f}, {n} devices {speed[n]:.1f} (ratio {speed[n] / speed[1]:.3f})")
    print(f"scaling efficiency on {n}: {speed[n] / (n * speed[1]):.3f}")
    print(f"median claim to first step: 1 device {start[1]:.2f} s, {n} devices {start[n]:.2f} s")


if __name__ == "__main__":
    main()
