"""What a sweep costs on top of its runs: the gap between one trial's end and the next trial's first step, and
the wall time of N trials against the same N runs queued by hand, through a real ``visionyard serve``.

The sweep is a grid over N seeds (``seed: {choices: [1..N]}``), so its trials train exactly the runs queued by
hand (small_cnn on the digits demo set at 32 px, one epoch each, one slot: they run one after another). A
run's first step is its first epoch's event time less that epoch's length. Sweep and plain batches alternate,
the order swapped every repeat, after one run to warm the caches; medians over the repeats.

    .venv/bin/python benchmarks/sweep.py [--repeats 3] [--trials 4]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from api import Server
from visionyard.data.demo import write_demo_datasets

CONFIG = {"epochs": 1, "batch_size": 64, "preprocessing.image_size": 32, "data.num_workers": 0}


def finished(client: httpx.Client, run_ids: list[str], timeout: float = 900) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [client.get(f"/api/v1/runs/{run_id}").json() for run_id in run_ids]
        if all(r["finished_at"] for r in runs):
            failed = [f"{r['id']} {r['status']}: {r['error']}" for r in runs if r["status"] != "completed"]
            assert not failed, failed
            return runs
        time.sleep(0.2)
    raise TimeoutError(f"runs not finished in {timeout} s")


def first_step(client: httpx.Client, run: dict) -> datetime:
    events = client.get(f"/api/v1/runs/{run['id']}/events", params={"limit": 1000}).json()
    epoch = next(e for e in events if e["kind"] == "epoch")
    return _at(epoch["created_at"]) - timedelta(seconds=epoch["data"]["epoch_seconds"])


def gaps(client: httpx.Client, runs: list[dict]) -> list[float]:
    """Seconds from each run's end to the next run's first step, in the order they trained."""
    ordered = sorted(runs, key=lambda r: r["started_at"])
    return [
        (first_step(client, after) - _at(before["finished_at"])).total_seconds()
        for before, after in itertools.pairwise(ordered)
    ]


def sweep_batch(client: httpx.Client, trials: int) -> tuple[float, list[float]]:
    body = {
        "model": "small_cnn",
        "dataset": "digits",
        "config": CONFIG,
        "space": {"seed": {"choices": list(range(1, trials + 1))}},
        "sampler": "grid",
    }
    began = time.perf_counter()
    sweep = client.post("/api/v1/sweeps", json=body).json()
    deadline = time.monotonic() + 900
    while (shown := client.get(f"/api/v1/sweeps/{sweep['id']}").json())["finished_at"] is None:
        assert time.monotonic() < deadline, "sweep not finished"
        time.sleep(0.2)
    wall = time.perf_counter() - began
    assert shown["status"] == "completed", shown
    runs = finished(client, [t["run_id"] for t in shown["trials"]])
    return wall, gaps(client, runs)


def plain_batch(client: httpx.Client, trials: int) -> tuple[float, list[float]]:
    began = time.perf_counter()
    run_ids = [
        client.post(
            "/api/v1/runs", json={"model": "small_cnn", "dataset": "digits", "config": {**CONFIG, "seed": seed}}
        ).json()["id"]
        for seed in range(1, trials + 1)
    ]
    runs = finished(client, run_ids)
    return time.perf_counter() - began, gaps(client, runs)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="visionyard-sweep-bench-") as tmp:
        home = Path(tmp)
        write_demo_datasets(home / "data")
        server = Server(home)
        server.env["VISIONYARD_HEARTBEAT_INTERVAL"] = "1"
        server.start()
        walls: dict[str, list[float]] = {"sweep": [], "plain": []}
        gap: dict[str, list[float]] = {"sweep": [], "plain": []}
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                plain_batch(client, 1)  # warm-up: the dataset's fingerprint cached, the files in the page cache
                for repeat in range(args.repeats):
                    order = ("sweep", "plain") if repeat % 2 == 0 else ("plain", "sweep")
                    for side in order:
                        batch = sweep_batch if side == "sweep" else plain_batch
                        wall, between = batch(client, args.trials)
                        walls[side].append(wall)
                        gap[side].extend(between)
                        print(
                            f"repeat {repeat + 1} {side}: {wall:.1f} s, gaps {', '.join(f'{g:.2f}' for g in between)}"
                        )
        finally:
            server.stop()
    ratios = [s / p for s, p in zip(walls["sweep"], walls["plain"], strict=True)]
    print(f"\n{args.trials} trials of one epoch, {args.repeats} repeats (medians)")
    print(f"{'':>8} {'wall s':>8} {'gap s':>8}")
    for side in ("plain", "sweep"):
        print(f"{side:>8} {statistics.median(walls[side]):>8.1f} {statistics.median(gap[side]):>8.2f}")
    per_trial = (statistics.median(walls["sweep"]) - statistics.median(walls["plain"])) / args.trials
    extra_gap = statistics.median(gap["sweep"]) - statistics.median(gap["plain"])
    shown = ", ".join(f"{r:.3f}" for r in ratios)
    print(f"sweep/plain wall ratio {statistics.median(ratios):.3f} (per repeat: {shown})")
    print(f"sweep overhead per trial {per_trial:+.2f} s; gap sweep - plain {extra_gap:+.2f} s")


if __name__ == "__main__":
    main()
