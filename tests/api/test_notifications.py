"""Notifications from a real server about a real worker's run, to a real HTTP receiver and a dead target."""

from __future__ import annotations

import hmac
import time
from pathlib import Path

import psutil
import pytest

from tests.helpers import TINY
from tests.receiver import Receiver
from tests.server import Server, free_port
from visionyard.notify.delivery import EVENT_HEADER, SIGNATURE_HEADER, sign

pytestmark = pytest.mark.slow
SECRET = "hmac-key"
TOKEN = "T0KEN-in-the-path"


def test_a_run_sends_one_signed_message_per_status_change_and_a_dead_target_is_retried_and_recorded(api_home: Path):
    with Receiver() as receiver:
        dead = f"http://127.0.0.1:{free_port()}/hooks/{TOKEN}"
        server = Server(
            api_home,
            VISIONYARD_HEARTBEAT_INTERVAL="0.5",
            VISIONYARD_NOTIFY_URLS=f"{receiver.url}/ok/server,{receiver.url}/ok/{TOKEN}",
            VISIONYARD_NOTIFY_SECRET=SECRET,
            VISIONYARD_NOTIFY_ATTEMPTS="3",
            VISIONYARD_NOTIFY_BACKOFF="0.2",
        )
        try:
            server.start()
            refused = server.client.post(
                "/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "notify": [f"nope://{TOKEN}"]}
            )
            assert refused.status_code == 422 and "notify[0]" in refused.text and TOKEN not in refused.text

            body = {"model": "small_cnn", "dataset": "tiny", "config": {**TINY, "epochs": 40}, "notify": [dead]}
            run = server.client.post("/api/v1/runs", json=body).json()
            assert run["notify"] == [f"{dead.split('/hooks')[0]}/…"]
            server.wait_training(run["id"], attempt=1)
            assert server.client.post(f"/api/v1/runs/{run['id']}/pause").status_code == 200
            paused = server.wait_for(run["id"], ("paused",), timeout=60)
            started = time.monotonic()
            resumed = server.client.post(
                f"/api/v1/runs/{run['id']}/resume", json={"epochs": paused["current_epoch"] + 1}
            )
            assert resumed.status_code == 200, resumed.text
            done = server.wait_for(run["id"], ("completed",), timeout=120)
            took = time.monotonic() - started

            messages = receiver.wait("/ok/server", 2)
            assert [m.json()["run"]["status"] for m in messages] == ["paused", "completed"]
            for message in messages:
                assert hmac.compare_digest(message.headers[SIGNATURE_HEADER], sign(message.body, SECRET))
                assert message.json()["run"]["id"] == run["id"]
            completed = messages[-1].json()["run"]
            assert completed["previous_status"] == "running"
            assert completed["headline"] == {"metric": "val_acc", "value": done["best_metrics"]["val_acc"]}
            assert len(receiver.wait(f"/ok/{TOKEN}", 2)) == 2

            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                notes = server.client.get(f"/api/v1/runs/{run['id']}/notifications").json()
                if len(notes) == 6 and all(n["status"] != "pending" for n in notes):
                    break
                time.sleep(0.2)
            to_dead = [n for n in notes if n["target"].endswith(f"{dead.split('/hooks')[0].split('//')[1]}/…")]
            assert [(n["about"], n["status"], n["attempts"]) for n in to_dead] == [
                ("paused", "failed", 3),
                ("completed", "failed", 3),
            ]
            assert "ConnectError" in to_dead[0]["last_error"]
            assert sorted(n["status"] for n in notes) == ["delivered"] * 4 + ["failed"] * 2
            events = server.client.get(f"/api/v1/runs/{run['id']}/events", params={"limit": 1000}).json()
            outcomes = [e["data"]["status"] for e in events if e["kind"] == "notification"]
            assert (
                outcomes.count("retrying") == 4 and outcomes.count("failed") == 2 and outcomes.count("delivered") == 4
            )
            assert took < 60, "the run waited on its notifications"

            shown = [
                server.client.get(f"/api/v1/runs/{run['id']}").text,
                server.client.get("/api/v1/runs").text,
                server.client.get(f"/api/v1/runs/{run['id']}/events", params={"limit": 1000}).text,
                server.client.get(f"/api/v1/runs/{run['id']}/notifications").text,
            ]
            assert all(TOKEN not in text for text in shown)
        finally:
            server.close()
        assert TOKEN not in (api_home / "server.log").read_text(), "a target's secret in the server log"


def test_a_run_whose_worker_is_killed_sends_a_restarting_message(api_home: Path):
    with Receiver() as receiver:
        server = Server(
            api_home,
            VISIONYARD_HEARTBEAT_INTERVAL="0.2",
            VISIONYARD_HEARTBEAT_TIMEOUT="3",
            VISIONYARD_RESTART_BACKOFF="0.05",
            VISIONYARD_NOTIFY_URLS=f"{receiver.url}/ok/server",
            VISIONYARD_NOTIFY_SECRET=SECRET,
        )
        try:
            server.start()
            body = {"model": "small_cnn", "dataset": "tiny", "config": {**TINY, "epochs": 40}}
            run_id = server.client.post("/api/v1/runs", json=body).json()["id"]
            worker = psutil.Process(server.wait_training(run_id, attempt=1)["worker_pid"])
            assert "worker" in worker.cmdline()
            worker.kill()

            (restarting,) = receiver.wait("/ok/server", 1)
            assert hmac.compare_digest(restarting.headers[SIGNATURE_HEADER], sign(restarting.body, SECRET))
            assert restarting.headers[EVENT_HEADER] == "run.status"
            run = restarting.json()["run"]
            assert (run["id"], run["status"], run["previous_status"]) == (run_id, "restarting", "running")
            assert run["error"]

            server.wait_training(run_id, attempt=2)
            assert server.client.post(f"/api/v1/runs/{run_id}/stop").status_code == 200
            assert server.wait_for(run_id, ("stopped",), timeout=60)["attempt"] == 2
            messages = receiver.wait("/ok/server", 2)
            assert [m.json()["run"]["status"] for m in messages] == ["restarting", "stopped"]
        finally:
            server.close()
