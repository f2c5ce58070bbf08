"""``serve_export``: a run created with it gets an ONNX export of its best checkpoint queued when it completes,
made by a real worker and checked for parity; a run without it gets none."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.helpers import TINY
from tests.server import Server


def wait_exported(server: Server, run_id: str, timeout: float = 180) -> dict:
    """The run's one export, once it finished."""
    deadline = time.monotonic() + timeout
    listed: list[dict] = []
    while time.monotonic() < deadline:
        listed = server.client.get(f"/api/v1/runs/{run_id}/exports").json()
        if listed and listed[0]["status"] not in ("queued", "running"):
            assert len(listed) == 1, listed
            return listed[0]
        time.sleep(0.2)
    raise TimeoutError(f"run {run_id}: no finished export after {timeout} s: {listed}")


def test_the_option_is_shown_and_defaults_to_off(client: TestClient):
    asked = client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "serve_export": True})
    assert asked.status_code == 201, asked.text
    assert asked.json()["serve_export"] is True
    assert client.get(f"/api/v1/runs/{asked.json()['id']}").json()["serve_export"] is True
    plain = client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny"}).json()
    assert plain["serve_export"] is False
    listed = {run["id"]: run["serve_export"] for run in client.get("/api/v1/runs").json()["items"]}
    assert listed == {asked.json()["id"]: True, plain["id"]: False}
    wrong = client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "serve_export": "maybe"})
    assert wrong.status_code == 422


@pytest.mark.slow
def test_a_completed_run_gets_its_onnx_export_for_serving(api_home: Path, server: Server):
    config = {**TINY, "epochs": 2}
    asked = server.client.post(
        "/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "config": config, "serve_export": True}
    ).json()
    plain = server.client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "config": config}).json()
    for run in (asked, plain):
        assert server.wait_for(run["id"], ("completed", "failed"), timeout=180)["status"] == "completed"

    export = wait_exported(server, asked["id"])
    assert export["status"] in ("completed", "failed_parity"), export["error"]
    assert export["format"] == "onnx" and export["checkpoint_kind"] == "best"
    checkpoints = server.client.get(f"/api/v1/runs/{asked['id']}/checkpoints").json()
    [best] = [c for c in checkpoints if c["kind"] == "best"]
    assert (export["checkpoint"], export["checkpoint_epoch"]) == (best["path"], best["epoch"])
    done = server.client.get(f"/api/v1/runs/{asked['id']}").json()
    assert done["best_metrics"]["epoch"] == best["epoch"]
    if export["status"] == "completed":
        assert export["parity"]["images"] > 0 and "model.onnx" in export["files"]

    assert server.client.get(f"/api/v1/runs/{plain['id']}/exports").json() == []
