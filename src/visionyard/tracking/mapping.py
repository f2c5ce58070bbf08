"""How visionyard's runs read in MLflow: params, metrics, tags and statuses (pure, no mlflow import)."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

from visionyard.common.dotted import flatten
from visionyard.common.statuses import RunStatus, SweepStatus

MAX_PARAM_VALUE = 6000
"""MLflow's limit on a param value (characters)."""
MAX_KEY = 250
BATCH = 100
"""Params (and tags) per ``log_batch`` call; MLflow takes at most 100 of each."""

STATUSES = {
    RunStatus.RUNNING: "RUNNING",
    RunStatus.COMPLETED: "FINISHED",
    RunStatus.FAILED: "FAILED",
    RunStatus.STOPPED: "KILLED",
    RunStatus.PRUNED: "KILLED",
    RunStatus.PAUSED: "KILLED",
    RunStatus.RESTARTING: "SCHEDULED",
    RunStatus.QUEUED: "SCHEDULED",
}
"""visionyard status -> MLflow run status. A paused run is KILLED with tag ``visionyard.status=paused``."""
SWEEP_STATUSES = {
    SweepStatus.RUNNING: "RUNNING",
    SweepStatus.PAUSED: "RUNNING",
    SweepStatus.COMPLETED: "FINISHED",
    SweepStatus.STOPPED: "KILLED",
    SweepStatus.FAILED: "FAILED",
}
"""A sweep's status -> its MLflow parent run's (a paused sweep's run stays open)."""
TERMINAL = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.STOPPED, RunStatus.PRUNED, RunStatus.PAUSED}
"""Statuses on which the run folder's files are logged as artifacts (a worker has just ended)."""
STARTED = set(RunStatus) - {RunStatus.QUEUED}
"""Statuses that say a worker has trained the run (with attempt >= 1): the run gets an MLflow run."""

RUN_FILES = ("config.json", "run.json", "metrics.csv", "logs/training.log")
"""Files of the run folder logged at the root of the run's artifacts (``logs/`` keeps its folder)."""
NOT_METRICS = {"epoch", "step"}

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. /]")


def safe_key(key: str) -> str:
    """A name MLflow accepts: letters, digits, ``_ - . / space``; at most 250 characters."""
    return _UNSAFE.sub("_", key)[:MAX_KEY]


def params(config: dict[str, Any]) -> dict[str, str]:
    """Nested config -> ``{"optimizer.type": "adamw", ...}`` with MLflow-safe keys and MLflow-sized values."""
    return {safe_key(key): param_value(value) for key, value in flatten(config).items()}


def sweep_params(base: dict[str, Any], space: dict[str, Any], search: dict[str, Any]) -> dict[str, str]:
    """A sweep's parent run's params: its base config (``config.``), each field's range (``space.``) and how
    it searches (``n_trials``, ``sampler``, ``pruner``, ``objective``)."""
    found = {f"config.{key}": value for key, value in params(base).items()}
    found |= {f"space.{safe_key(path)}": param_value(spec) for path, spec in space.items()}
    return found | {key: param_value(value) for key, value in search.items()}


def param_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= MAX_PARAM_VALUE else text[: MAX_PARAM_VALUE - 1] + "…"


def metric_values(row: dict[str, Any]) -> dict[str, float]:
    """The numbers of an epoch row, but for its epoch and step (which MLflow has as the step)."""
    return {
        safe_key(key): float(value)
        for key, value in row.items()
        if key not in NOT_METRICS and isinstance(value, int | float) and not isinstance(value, bool)
    }


def system_metrics(sample: dict[str, Any]) -> dict[str, float]:
    """A worker's system sample under the names of MLflow's own system metrics (its "System metrics" tab)."""
    mib = 1024**2
    values = {
        "system/cpu_utilization_percentage": sample.get("host_cpu_percent"),
        "system/process_cpu_utilization_percentage": sample.get("process_cpu_percent"),
        "system/system_memory_usage_megabytes": _scaled(sample.get("host_memory_used_bytes"), mib),
        "system/process_memory_rss_megabytes": _scaled(sample.get("process_rss_bytes"), mib),
        "system/disk_read_megabytes_per_second": _scaled(sample.get("disk_read_bytes_per_s"), mib),
        "system/disk_write_megabytes_per_second": _scaled(sample.get("disk_write_bytes_per_s"), mib),
    }
    for gpu in sample.get("gpus") or []:
        key = f"system/gpu_{gpu['index']}"
        values[f"{key}_utilization_percentage"] = gpu.get("utilization_percent")
        values[f"{key}_memory_usage_megabytes"] = _scaled(gpu.get("memory_used_bytes"), mib)
        values[f"{key}_temperature_celsius"] = gpu.get("temperature_c")
        values[f"{key}_power_watts"] = gpu.get("power_w")
    return {key: float(value) for key, value in values.items() if value is not None}


def _scaled(value: float | None, unit: int) -> float | None:
    return None if value is None else round(value / unit, 3)


def millis(moment: datetime) -> int:
    return math.floor(moment.timestamp() * 1000)


def chunks(items: list[Any], size: int = BATCH) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def is_remote(tracking_uri: str) -> bool:
    """An MLflow server (its own artifact store) rather than a database store this process writes."""
    return tracking_uri.split(":", 1)[0].lower() in {"http", "https", "databricks"}
