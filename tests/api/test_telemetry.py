"""Step progress and system samples from a real worker: on the run, in its SSE stream, at /system."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.api.test_lifecycle import sse_messages
from tests.helpers import TINY, make_image_folder
from tests.server import Server

pytestmark = pytest.mark.slow
EPOCHS = 3


def test_a_training_run_reports_its_steps_and_its_resources(api_home: Path):
    make_image_folder(api_home / "data" / "longer", per_class=40)
    server = Server(api_home, VISIONYARD_HEARTBEAT_INTERVAL="0.2", VISIONYARD_SYSTEM_METRICS_INTERVAL="0.5")
    try:
        server.start()
        body = {"model": "small_cnn", "dataset": "longer", "config": {**TINY, "epochs": EPOCHS, "batch_size": 2}}
        run_id = server.client.post("/api/v1/runs", json=body).json()["id"]
        messages, on_the_run = [], []
        with server.client.stream("GET", f"/api/v1/runs/{run_id}/metrics/stream") as stream:
            for message in sse_messages(stream):
                messages.append((message["event"], json.loads(message["data"])))
                if message["event"] == "progress" and len(on_the_run) < 3:
                    on_the_run.append(server.client.get(f"/api/v1/runs/{run_id}").json()["progress"])
        assert messages[-1][1]["status"] == "completed"

        progress = [data for kind, data in messages if kind == "progress"]
        assert max(sum(p["epoch"] == e for p in progress) for e in range(1, EPOCHS + 1)) >= 2
        for report in progress:
            assert 1 <= report["epoch"] <= EPOCHS and report["epochs"] == EPOCHS
            assert 1 <= report["step"] <= report["steps"] == 60
            assert report["images_per_s"] > 0 and report["train_loss"] >= 0
            assert 0 <= report["eta_epoch_s"] <= report["eta_run_s"] < 600
        assert any(p is not None for p in on_the_run)
        assert server.client.get(f"/api/v1/runs/{run_id}").json()["progress"] is None

        samples = server.client.get(f"/api/v1/runs/{run_id}/system").json()["samples"]
        assert samples and [kind for kind, _ in messages].count("system") >= 1
        for sample in samples:
            assert sample["process_cpu_percent"] >= 0 and 0 <= sample["host_cpu_percent"] <= 100
            assert 0 < sample["process_rss_bytes"] < sample["host_memory_total_bytes"]
            assert 0 < sample["host_memory_used_bytes"] <= sample["host_memory_total_bytes"]
            assert sample["loader_workers_alive"] == 0  # data.num_workers 0
            assert bool(sample["gpus"]) == torch.cuda.is_available()
        assert server.client.get("/api/v1/runs/nope/system").status_code == 404
    finally:
        server.close()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_system_samples_cover_exactly_the_gpu_a_run_trains_on(api_home: Path):
    make_image_folder(api_home / "data" / "longer", per_class=40)
    last = torch.cuda.device_count() - 1
    server = Server(
        api_home,
        VISIONYARD_MAX_CONCURRENT_RUNS="2",
        VISIONYARD_HEARTBEAT_INTERVAL="0.2",
        VISIONYARD_SYSTEM_METRICS_INTERVAL="0.3",
    )
    try:
        server.start()
        config = {**TINY, "epochs": 3, "batch_size": 2}
        on_gpu = {**config, "hardware.accelerator": "cuda", "hardware.devices": [last]}
        on_cpu = {**config, "hardware.accelerator": "cpu"}
        ids = [
            server.client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "longer", "config": c}).json()[
                "id"
            ]
            for c in (on_gpu, on_cpu)
        ]
        for run_id in ids:
            assert server.wait_for(run_id, ("completed", "failed"), timeout=300)["status"] == "completed"
        gpu_samples, cpu_samples = (server.client.get(f"/api/v1/runs/{r}/system").json()["samples"] for r in ids)
        assert gpu_samples and cpu_samples
        for sample in gpu_samples:
            (gpu,) = sample["gpus"]
            assert gpu["index"] == last
            assert 0 <= gpu["utilization_percent"] <= 100
            assert 0 < gpu["memory_used_bytes"] <= gpu["memory_total_bytes"]
            assert 0 < gpu["temperature_c"] < 120 and gpu["power_w"] >= 0
        assert all(not sample["gpus"] for sample in cpu_samples)
    finally:
        server.close()
