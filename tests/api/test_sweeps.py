"""Sweeps: spaces checked against the config schema (422s with the field path), the driver's asks and tells on a
real database and study, and whole sweeps through a real server and real workers (pruning, a kill -9, a grid)."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient

from tests.server import Server
from visionyard.common.statuses import RunStatus
from visionyard.core import lifecycle
from visionyard.data.demo import write_demo_datasets
from visionyard.db.models import Run
from visionyard.services.context import ServiceContext
from visionyard.services.sweep_driver import SweepDriver
from visionyard.tuning import study as studies

TINY = {"epochs": 1, "batch_size": 8, "preprocessing.image_size": 32, "data.num_workers": 0}
SWEEP = {"model": "small_cnn", "dataset": "tiny", "config": TINY, "n_trials": 4, "sampler": "random"}
DIGITS = {"epochs": 2, "batch_size": 64, "preprocessing.image_size": 32, "data.num_workers": 0}


def create(client: TestClient, **body: object) -> dict:
    response = client.post("/api/v1/sweeps", json={**SWEEP, **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_space_from_the_schema_alone(client: TestClient):
    sweep = create(client, space={"optimizer.type": {}, "model.dropout": {}, "batch_size": {"low": 4, "high": 16}})
    assert sweep["space"] == {
        "optimizer.type": {"type": "categorical", "choices": ["adam", "adamw", "sgd", "rmsprop"]},
        "model.dropout": {"type": "float", "low": 0.0, "high": 0.9, "log": False, "step": 0.05},
        "batch_size": {"type": "int", "low": 4, "high": 16, "log": False, "step": None},
    }
    assert sweep["objective"] == {"metric": "val_acc", "direction": "maximize"}
    assert sweep["status"] == "running" and sweep["trials"] == [] and sweep["actions"] == ["pause", "stop"]


@pytest.mark.parametrize(
    ("space", "path", "reason"),
    [
        ({"lr": {}}, "space.lr", "minimum (> 0) is exclusive: give low"),
        ({"lr": {"low": 1e-4, "high": 20}}, "space.lr", "high 20 is outside the field's bounds: it must be <= 10"),
        ({"lr": {"low": 0.1, "high": 0.01}}, "space.lr", "must be below high"),
        ({"model.dropout": {"low": 0, "high": 0.5, "log": True}}, "space.model.dropout", "a log range needs low > 0"),
        ({"model.dropout": {"low": -0.5, "high": 0.5}}, "space.model.dropout", "must be >= 0"),
        ({"model.nope": {}}, "space.model.nope", "unknown field"),
        ({"optimizer": {}}, "space.optimizer", "is a section"),
        ({"validation.monitor": {}}, "space.validation.monitor", "has no options of its own; give choices"),
        ({"optimizer.type": {"choices": ["adam", "lion"]}}, "space.optimizer.type", "'lion' is not one of"),
        ({"optimizer.type": {"low": 1, "high": 2}}, "space.optimizer.type", "takes choices, not a range"),
        ({"epochs": {"low": 1.5, "high": 3}}, "space.epochs", "whole number"),
        ({"lr": {"choices": [0.1], "low": 1}}, "space.lr", "not both"),
        ({"scheduler.warmup_epochs": {"choices": [0, 5]}}, "space.scheduler.warmup_epochs", "makes the run config"),
    ],
)
def test_bad_spaces_are_refused_with_the_field_path(client: TestClient, space: dict, path: str, reason: str):
    response = client.post("/api/v1/sweeps", json={**SWEEP, "space": space})
    assert response.status_code == 422, response.text
    fields = response.json()["error"]["fields"]
    assert [f["path"] for f in fields] == [path]
    assert reason in fields[0]["reason"]
    assert client.get("/api/v1/sweeps").json()["total"] == 0


def test_bad_sweeps_are_refused(client: TestClient):
    grid = {"lr": {"low": 0.01, "high": 0.1}}
    checks = [
        ({"sampler": "grid", "space": grid}, "space.lr", "a grid needs choices"),
        ({"sampler": "grid", "space": {"optimizer.type": {}}, "n_trials": 5}, "n_trials", "the grid has 4 points"),
        ({"space": grid, "config": {"lr": -1}}, "config.lr", "greater than 0"),
        (
            {"space": grid, "pruner": {"type": "median", "n_startup_trials": -1}},
            "body.pruner.median.n_startup_trials",
            "",
        ),
        ({"space": {}}, "body.space", ""),
    ]
    for body, path, reason in checks:
        response = client.post("/api/v1/sweeps", json={**SWEEP, **body})
        assert response.status_code == 422, (body, response.text)
        fields = response.json()["error"]["fields"]
        assert fields[0]["path"].startswith(path) and reason in fields[0]["reason"], fields
    missing = client.post("/api/v1/sweeps", json={**SWEEP, "model": "nope", "space": grid})
    assert missing.status_code == 404


def context(client: TestClient) -> ServiceContext:
    return client.app.state.context


def finish(ctx: ServiceContext, run_id: str, status: str, values: list[float] | None = None) -> None:
    """End a trial's run as its worker would (its epochs' rows, its status)."""
    from visionyard.db.models import MetricRow

    with ctx.db.serialised() as session:
        run = session.get_one(Run, run_id)
        for epoch, value in enumerate(values or [], start=1):
            session.add(MetricRow(run_id=run_id, epoch=epoch, step=epoch, values={"epoch": epoch, "val_acc": value}))
        if run.status == RunStatus.QUEUED:
            lifecycle.move(session, run, RunStatus.RUNNING)
        lifecycle.move(session, run, status)


def trial_runs(ctx: ServiceContext, sweep_id: str) -> list[Run]:
    from sqlalchemy import select

    with ctx.db.session() as session:
        return list(session.scalars(select(Run).where(Run.sweep_id == sweep_id).order_by(Run.trial_number)))


def test_two_drivers_never_ask_twice_and_a_lost_ask_is_queued(client: TestClient):
    ctx = context(client)
    sweep = create(client, space={"lr": {"low": 1e-3, "high": 1e-1, "log": True}}, parallelism=2)
    drivers = [SweepDriver(ctx) for _ in range(3)]  # three servers' drivers, ticking at once, three times
    for _ in range(3):
        ticks = [threading.Thread(target=d.tick) for d in drivers]
        for tick in ticks:
            tick.start()
        for tick in ticks:
            tick.join()
    runs = trial_runs(ctx, sweep["id"])
    assert [r.trial_number for r in runs] == [0, 1]  # parallelism 2, asked once each
    study = studies.load(ctx.db.url, sweep["id"])
    assert len(study.trials) == 2
    assert runs[0].config["lr"] == study.trials[0].params["lr"]

    finish(ctx, runs[0].id, RunStatus.COMPLETED, [0.5, 0.7])
    study.ask(studies.distributions(sweep["space"]))  # a server killed between its ask and its run
    for driver in drivers:  # whichever holds the lease queues it
        driver.tick()
    runs = trial_runs(ctx, sweep["id"])
    assert [r.trial_number for r in runs] == [0, 1, 2]
    assert runs[2].config["lr"] == study.trials[2].params["lr"]
    shown = client.get(f"/api/v1/sweeps/{sweep['id']}").json()
    assert shown["trials"][0]["value"] == 0.7 and shown["best_trial"]["number"] == 0
    assert shown["best_config"]["lr"] == runs[0].config["lr"]
    assert client.get("/api/v1/runs", params={"sweep": sweep["id"]}).json()["total"] == 3


def test_a_failed_trial_is_marked_failed_and_the_sweep_goes_on_then_ends(client: TestClient):
    ctx = context(client)
    sweep = create(client, space={"optimizer.type": {"choices": ["adam", "sgd"]}}, sampler="grid", n_trials=None)
    driver = SweepDriver(ctx)
    driver.tick()
    (first,) = trial_runs(ctx, sweep["id"])
    finish(ctx, first.id, RunStatus.FAILED)
    driver.tick()
    second = trial_runs(ctx, sweep["id"])[1]
    finish(ctx, second.id, RunStatus.COMPLETED, [0.4])
    driver.tick()
    shown = client.get(f"/api/v1/sweeps/{sweep['id']}").json()
    assert shown["status"] == "completed" and shown["finished_at"] is not None
    assert [t["status"] for t in shown["trials"]] == ["failed", "completed"]
    assert {t["params"]["optimizer.type"] for t in shown["trials"]} == {"adam", "sgd"}
    assert shown["best_value"] == 0.4 and shown["actions"] == ["delete"]
    assert client.delete(f"/api/v1/sweeps/{sweep['id']}").status_code == 204
    assert trial_runs(ctx, sweep["id"]) == []
    with pytest.raises(KeyError):
        studies.load(ctx.db.url, sweep["id"])


def test_pause_resume_and_stop_move_the_trials(client: TestClient):
    ctx = context(client)
    sweep = create(client, space={"lr": {"low": 1e-3, "high": 1e-1}}, parallelism=2)
    driver = SweepDriver(ctx)
    driver.tick()
    paused = client.post(f"/api/v1/sweeps/{sweep['id']}/pause").json()
    assert paused["status"] == "paused" and paused["trial_counts"] == {"paused": 2}
    driver.tick()
    assert len(trial_runs(ctx, sweep["id"])) == 2  # a paused sweep asks for nothing
    resumed = client.post(f"/api/v1/sweeps/{sweep['id']}/resume").json()
    assert resumed["status"] == "running" and resumed["trial_counts"] == {"queued": 2}
    stopped = client.post(f"/api/v1/sweeps/{sweep['id']}/stop").json()
    assert stopped["status"] == "stopped" and stopped["trial_counts"] == {"stopped": 2}
    assert client.post(f"/api/v1/sweeps/{sweep['id']}/pause").status_code == 409
    first = trial_runs(ctx, sweep["id"])[0].id
    kept = client.delete(f"/api/v1/runs/{first}")  # the driver has not accounted for its trials yet
    assert kept.status_code == 409 and kept.json()["error"]["code"] == "trial_of_a_running_sweep"
    driver.tick()
    shown = client.get(f"/api/v1/sweeps/{sweep['id']}").json()
    assert shown["finished_at"] is not None and len(shown["trials"]) == 2
    again = client.post(f"/api/v1/sweeps/{sweep['id']}/resume").json()
    assert again["status"] == "running"
    driver.tick()
    assert [r.trial_number for r in trial_runs(ctx, sweep["id"])] == [0, 1, 2, 3]  # the trials it had left


def wait_sweep(server: Server, sweep_id: str, timeout: float = 400) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sweep = server.client.get(f"/api/v1/sweeps/{sweep_id}").json()
        if sweep["finished_at"] is not None:
            return sweep
        time.sleep(0.5)
    raise TimeoutError(f"sweep {sweep_id} not finished after {timeout} s: {sweep}")


@pytest.fixture
def digits(api_home: Path) -> str:
    write_demo_datasets(api_home / "data")
    return "digits"


@pytest.mark.slow
def test_a_sweep_prunes_the_bad_trials_through_a_real_server(server: Server, digits: str):
    body = {
        "model": "small_cnn",
        "dataset": digits,
        "config": DIGITS,
        "space": {"lr": {"low": 1e-4, "high": 1.0, "log": True}, "optimizer.type": {"choices": ["adam", "rmsprop"]}},
        "n_trials": 6,
        "parallelism": 2,
        "sampler": "random",
        "pruner": {"type": "median", "n_startup_trials": 2},
    }
    sweep = server.client.post("/api/v1/sweeps", json=body).json()
    done = wait_sweep(server, sweep["id"])
    trials = done["trials"]
    assert done["status"] == "completed" and len(trials) == 6
    assert {t["status"] for t in trials} <= {"completed", "pruned"}
    assert any(t["status"] == "pruned" for t in trials), trials
    pruned = next(t for t in trials if t["status"] == "pruned")
    assert pruned["epochs"] < 2 and server.client.get(f"/api/v1/runs/{pruned['run_id']}").json()["status"] == "pruned"
    for pruned in (t for t in trials if t["status"] == "pruned"):
        run = server.client.get(f"/api/v1/runs/{pruned['run_id']}").json()
        assert run["status"] == "pruned" and 1 <= run["current_epoch"] == pruned["epochs"]
        last = server.home / "runs" / run["id"] / "checkpoints" / "last.ckpt"
        checkpoint = torch.load(last, weights_only=True, map_location="cpu")
        assert checkpoint["epoch"] + 1 == run["current_epoch"], "last.ckpt is not of the epoch the trial was pruned at"
        assert checkpoint["state_dict"]
    first = next(t for t in trials if t["number"] == 0)
    if first["value"] is not None:
        assert done["best_value"] >= first["value"]
    assert done["best_trial"]["value"] == done["best_value"] > 0.5
    assert set(done["importances"]) == {"lr", "optimizer.type"}


@pytest.mark.slow
def test_a_grid_sweep_survives_a_killed_server_with_exactly_its_trials(server: Server, digits: str):
    space = {"optimizer.type": {"choices": ["adam", "sgd"]}, "lr": {"choices": [0.01, 0.001]}}
    body = {"model": "small_cnn", "dataset": digits, "config": {**DIGITS, "epochs": 1}, "space": space}
    sweep = server.client.post("/api/v1/sweeps", json={**body, "sampler": "grid", "parallelism": 1}).json()
    assert sweep["n_trials"] == 4
    deadline = time.monotonic() + 120
    while not any(
        t["status"] == "running" for t in server.client.get(f"/api/v1/sweeps/{sweep['id']}").json()["trials"]
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    server.kill()
    server.start()
    done = wait_sweep(server, sweep["id"])
    assert done["status"] == "completed"
    assert sorted(t["number"] for t in done["trials"]) == [0, 1, 2, 3]
    assert {t["status"] for t in done["trials"]} == {"completed"}
    tried = sorted((t["params"]["optimizer.type"], t["params"]["lr"]) for t in done["trials"])
    assert tried == sorted(itertools.product(["adam", "sgd"], [0.01, 0.001]))
    runs = server.client.get("/api/v1/runs", params={"sweep": sweep["id"]}).json()
    assert runs["total"] == 4 and sorted(r["trial_number"] for r in runs["items"]) == [0, 1, 2, 3]
