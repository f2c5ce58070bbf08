"""The GPU pool with a real server and workers on a host with two GPUs (skipped without them)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from tests.helpers import TINY
from tests.server import Server


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
def test_two_concurrent_runs_train_on_disjoint_gpus_and_give_them_back(api_home: Path):
    server = Server(api_home, VISIONYARD_MAX_CONCURRENT_RUNS="2", VISIONYARD_GPUS="[0, 1]")
    try:
        server.start()
        config = {**TINY, "epochs": 200, "hardware.accelerator": "cuda", "hardware.devices": 1}
        ids = [
            server.client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "config": config}).json()[
                "id"
            ]
            for _ in range(2)
        ]
        held = [server.wait_for(run_id, ("running",))["assigned_devices"] for run_id in ids]
        assert sorted(held) == [[0], [1]]
        deadline = time.monotonic() + 120
        while not all(server.client.get(f"/api/v1/runs/{r}").json()["current_step"] for r in ids):
            assert time.monotonic() < deadline, "the runs did not start training"
            time.sleep(0.5)
        for run_id in ids:
            server.client.post(f"/api/v1/runs/{run_id}/stop")
        assert [server.wait_for(r, ("stopped",))["assigned_devices"] for r in ids] == [None, None]
    finally:
        server.close()
