"""A sweep is an MLflow parent run and its trials are its child runs (a real MLflow sqlite store)."""

from __future__ import annotations

from tests.tracking.conftest import T0, add_event, add_run, client_of, set_status
from visionyard.core.context import Context
from visionyard.db.models import Sweep
from visionyard.tracking import TrackingMirror

SWEEP = "sweep-20260102-030405-aaaaaa"
TRIALS = ["20260102-030406-aaaaa0", "20260102-030406-aaaaa1"]


def add_sweep(ctx: Context) -> None:
    with ctx.db.write() as session:
        session.add(
            Sweep(
                id=SWEEP,
                name="lr search",
                status="running",
                model="small_cnn",
                task="classification",
                dataset="tiny",
                config={"epochs": 3},
                space={"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True, "step": None}},
                objective={"metric": "val_acc", "direction": "maximize"},
                n_trials=2,
                parallelism=1,
                sampler="tpe",
                pruner={"type": "median", "n_startup_trials": 1, "n_warmup_steps": 0, "interval_steps": 1},
                seed=42,
                created_at=T0,
            )
        )


def test_a_sweep_is_a_parent_run_of_its_trials(ctx: Context):
    add_sweep(ctx)
    add_event(ctx, None, "sweep", 0, id=SWEEP, status="running", previous=None)
    for number, run_id in enumerate(TRIALS):
        add_run(ctx, run_id, sweep_id=SWEEP, trial_number=number)
        set_status(ctx, run_id, "running", 1 + number, attempt=1)
        set_status(ctx, run_id, "completed" if number == 0 else "pruned", 2 + number, attempt=1)
    with ctx.db.write() as session:
        session.get_one(Sweep, SWEEP).best_value = 0.8
    add_event(ctx, None, "sweep", 5, id=SWEEP, status="completed", previous="running")
    mirror = TrackingMirror(ctx.settings, ctx.db)
    mirror.drain()
    mirror.rewind()
    mirror.drain()  # again: nothing is made twice
    client = client_of(ctx)
    experiment = client.get_experiment_by_name(ctx.settings.mlflow_experiment).experiment_id
    runs = client.search_runs([experiment])
    parents = [
        r for r in runs if r.data.tags.get("visionyard.sweep_id") == SWEEP and "visionyard.run_id" not in r.data.tags
    ]
    assert len(parents) == 1 and len(runs) == 3
    parent = parents[0]
    assert parent.data.tags["visionyard.sweep_id"] == SWEEP
    assert parent.info.status == "FINISHED" and parent.info.run_name == "lr search"
    assert parent.data.params["sampler"] == "tpe" and '"low": 0.001' in parent.data.params["space.lr"]
    assert parent.data.metrics["best_val_acc"] == 0.8
    children = {r.data.tags["visionyard.run_id"]: r for r in runs if r is not parent}
    assert set(children) == set(TRIALS)
    assert {r.data.tags["mlflow.parentRunId"] for r in children.values()} == {parent.info.run_id}
    assert (
        children[TRIALS[1]].info.status == "KILLED" and children[TRIALS[1]].data.tags["visionyard.status"] == "pruned"
    )
    with ctx.db.session() as session:
        assert session.get_one(Sweep, SWEEP).tracking_id == parent.info.run_id
