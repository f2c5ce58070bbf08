"""Suggestions for a new run's config through a real server and a real worker: Lightning's learning-rate and
batch-size finders on the run's model and data, as short jobs of no run."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.helpers import TINY
from tests.server import Server


def finished(server: Server, suggestion_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = server.client.get(f"/api/v1/suggestions/{suggestion_id}").json()
        if found["status"] in ("completed", "failed"):
            return found
        time.sleep(0.3)
    raise TimeoutError(f"suggestion {suggestion_id} not done: {found}")


@pytest.mark.slow
def test_the_finders_suggest_a_learning_rate_and_a_batch_size(server: Server):
    body = {"model": "small_cnn", "dataset": "tiny", "config": TINY}
    asked = server.client.post("/api/v1/suggestions", json={**body, "what": "lr"})
    assert asked.status_code == 202 and asked.json()["status"] == "queued"
    lr = finished(server, asked.json()["id"])
    assert lr["status"] == "completed", lr
    assert 1e-6 <= lr["lr"] <= 1.0 and len(lr["curve"]) >= 5 and lr["batch_size"] is None
    sized = finished(
        server, server.client.post("/api/v1/suggestions", json={**body, "what": "batch_size"}).json()["id"]
    )
    assert sized["status"] == "completed", sized
    assert sized["batch_size"] >= TINY["batch_size"] and sized["lr"] is None
    assert (server.home / "jobs" / sized["id"] / "job.log").is_file()
    assert server.client.get("/api/v1/runs").json()["total"] == 0  # no run was made for them


def test_a_suggestion_is_checked_like_a_run(client: TestClient):
    bad = client.post(
        "/api/v1/suggestions", json={"model": "small_cnn", "dataset": "tiny", "config": {"lr": -1}, "what": "lr"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["path"] == "config.lr"
    assert (
        client.post("/api/v1/suggestions", json={"model": "nope", "dataset": "tiny", "what": "lr"}).status_code == 404
    )
    assert (
        client.post("/api/v1/suggestions", json={"model": "small_cnn", "dataset": "tiny", "what": "epochs"}).status_code
        == 422
    )
    assert client.get("/api/v1/suggestions/20260101-000000-abcdef").status_code == 404
