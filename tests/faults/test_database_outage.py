"""PostgreSQL stopped in the middle of a run and started again: the worker waits for it and every event
arrives once; the API answers 503 meanwhile; no live worker is taken for dead (issue 22, item 3)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import TINY, make_image_folder
from tests.postgres import PostgresServer, needs_postgres
from tests.server import Server

pytestmark = [pytest.mark.slow, needs_postgres]
EPOCHS = 8
OUTAGE_S = 10.0
"""Longer than the heartbeat timeout, and a few epochs' reports held back by the worker."""


def test_a_database_outage_loses_no_event_of_a_run(home: Path):
    make_image_folder(home / "data" / "longer", per_class=24)
    database = PostgresServer()
    server = Server(
        home,
        VISIONYARD_DATABASE_URL=database.url,
        VISIONYARD_HEARTBEAT_INTERVAL="0.5",
        VISIONYARD_HEARTBEAT_TIMEOUT="6",
        VISIONYARD_RESTART_BACKOFF="0.05",
    )
    try:
        database.start()
        server.start()
        body = {"model": "small_cnn", "dataset": "longer", "config": {**TINY, "epochs": EPOCHS}}
        run_id = server.client.post("/api/v1/runs", json=body).json()["id"]
        deadline = time.monotonic() + 120
        while server.client.get(f"/api/v1/runs/{run_id}").json()["current_epoch"] < 1:
            assert time.monotonic() < deadline, "the run never trained an epoch"
            time.sleep(0.1)

        database.stop()
        down = server.client.get(f"/api/v1/runs/{run_id}")
        assert down.status_code == 503 and down.json()["error"]["code"] == "database_unavailable"
        assert down.headers["retry-after"]
        time.sleep(OUTAGE_S)
        database.start()

        done = server.wait_for(run_id, ("completed", "failed", "stopped"), timeout=180)
        log_tail = (home / "server.log").read_text(errors="replace").splitlines()[-40:]
        assert (done["status"], done["attempt"], done["restarts"]) == ("completed", 1, 0), [done["error"], *log_tail]
        rows = server.client.get(f"/api/v1/runs/{run_id}/metrics").json()["rows"]
        assert [r["epoch"] for r in rows] == list(range(1, EPOCHS + 1))
        events = server.client.get(f"/api/v1/runs/{run_id}/events").json()
        assert [e["data"]["epoch"] for e in events if e["kind"] == "epoch"] == list(range(1, EPOCHS + 1))
        assert [e["data"]["status"] for e in events if e["kind"] == "status"] == ["queued", "running", "completed"]
        checkpoints = server.client.get(f"/api/v1/runs/{run_id}/checkpoints").json()
        assert {"best", "last"} <= {c["kind"] for c in checkpoints}
        assert all(c["metrics"] for c in checkpoints)
        server_log = (home / "server.log").read_text()
        assert "scheduling waits for it" in server_log
        assert server_log.count("event streams wait for it") == 1 and "polling the event log failed" not in server_log
        assert "the database is unreachable on GET" in server_log and "Traceback" not in server_log
    finally:
        server.close()
        database.remove()
