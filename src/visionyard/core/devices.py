"""The GPU pool of this host: which GPUs there are, what a run asks for, and which it may be given.

Torch-free: the scheduler and the API never initialise CUDA. A run holds its GPUs while active
(``Run.assigned_devices``, in the database, so a server restart keeps them) and gives them back with
its move out of the active statuses; its worker sees only them (``CUDA_VISIBLE_DEVICES``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from visionyard.common.errors import Invalid
from visionyard.common.training_config import HardwareConfig, TrainingConfig
from visionyard.config import Settings

NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")


class PoolTooSmall(Invalid):
    code = "not_enough_gpus"


def visible_gpus() -> list[int]:
    """The GPUs this process may use, numbered as CUDA will number them: those ``CUDA_VISIBLE_DEVICES``
    names when it is set, else every GPU the NVIDIA driver lists."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    return list(range(len(visible_names(listed)) if listed is not None else host_gpu_count()))


def host_gpu_count() -> int:
    """How many GPUs the NVIDIA driver lists on this host (0 without the driver)."""
    return sum(1 for _ in NVIDIA_GPUS.iterdir()) if NVIDIA_GPUS.is_dir() else 0


def visible_names(listed: str) -> list[str]:
    """The GPUs a ``CUDA_VISIBLE_DEVICES`` value names (indexes or UUIDs), up to the first ``-1`` or empty one."""
    names = [name.strip() for name in listed.split(",")]
    return names[: next((i for i, name in enumerate(names) if name in ("", "-1")), len(names))]


def nvml_selectors(
    hardware: HardwareConfig, assigned: list[int] | None, visible: str | None, host_gpus: int
) -> list[int | str]:
    """The GPUs a run trains on, as NVML finds them: host indexes, or the GPU UUIDs (or their prefixes) that
    ``CUDA_VISIBLE_DEVICES`` names.

    ``assigned``: the pool's GPUs given to the run, numbered as ``visible`` lists them; ``visible``: the
    worker's ``CUDA_VISIBLE_DEVICES`` before the run's own is set (None: unset, so every one of the host's
    ``host_gpus``). A CPU run has none; a run given no GPUs of the pool (placed by Ray, or where an executor
    set ``CUDA_VISIBLE_DEVICES``) trains on the first ``hardware.devices`` of those it sees, or those indexes
    of them. An index is taken in the host's order, NVML's (CUDA's with ``CUDA_DEVICE_ORDER=PCI_BUS_ID``)."""
    if hardware.accelerator == "cpu":
        return []
    names = visible_names(visible) if visible is not None else [str(i) for i in range(host_gpus)]
    if assigned:
        used = [names[i] for i in assigned if i < len(names)]
    elif isinstance(hardware.devices, int):
        used = names[: hardware.devices]
    else:
        used = [names[i] for i in hardware.devices if i < len(names)]
    return [int(name) if name.isdigit() else name for name in used]


def gpu_pool(settings: Settings) -> list[int]:
    """``VISIONYARD_GPUS`` when set, else every visible GPU (none on a CPU host): what local runs are
    given GPUs from (the Ray cluster places its runs on its own)."""
    return sorted(set(settings.gpus)) if settings.gpus is not None else visible_gpus()


def wanted(config: dict[str, Any], pool: Sequence[int]) -> int | list[int]:
    """The GPUs of the pool a run's config asks for: a count, or these indexes; 0 for a CPU run and
    wherever there is no pool (a CPU host: the worker then says what the run asked for that it lacks)."""
    hardware = TrainingConfig.from_run_config(config).hardware
    return 0 if hardware.accelerator == "cpu" or not pool else hardware.devices


def check_fits(config: dict[str, Any], pool: Sequence[int]) -> None:
    """Refuse a run that could never be given its GPUs here (it would wait in the queue forever)."""
    asked = wanted(config, pool)
    if isinstance(asked, list) and not set(asked) <= set(pool):
        missing = sorted(set(asked) - set(pool))
        raise PoolTooSmall(f"hardware.devices names GPUs {missing} that are not in this host's pool {pool}")
    if isinstance(asked, int) and asked > len(pool):
        raise PoolTooSmall(f"hardware.devices asks for {asked} GPUs; this host's pool has {len(pool)}")


def fits_here(config: dict[str, Any], pool: Sequence[int]) -> bool:
    """Could this host ever train the run: a CPU run on one node always; a GPU run if the pool holds what it
    asks for (``auto`` placement sends the others to the cluster)."""
    hardware = TrainingConfig.from_run_config(config).hardware
    if hardware.nodes > 1:
        return False
    if not pool:
        return hardware.accelerator != "cuda" and not isinstance(hardware.devices, list)
    try:
        check_fits(config, pool)
    except PoolTooSmall:
        return False
    return True


def pick(asked: int | list[int], free: Iterable[int]) -> list[int] | None:
    """The GPUs to give a run from those ``free`` (the lowest first), [] for a CPU run, None when not
    enough are free now."""
    free = sorted(free)
    if isinstance(asked, list):
        return sorted(asked) if set(asked) <= set(free) else None
    return free[:asked] if asked <= len(free) else None


def cuda_visible(assigned: list[int]) -> str:
    """``CUDA_VISIBLE_DEVICES`` for a worker given these GPUs of the pool: their names in this process's
    own ``CUDA_VISIBLE_DEVICES`` when it has one (the pool is numbered as this process sees the GPUs)."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    names = [n.strip() for n in listed.split(",")] if listed is not None else None
    return ",".join(names[i] if names is not None else str(i) for i in assigned)


def as_visible(config: dict[str, Any], assigned: list[int]) -> dict[str, Any]:
    """The run config as its worker trains it with only its GPUs visible: ``hardware.devices`` is their count."""
    hardware = {**config.get("hardware", {}), "devices": len(assigned)}
    return {**config, "hardware": hardware}
