"""`visionyard runs ...` and `train --submit` against a real server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from tests.helpers import TINY, run_cli
from tests.server import Server

pytestmark = pytest.mark.slow


def test_submit_then_follow_and_control_from_the_cli(server: Server):
    remote = ["--server", server.url]
    settings = [arg for key, value in {**TINY, "epochs": 1000}.items() for arg in ("--set", f"{key}={value}")]
    submitted = run_cli(
        "train", "small_cnn", "tiny", *settings, "--serve-export", "--submit", *remote, "--json", home=server.home
    )
    assert submitted.returncode == 0, submitted.stderr
    queued = json.loads(submitted.stdout.strip().splitlines()[-1])
    run_id = queued["id"]
    assert queued["serve_export"] is True

    listed = run_cli("runs", "list", "--json", *remote, home=server.home)
    assert run_id in [r["id"] for r in json.loads(listed.stdout)]
    server.client.patch(f"/api/v1/runs/{run_id}", json={"tags": ["from-cli"], "note": "Submitted by the CLI test"})
    found = run_cli(
        "runs", "list", "--tag", "from-cli", "-q", "cli TEST", "--model", "small_cnn", *remote, home=server.home
    )
    assert run_id in found.stdout and "from-cli" in found.stdout, found.stderr
    none = run_cli("runs", "list", "--json", "--tag", "from-cli", "--where", "param:lr>1", *remote, home=server.home)
    assert json.loads(none.stdout) == []
    bad = run_cli("runs", "list", "--where", "lr>1", *remote, home=server.home)
    assert bad.returncode == 2 and "metric:NAME OP VALUE" in bad.stderr
    server.wait_for(run_id, ("running",))
    paused = run_cli("runs", "pause", run_id, *remote, home=server.home)
    assert paused.returncode == 0 and "pause requested" in paused.stdout
    assert server.wait_for(run_id, ("paused", "completed"))["status"] == "paused"
    shown = json.loads(run_cli("runs", "show", run_id, "--json", *remote, home=server.home).stdout)
    assert shown["status"] == "paused" and shown["config"]["epochs"] == 1000
    assert run_cli("runs", "stop", run_id, *remote, home=server.home).returncode == 0
    logs = run_cli("runs", "logs", run_id, *remote, home=server.home)
    assert logs.returncode == 0 and "epoch" in logs.stdout

    again = run_cli("runs", "pause", run_id, *remote, home=server.home)
    assert again.returncode == 2 and "cannot pause run" in again.stderr
    missing = run_cli("runs", "show", "no-such-run", *remote, home=server.home)
    assert missing.returncode == 2 and "no run 'no-such-run'" in missing.stderr


def test_a_clear_error_when_no_server_listens(tmp_path):
    result = run_cli("runs", "list", "--server", "http://127.0.0.1:9", home=tmp_path)
    assert result.returncode == 2 and "is `visionyard serve` running?" in result.stderr


def test_an_ended_sweep_is_deleted_from_the_cli_after_asking(server: Server):
    remote = ["--server", server.url]
    body = {
        "model": "small_cnn",
        "dataset": "tiny",
        "name": "to-delete",
        "config": {**TINY, "epochs": 50},
        "space": {"lr": {"low": 1e-3, "high": 1e-2}},
        "n_trials": 2,
    }
    sweep_id = server.client.post("/api/v1/sweeps", json=body).json()["id"]
    wait_sweep(server, sweep_id, lambda sweep: any(t["run_id"] for t in sweep["trials"]))
    running = run_cli("sweeps", "delete", sweep_id, "--yes", *remote, home=server.home)
    assert running.returncode == 2 and f"cannot delete sweep {sweep_id}: it is running" in running.stderr

    server.client.post(f"/api/v1/sweeps/{sweep_id}/stop")
    sweep = wait_sweep(server, sweep_id, lambda sweep: sweep["finished_at"] is not None)
    trial_runs = [t["run_id"] for t in sweep["trials"] if t["run_id"]]

    kept = run_cli("sweeps", "delete", sweep_id, *remote, home=server.home, input="n\n")
    assert kept.returncode == 1 and f"Delete sweep {sweep_id} (to-delete) and the runs of its" in kept.stderr
    assert server.client.get(f"/api/v1/sweeps/{sweep_id}").status_code == 200

    deleted = run_cli("sweeps", "delete", sweep_id, *remote, home=server.home, input="y\n")
    assert deleted.returncode == 0 and f"sweep {sweep_id}: deleted" in deleted.stdout, deleted.stderr
    assert server.client.get(f"/api/v1/sweeps/{sweep_id}").status_code == 404
    assert all(server.client.get(f"/api/v1/runs/{run_id}").status_code == 404 for run_id in trial_runs)

    missing = run_cli("sweeps", "delete", sweep_id, "--yes", *remote, home=server.home)
    assert missing.returncode == 2 and f"no sweep '{sweep_id}'" in missing.stderr


def wait_sweep(server: Server, sweep_id: str, done: Callable[[dict], bool], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while not done(sweep := server.client.get(f"/api/v1/sweeps/{sweep_id}").json()):
        assert time.monotonic() < deadline, f"sweep {sweep_id} is not there yet: {sweep}"
        time.sleep(0.3)
    return sweep
