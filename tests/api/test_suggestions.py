"""Suggestions for a new run's config through a real server and a real worker: Lightning's learning-rate and
batch-size finders on the run's model and data, as short jobs of no run."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.helpers import TINY
from tests.server import Server
from visionyard.data.demo import DEMO_DATASETS


def finished(server: Server, suggestion_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = server.client.get(f"/api/v1/suggestions/{suggestion_id}").json()
        if found["status"] in ("completed", "failed"):
            return found
        time.sleep(0.3)
    raise TimeoutError(f"suggestion {suggestion_id} not done: {found}")


@pytest.mark.slow
def test_the_finders_suggest_a_learning_rate_and_a_batch_size_on_the_digits(server: Server):
    """On the 1,797 digits at 32 px, small_cnn with Adam: a rate on the fall of the finder's loss curve (it
    falls between 1e-3 and 1e-1 and turns up past about 0.13), and a batch size that fits in memory here."""
    DEMO_DATASETS["digits"](server.home / "data" / "digits")
    body = {"model": "small_cnn", "dataset": "digits", "config": {**TINY, "batch_size": 32}}
    asked = server.client.post("/api/v1/suggestions", json={**body, "what": "lr"})
    assert asked.status_code == 202 and asked.json()["status"] == "queued"
    lr = finished(server, asked.json()["id"])
    assert lr["status"] == "completed", lr
    assert 1e-3 <= lr["lr"] <= 0.2 and len(lr["curve"]) >= 20 and lr["batch_size"] is None
    start, at = (next(p["loss"] for p in lr["curve"] if p["lr"] >= rate) for rate in (1e-4, lr["lr"]))
    assert at < start - 0.1  # where the loss has been falling
    sized = finished(
        server, server.client.post("/api/v1/suggestions", json={**body, "what": "batch_size"}).json()["id"]
    )
    assert sized["status"] == "completed", sized
    assert 32 <= sized["batch_size"] <= 1797 and sized["lr"] is None
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
