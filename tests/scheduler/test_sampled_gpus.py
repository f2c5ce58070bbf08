"""Which GPUs a run's system samples cover: those it trains on, found the way NVML numbers them."""

from __future__ import annotations

import pytest

from visionyard.common.training_config import HardwareConfig
from visionyard.core import devices

HOST_GPUS = 4


@pytest.mark.parametrize(
    ("hardware", "assigned", "visible", "sampled"),
    [
        ({"accelerator": "cpu"}, None, None, []),
        ({"accelerator": "cpu", "devices": 2}, None, "0,1", []),
        ({"accelerator": "auto"}, None, "", []),  # placed by Ray without a GPU
        ({"accelerator": "cuda", "devices": 2}, [1, 3], None, [1, 3]),
        ({"accelerator": "auto"}, [0], "2,3", [2]),  # the server sees GPUs 2 and 3 only
        ({"accelerator": "cuda"}, [1], "GPU-aa11,GPU-bb22", ["GPU-bb22"]),
        ({"accelerator": "cuda"}, None, "3", [3]),  # placed by Ray on host GPU 3
        ({"accelerator": "cuda", "devices": 2}, None, "GPU-x,GPU-y,GPU-z", ["GPU-x", "GPU-y"]),
        ({"accelerator": "cuda", "devices": [1]}, None, "5,6", [6]),
        ({"accelerator": "cuda"}, None, None, [0]),
        ({"accelerator": "cuda", "devices": 4}, None, "1,-1,2", [1]),
    ],
)
def test_a_run_samples_the_gpus_it_trains_on(
    hardware: dict, assigned: list[int] | None, visible: str | None, sampled: list[int | str]
):
    assert devices.nvml_selectors(HardwareConfig(**hardware), assigned, visible, HOST_GPUS) == sampled


def test_a_run_on_a_host_without_gpus_samples_none():
    assert devices.nvml_selectors(HardwareConfig(), None, None, 0) == []
