"""A run's life against a real server process and real workers (ARCHITECTURE.md "A run's life")."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
import torch

from tests.helpers import TINY, SseMessages, make_image_folder
from tests.server import Server, workers_of

pytestmark = pytest.mark.slow

SMALL = {**TINY, "epochs": 2}


def create(server: Server, dataset: str = "tiny", **config) -> dict:
    response = server.client.post(
        "/api/v1/runs", json={"model": "small_cnn", "dataset": dataset, "config": {**SMALL, **config}}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "queued"
    return response.json()


def weights(home: Path, run_id: str) -> dict[str, torch.Tensor]:
    return torch.load(home / "runs" / run_id / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]


def wait_epoch(server: Server, run_id: str, epoch: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while server.client.get(f"/api/v1/runs/{run_id}").json()["current_epoch"] < epoch:
        assert time.monotonic() < deadline, f"run {run_id} never reached epoch {epoch}"
        time.sleep(0.1)


def test_a_run_is_queued_trained_and_completed_with_metrics(server: Server):
    run = create(server)
    done = server.wait_for(run["id"], ("completed", "failed"))
    assert done["status"] == "completed", done["error"]
    assert (done["attempt"], done["current_epoch"]) == (1, 2)
    assert done["best_metrics"]["monitor"] == "val_acc" and "val_acc" in done["final_metrics"]
    assert done["started_at"] and done["finished_at"]

    metrics = server.client.get(f"/api/v1/runs/{run['id']}/metrics").json()
    assert [r["epoch"] for r in metrics["rows"]] == [1, 2] and "train_loss" in metrics["columns"]
    checkpoints = server.client.get(f"/api/v1/runs/{run['id']}/checkpoints").json()
    assert {c["kind"] for c in checkpoints} == {"best", "last"}
    assert all(c["size"] > 0 and c["metrics"] for c in checkpoints)
    summary = server.client.get(f"/api/v1/runs/{run['id']}/summary").json()
    assert summary["total_epochs"] == 2 and summary["best_metrics"]["best_val_acc"] >= 0
    statuses = [
        e["data"]["status"]
        for e in server.client.get(f"/api/v1/runs/{run['id']}/events").json()
        if e["kind"] == "status"
    ]
    assert statuses == ["queued", "running", "completed"]
    assert server.client.get(f"/api/v1/runs/{run['id']}/logs").json()["lines"]
    assert server.client.post(f"/api/v1/runs/{run['id']}/pause").status_code == 409
    assert server.proc is not None
    loaded = [m.path for m in psutil.Process(server.proc.pid).memory_maps()]
    assert not any("libtorch" in path for path in loaded), "the API process must not import torch"


def test_paused_and_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(server: Server, api_home: Path):
    make_image_folder(api_home / "data" / "longer", per_class=24)
    config = {"epochs": 3, "batch_size": 4, "model.dropout": 0.3, "augmentation.rotation": 10}
    straight = create(server, "longer", **config)
    paused = create(server, "longer", **config)
    assert server.wait_for(straight["id"], ("completed", "failed"))["status"] == "completed"

    wait_epoch(server, paused["id"], 1)
    assert server.client.post(f"/api/v1/runs/{paused['id']}/pause").json()["control"] == "pause"
    held = server.wait_for(paused["id"], ("paused", "completed"))
    assert held["status"] == "paused" and held["finished_at"] is None and held["current_step"] > 0
    assert server.client.post(f"/api/v1/runs/{paused['id']}/resume").json()["status"] == "queued"
    steps = []
    while (seen := server.client.get(f"/api/v1/runs/{paused['id']}").json())["status"] not in ("completed", "failed"):
        steps.append(seen["current_step"])
        time.sleep(0.05)
    assert min(steps) >= held["current_step"], "the step went back after the resume"
    done = server.wait_for(paused["id"], ("completed", "failed"))
    assert (done["status"], done["attempt"]) == ("completed", 2)

    a, b = weights(api_home, straight["id"]), weights(api_home, paused["id"])
    assert all(torch.equal(a[k], b[k]) for k in a)
    rows = [server.client.get(f"/api/v1/runs/{r['id']}/metrics").json()["rows"] for r in (straight, paused)]
    assert [r["train_loss"] for r in rows[0]] == [r["train_loss"] for r in rows[1]]


def test_stop_checkpoints_and_ends_stopped(server: Server, api_home: Path):
    run = create(server, epochs=50)
    wait_epoch(server, run["id"], 1)
    assert server.client.post(f"/api/v1/runs/{run['id']}/checkpoints").status_code == 202
    deadline = time.monotonic() + 30
    while "manual" not in {c["kind"] for c in server.client.get(f"/api/v1/runs/{run['id']}/checkpoints").json()}:
        assert time.monotonic() < deadline, "no manual checkpoint"
        time.sleep(0.1)
    server.client.post(f"/api/v1/runs/{run['id']}/stop")
    stopped = server.wait_for(run["id"], ("stopped", "completed", "failed"))
    assert stopped["status"] == "stopped" and stopped["current_epoch"] < 50
    kinds = {c["kind"] for c in server.client.get(f"/api/v1/runs/{run['id']}/checkpoints").json()}
    assert {"last", "manual"} <= kinds
    assert server.client.post(f"/api/v1/runs/{run['id']}/stop").status_code == 409
    assert server.client.delete(f"/api/v1/runs/{run['id']}").status_code == 204
    assert not (api_home / "runs" / run["id"]).exists()
    assert server.client.get(f"/api/v1/runs/{run['id']}").status_code == 404


def test_a_worker_killed_mid_run_is_restarted_from_its_checkpoint(server: Server, api_home: Path):
    run = create(server, epochs=40)
    wait_epoch(server, run["id"], 1)
    pid = server.client.get(f"/api/v1/runs/{run['id']}").json()["worker_pid"]
    psutil.Process(pid).kill()
    killed_at = time.monotonic()
    restarted = server.wait_for(run["id"], ("restarting", "failed"), timeout=15)
    assert time.monotonic() - killed_at < 10
    assert "SIGKILL" in restarted["error"]
    server.wait_training(run["id"], attempt=2)
    server.client.post(f"/api/v1/runs/{run['id']}/stop")
    final = server.wait_for(run["id"], ("stopped", "failed", "completed"))
    assert final["attempt"] == 2 and final["status"] == "stopped"
    epochs = [r["epoch"] for r in server.client.get(f"/api/v1/runs/{run['id']}/metrics").json()["rows"]]
    assert epochs == list(range(1, len(epochs) + 1))


def test_a_run_that_keeps_dying_ends_failed_with_the_log_tail(server: Server, api_home: Path):
    response = server.client.post(
        "/api/v1/runs",
        json={"model": "small_cnn", "dataset": "tiny", "config": {**SMALL, "epochs": 40}, "max_restarts": 1},
    )
    run_id = response.json()["id"]
    for attempt in (1, 2):
        pid = server.wait_training(run_id, attempt)["worker_pid"]
        psutil.Process(pid).kill()
    failed = server.wait_for(run_id, ("failed",), timeout=30)
    assert "gave up after 1 restarts" in failed["error"] and "worker log tail" in failed["error"]
    assert server.client.post(f"/api/v1/runs/{run_id}/retry").json()["status"] == "queued"
    server.client.post(f"/api/v1/runs/{run_id}/stop")


def wait_for_worker(server: Server, run_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not server.client.get(f"/api/v1/runs/{run_id}").json()["worker_pid"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_killed_server_reconciles_its_runs_on_restart(server: Server, api_home: Path):
    run = create(server, epochs=3)
    wait_for_worker(server, run["id"])
    server.kill()
    assert workers_of(api_home), "the worker outlives the server"
    server.start()
    done = server.wait_for(run["id"], ("completed", "failed"))
    assert done["status"] == "completed"
    events = server.client.get(f"/api/v1/runs/{run['id']}/events").json()
    assert any(e["kind"] == "reconcile" for e in events)


def test_a_run_left_running_without_worker_is_recovered_at_start(server: Server, api_home: Path):
    run = create(server, epochs=30)
    wait_for_worker(server, run["id"])
    server.kill()
    for process in workers_of(api_home):
        process.kill()
    server.start()
    recovered = server.client.get(f"/api/v1/runs/{run['id']}").json()
    assert recovered["status"] != "running" or recovered["attempt"] == 2
    server.client.post(f"/api/v1/runs/{run['id']}/stop")
    assert server.wait_for(run["id"], ("stopped", "failed"))["status"] == "stopped"


def test_two_concurrent_creates_with_one_slot_never_run_together(server: Server):
    results: list[httpx.Response] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                httpx.post(
                    f"{server.url}/api/v1/runs",
                    json={"model": "small_cnn", "dataset": "tiny", "config": SMALL},
                    timeout=30,
                )
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201, 201]
    ids = [r.json()["id"] for r in results]
    most = 0
    while True:
        listed = server.client.get("/api/v1/runs", params={"status": ["running", "restarting"]}).json()
        most = max(most, listed["total"])
        states = {server.client.get(f"/api/v1/runs/{i}").json()["status"] for i in ids}
        if states <= {"completed", "failed"}:
            break
        time.sleep(0.05)
    assert most == 1 and states == {"completed"}


def test_sse_reconnect_with_last_event_id_misses_no_epoch(server: Server):
    run = create(server, epochs=4)
    seen: list[dict] = []
    with server.client.stream("GET", f"/api/v1/runs/{run['id']}/metrics/stream") as stream:
        for message in sse_messages(stream):
            seen.append(message)
            if message["event"] == "epoch":
                break
    last_id = seen[-1]["id"]
    time.sleep(1.0)
    with server.client.stream(
        "GET", f"/api/v1/runs/{run['id']}/metrics/stream", headers={"Last-Event-ID": last_id}
    ) as stream:
        seen.extend(sse_messages(stream))
    epochs = [json.loads(m["data"])["epoch"] for m in seen if m["event"] == "epoch"]
    assert epochs == [1, 2, 3, 4]
    ids = [int(m["id"]) for m in seen]
    assert ids == sorted(set(ids))
    assert json.loads(seen[-1]["data"])["status"] == "completed"


def sse_messages(stream: httpx.Response):
    messages = SseMessages()
    for line in stream.iter_lines():
        if (message := messages.feed(line)) is not None:
            yield message
