"""Latency and throughput of an export next to the PyTorch model, measured alternately in one process
so that both see the same machine load."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

WARMUP = 2


def benchmark(
    models: dict[str, Callable[[Any], Any]], single: Any, batch: Any, batch_size: int, runs: int
) -> dict[str, dict[str, float]]:
    """Per model: p50/p95 latency (ms) of one image, and images per second at ``batch_size``; the models
    take turns on every call."""
    latencies: dict[str, list[float]] = {name: [] for name in models}
    batch_times: dict[str, list[float]] = {name: [] for name in models}
    with torch.inference_mode():
        for _ in range(WARMUP):
            for model in models.values():
                model(single)
                model(batch)
        for _ in range(runs):
            for name, model in models.items():
                latencies[name].append(_timed(model, single))
        for _ in range(max(3, runs // 3)):
            for name, model in models.items():
                batch_times[name].append(_timed(model, batch))
    return {
        name: {
            "p50_ms": round(_percentile(latencies[name], 50) * 1000, 3),
            "p95_ms": round(_percentile(latencies[name], 95) * 1000, 3),
            "images_per_s": round(batch_size / statistics.median(batch_times[name]), 2),
            "batch": batch_size,
            "runs": runs,
        }
        for name in models
    }


def _timed(model: Callable[[Any], Any], inputs: Any) -> float:
    started = time.perf_counter()
    model(inputs)
    return time.perf_counter() - started


def _percentile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def cpu_description(threads: int) -> str:
    """The machine a CPU benchmark ran on, in words: ``CPU: <model name>, 2 threads``."""
    name = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        lines = cpuinfo.read_text().splitlines()
        name = next((line.partition(":")[2].strip() for line in lines if line.startswith("model name")), name)
    return f"CPU: {name}, {threads} thread{'' if threads == 1 else 's'}"
