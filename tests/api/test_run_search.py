"""Finding and comparing runs on a database of 10,000 runs, on SQLite and on a real PostgreSQL server: every
filter against the count the seed says, labels changed after creation, and the compare route."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from tests.postgres import needs_postgres, postgres_server
from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.db.models import MetricRow, Run, RunTag
from visionyard.services.context import ServiceContext

RUNS = 10_000
MODELS = ("resnet18", "small_cnn", "unet", "snunet_cbam")
DATASETS = ("digits", "flowers", "roads")
OPTIMIZERS = ("adamw", "sgd")


def seeded(index: int) -> dict:
    """Run ``index``: its model, dataset, tags, lr and best val_acc follow from the index, so counts are known."""
    return {
        "id": f"run-{index:05d}",
        "name": f"sweep {index}" if index % 100 == 0 else f"run {index}",
        "note": "Baseline with HEAVY augmentation 50%" if index % 250 == 0 else None,
        "tags": ["all", f"group-{index % 10}"] + (["best"] if index % 1000 == 0 else []),
        "status": "completed" if index % 4 else "failed",
        "model": MODELS[index % 4],
        "task": "classification",
        "dataset": DATASETS[index % 3],
        "dataset_path": "/d",
        "config": {"lr": 0.001 * (index % 10 + 1), "optimizer": {"type": OPTIMIZERS[index % 2], "lr_scale": 1}},
        "epochs": 3,
        "best_metrics": {"val_acc": (index % 100) / 100, "monitor": "val_acc"} if index % 7 else {},
        "final_metrics": {"val_acc": (index % 100) / 100},
        "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=index),
    }


def seed(url: str) -> None:
    from visionyard.db.session import Database

    db = Database(url)
    db.migrate()
    runs = [seeded(i) for i in range(RUNS)]
    with db.engine.begin() as connection:
        connection.execute(insert(Run), runs)
        connection.execute(insert(RunTag), [{"run_id": r["id"], "tag": t} for r in runs for t in r["tags"]])
        history = [
            {"run_id": r["id"], "epoch": e, "step": e * 10, "values": {"epoch": e, "val_acc": e / 10 + i / 1000}}
            for i, r in enumerate(runs[:3])
            for e in (1, 2, 3)
        ]
        connection.execute(insert(MetricRow), history)
    db.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("search-home")
    with postgres_server() if request.param == "postgresql" else nullcontext() as pg_url:
        url = pg_url or f"sqlite:///{home / 'visionyard.db'}"
        seed(url)
        app = create_app(ServiceContext(Settings(home=home, database_url=url)), schedule=False)
        with TestClient(app) as test_client:
            yield test_client


def count(client: TestClient, **params) -> int:
    answer = client.get("/api/v1/runs", params={"limit": 1, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["total"]


def expected(test) -> int:
    return sum(1 for i in range(RUNS) if test(seeded(i)))


@pytest.mark.parametrize(
    ("params", "test"),
    [
        ({}, lambda r: True),
        ({"status": "failed"}, lambda r: r["status"] == "failed"),
        ({"model": "unet", "dataset": "roads"}, lambda r: r["model"] == "unet" and r["dataset"] == "roads"),
        ({"tag": "group-3"}, lambda r: "group-3" in r["tags"]),
        ({"tag": ["group-0", "best"]}, lambda r: "best" in r["tags"]),
        ({"q": "heavy AUG"}, lambda r: r["note"] is not None),
        ({"q": "50%"}, lambda r: r["note"] is not None),
        ({"q": "sweep 1"}, lambda r: r["name"].startswith("sweep 1")),
        ({"q": "RUN-0012"}, lambda r: r["id"].startswith("run-0012")),
        ({"where": "metric:val_acc>0.9"}, lambda r: r["best_metrics"].get("val_acc", 0) > 0.9),
        (
            {"where": "metric:val_acc<=0.1"},
            lambda r: "val_acc" in r["best_metrics"] and r["best_metrics"]["val_acc"] <= 0.1,
        ),
        ({"where": "param:lr<0.0035"}, lambda r: r["config"]["lr"] < 0.0035),
        ({"where": "param:optimizer.type=sgd"}, lambda r: r["config"]["optimizer"]["type"] == "sgd"),
        ({"where": "param:optimizer.type!=sgd"}, lambda r: r["config"]["optimizer"]["type"] != "sgd"),
        ({"where": "param:optimizer.type>1"}, lambda r: False),
        ({"where": "param:missing.key>=0"}, lambda r: False),
        (
            {"status": "completed", "tag": "group-5", "where": ["metric:val_acc>=0.5", "param:optimizer.type=sgd"]},
            lambda r: (
                r["status"] == "completed"
                and "group-5" in r["tags"]
                and r["best_metrics"].get("val_acc", 0) >= 0.5
                and r["config"]["optimizer"]["type"] == "sgd"
            ),
        ),
    ],
)
def test_each_filter_finds_exactly_the_runs_it_names(client: TestClient, params: dict, test):
    assert count(client, **params) == expected(test)


def test_a_filtered_page_is_newest_first_and_quick(client: TestClient):
    params = {"tag": "group-2", "where": "metric:val_acc>0.5", "limit": 20, "offset": 40}
    started = time.perf_counter()
    page = client.get("/api/v1/runs", params=params).json()
    took = time.perf_counter() - started
    passing = [i for i in reversed(range(RUNS)) if i % 10 == 2 and i % 7 and (i % 100) / 100 > 0.5]
    assert [r["id"] for r in page["items"]] == [f"run-{i:05d}" for i in passing[40:60]]
    assert page["items"][0]["tags"] == ["all", "group-2"]
    assert took < 5, "a filtered page over 10k runs"  # generous: the benchmark measures it


def test_bad_filters_are_422s_that_say_how_to_write_them(client: TestClient):
    for where, says in (("metric:val_acc~0.9", "metric:NAME OP VALUE"), ("param:lr>big", "needs a number")):
        answer = client.get("/api/v1/runs", params={"where": where})
        assert answer.status_code == 422 and says in answer.json()["error"]["message"], answer.text


def test_compare_marks_the_differing_keys_and_brings_each_history(client: TestClient):
    answer = client.get("/api/v1/runs/compare", params={"ids": "run-00002,run-00000, run-00001,run-00000"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["id"] for r in body["runs"]] == ["run-00002", "run-00000", "run-00001"]
    rows = {row["key"]: row for row in body["config"]}
    assert rows["lr"]["differs"] and rows["lr"]["values"] == pytest.approx([0.003, 0.001, 0.002])
    assert rows["optimizer.type"] == {"key": "optimizer.type", "values": ["adamw", "adamw", "sgd"], "differs": True}
    assert rows["optimizer.lr_scale"] == {"key": "optimizer.lr_scale", "values": [1, 1, 1], "differs": False}
    assert [h["val_acc"] for h in body["runs"][0]["history"]] == pytest.approx([0.102, 0.202, 0.302])
    assert body["runs"][1]["best_metrics"] == {} and body["runs"][2]["best_metrics"]["val_acc"] == 0.01
    assert body["metrics"] == ["val_acc"]

    assert client.get("/api/v1/runs/compare", params={"ids": "run-00001,nope"}).status_code == 404
    assert client.get("/api/v1/runs/compare", params={"ids": "run-00001"}).status_code == 422
    eleven = ",".join(f"run-{i:05d}" for i in range(11))
    assert client.get("/api/v1/runs/compare", params={"ids": eleven}).status_code == 422


def test_labels_change_after_creation_and_are_found_by_them(client: TestClient):
    run = "run-09999"
    changed = client.patch(f"/api/v1/runs/{run}", json={"tags": [" keep ", "keep", "fresh"], "note": "look here"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["tags"] == ["keep", "fresh"] and changed.json()["note"] == "look here"
    assert changed.json()["name"] == "run 9999", "a label left out stays"
    assert [r["id"] for r in client.get("/api/v1/runs", params={"tag": "fresh"}).json()["items"]] == [run]
    assert count(client, q="LOOK HERE") == 1
    cleared = client.patch(f"/api/v1/runs/{run}", json={"tags": ["all", "group-9"], "note": ""}).json()
    assert cleared["tags"] == ["all", "group-9"] and cleared["note"] is None
    assert count(client, tag="fresh") == 0
    assert client.patch(f"/api/v1/runs/{run}", json={"tags": ["x" * 65]}).status_code == 422
    assert client.patch("/api/v1/runs/nope", json={"note": "x"}).status_code == 404
