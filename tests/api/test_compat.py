"""The compatibility routes: spec/001 (``/training``) and spec/004 (``/train``) over the run services."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.core import lifecycle
from visionyard.core.context import Context
from visionyard.data.demo_dense import write_shapes_change
from visionyard.db.models import MetricRow, Run
from visionyard.services.context import ServiceContext

EXPERIMENT = "epochs: 1\nbatch_size: 4\nmodel: small_cnn\n"
JOB = "model: small_cnn\nepochs: 2\nbatch_size: 4\nlr: 0.01\n"
START = {"config_name": "exp.yaml", "model_name": "default", "train_data_dir": "data/tiny/train"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def home(api_home: Path) -> Path:
    write(api_home / "configs" / "experiment" / "exp.yaml", EXPERIMENT)
    write(api_home / "configs" / "experiment" / "notes.txt", "not a config")
    write(api_home / "configs" / "job.yaml", JOB)
    return api_home


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    """The app with both compatibility routers mounted (no scheduler: runs stay queued)."""
    app = create_app(ServiceContext(Settings(home=home)), schedule=False)
    with TestClient(app) as test_client:
        yield test_client


def context(client: TestClient) -> Context:
    return client.app.state.context  # type: ignore[attr-defined]


def native_runs(client: TestClient) -> list[dict[str, Any]]:
    """Every run as the native API shows it in full (list items leave out the config)."""
    items = client.get("/api/v1/runs").json()["items"]
    return [client.get(f"/api/v1/runs/{item['id']}").json() for item in items]


def run_folders(home: Path) -> list[Path]:
    runs_dir = home / "runs"
    return list(runs_dir.iterdir()) if runs_dir.is_dir() else []


def start(client: TestClient, **changes: Any) -> str:
    reply = client.post("/training/start", json={**START, **changes})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"status": "started"}
    return native_runs(client)[0]["id"]


def move(client: TestClient, run_id: str, *statuses: str, **fields: Any) -> None:
    with context(client).db.session() as session:
        run = session.get_one(Run, run_id)
        for status in statuses:
            lifecycle.move(session, run, status, **fields)


def add_metrics(client: TestClient, run_id: str, rows: list[dict[str, Any]]) -> None:
    """As DatabaseReporter.epoch_end writes them: a metric row, the run's progress and an epoch event."""
    with context(client).db.session() as session:
        run = session.get_one(Run, run_id)
        for row in rows:
            session.add(MetricRow(run_id=run_id, epoch=row["epoch"], step=row["step"], values=row))
            run.current_epoch, run.current_step, run.final_metrics = row["epoch"], row["step"], row
            lifecycle.add_event(session, run_id, "epoch", **row)


def assert_untouched(client: TestClient, home: Path) -> None:
    assert native_runs(client) == []
    assert run_folders(home) == []


# ---- spec/001: start, stop, status -----------------------------------------------------------


def test_start_queues_a_run_that_the_native_api_shows(client: TestClient) -> None:
    run_id = start(client, val_data_dir="data/tiny/val")
    [run] = native_runs(client)
    assert run["id"] == run_id and run["status"] == "queued"
    assert (run["model"], run["dataset"], run["name"]) == ("small_cnn", "tiny", "exp.yaml")
    assert (run["config"]["epochs"], run["config"]["batch_size"]) == (1, 4)
    assert client.get("/training/status").json() == {"status": "started"}


@pytest.mark.parametrize(
    ("yaml_text", "model_name", "model"),
    [
        ("epochs: 1\n", "default", "resnet18"),
        ("epochs: 1\nmodel: small_cnn\n", "default", "small_cnn"),
        ("epochs: 1\nmodel: resnet18\n", "small_cnn", "small_cnn"),
    ],
)
def test_start_picks_the_model(client: TestClient, home: Path, yaml_text: str, model_name: str, model: str) -> None:
    write(home / "configs" / "experiment" / "pick.yml", yaml_text)
    start(client, config_name="pick.yml", model_name=model_name)
    assert native_runs(client)[0]["model"] == model


def test_start_puts_model_fields_in_the_model_section(client: TestClient, home: Path) -> None:
    write(home / "configs" / "experiment" / "flat.yaml", "model: resnet18\nlr: 0.01\nzero_init_residual: true\n")
    start(client, config_name="flat.yaml", train_data_dir=str(home / "data" / "tiny" / "train"))
    config = native_runs(client)[0]["config"]
    assert config["lr"] == 0.01 and config["model"]["zero_init_residual"] is True


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("../exp.yaml", 422),
        ("/etc/passwd", 422),
        ("experiment/exp.yaml", 422),
        ("exp.txt", 422),
        (".exp.yaml", 422),
        ("..", 422),
        ("exp.yaml\x00", 422),
        ("notes.txt", 422),
        ("nope.yaml", 404),
    ],
)
def test_start_checks_the_config_name(client: TestClient, home: Path, name: str, status: int) -> None:
    reply = client.post("/training/start", json={**START, "config_name": name})
    assert reply.status_code == status, reply.text
    if status == 404:
        assert "exp.yaml" in reply.json()["error"]["message"]
    else:
        assert reply.json()["error"]["fields"][0]["path"] == "body.config_name"
    assert_untouched(client, home)


def test_start_refuses_a_config_linked_from_outside(client: TestClient, home: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside.yaml", EXPERIMENT)
    os.symlink(outside, home / "configs" / "experiment" / "link.yaml")
    reply = client.post("/training/start", json={**START, "config_name": "link.yaml"})
    assert reply.status_code == 404
    assert client.get("/training/configs").json() == {"available_configs": ["exp.yaml", "link.yaml"]}
    assert_untouched(client, home)


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"train_data_dir": "/etc"}, 422, "train_data_dir"),
        ({"train_data_dir": "../../../../../../etc/train"}, 422, "train_data_dir"),
        ({"train_data_dir": "data"}, 422, "train_data_dir"),
        ({"train_data_dir": "data/tiny/val"}, 422, "train_data_dir"),
        ({"train_data_dir": "data/tiny"}, 422, "train_data_dir"),
        ({"train_data_dir": "s3://bucket/tiny/train"}, 422, "train_data_dir"),
        ({"train_data_dir": "data/tiny/train\x00"}, 422, "train_data_dir"),
        ({"val_data_dir": "data/tiny/train"}, 422, "val_data_dir"),
        ({"test_data_dir": "/tmp"}, 422, "test_data_dir"),
        ({"train_data_dir": "data/missing/train"}, 404, None),
        ({"train_data_dir": "data/" + "x" * 300 + "/train"}, 404, None),
    ],
)
def test_start_checks_the_dataset_paths(
    client: TestClient, home: Path, changes: dict[str, str], status: int, field: str | None
) -> None:
    reply = client.post("/training/start", json={**START, **changes})
    assert reply.status_code == status, reply.text
    if field is not None:
        assert reply.json()["error"]["fields"][0]["path"] == f"body.{field}"
    assert_untouched(client, home)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**START, "epochs": 3}, 422, "invalid_request"),
        ({"config_name": "exp.yaml"}, 422, "invalid_request"),
        ({**START, "model_name": "no_such_model"}, 404, "model_not_found"),
    ],
)
def test_start_checks_the_body(client: TestClient, home: Path, body: dict[str, Any], status: int, code: str) -> None:
    reply = client.post("/training/start", json=body)
    assert (reply.status_code, reply.json()["error"]["code"]) == (status, code)
    assert_untouched(client, home)


@pytest.mark.parametrize(
    ("yaml_text", "path"),
    [
        ("epochs: [1\n", "config.file"),
        ("- 1\n- 2\n", "config.file"),
        ("epochs: 0\n", "config.epochs"),
        ("model: resnet18\nepochz: 3\n", "config.model.epochz"),
        ("model: 3\n", "config.model"),
    ],
)
def test_start_reports_bad_configs(client: TestClient, home: Path, yaml_text: str, path: str) -> None:
    write(home / "configs" / "experiment" / "bad.yaml", yaml_text)
    reply = client.post("/training/start", json={**START, "config_name": "bad.yaml"})
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "invalid_config"
    assert reply.json()["error"]["fields"][0]["path"] == path
    assert_untouched(client, home)


def test_stop_stops_every_active_run(client: TestClient) -> None:
    first, second = start(client), start(client)
    move(client, first, "running")
    assert client.get("/training/status").json() == {"status": "running"}
    assert client.post("/training/stop").json() == {"status": "stopped"}
    statuses = {r["id"]: (r["status"], r["control"]) for r in native_runs(client)}
    assert statuses[second] == ("stopped", None)
    assert statuses[first] == ("running", "stop")  # the worker stops it at its next step
    move(client, first, "stopped")
    assert client.get("/training/status").json() == {"status": "stopped"}
    assert client.post("/training/stop").json() == {"status": "not_running"}


def test_status_follows_the_latest_run(client: TestClient) -> None:
    assert client.get("/training/status").json() == {"status": "not_running"}
    failed = start(client)
    move(client, failed, "running", "failed", error="CUDA out of memory\nTraceback ...")
    assert client.get("/training/status").json() == {"status": "error: CUDA out of memory"}
    completed = start(client)
    move(client, completed, "running")
    assert client.get("/training/status").json() == {"status": "running"}
    move(client, completed, "completed")
    assert client.get("/training/status").json() == {"status": "not_running"}


# ---- spec/001: listings ----------------------------------------------------------------------


def test_configs_lists_yaml_files(client: TestClient, home: Path) -> None:
    write(home / "configs" / "experiment" / "a.yml", "")
    assert client.get("/training/configs").json() == {"available_configs": ["a.yml", "exp.yaml"]}
    shutil.rmtree(home / "configs" / "experiment")
    assert client.get("/training/configs").json() == {"available_configs": []}


def test_trained_models_lists_onnx_files_of_runs(client: TestClient, home: Path) -> None:
    assert client.get("/training/trained_models").json() == {"model_paths": []}
    run_id = start(client)
    onnx = write(home / "runs" / run_id / "exports" / "model.onnx", "onnx")
    write(home / "runs" / run_id / "exports" / "model.pt", "torch")
    assert client.get("/training/trained_models").json() == {"model_paths": [str(onnx.resolve())]}


def test_datasets_lists_folders_with_train_and_test(client: TestClient, home: Path) -> None:
    data = (home / "data").resolve()
    for split in ("train", "test", "val"):
        (data / "mnist" / split).mkdir(parents=True)
    for split in ("train", "test"):
        (data / "cd" / split).mkdir(parents=True)
    reply = client.get("/training/datasets").json()
    assert reply == {
        "datasets": [
            {
                "dataset_name": "cd",
                "train_path": str(data / "cd" / "train"),
                "test_path": str(data / "cd" / "test"),
                "val_path": None,
                "dataset_base_path": str(data / "cd"),
            },
            {
                "dataset_name": "mnist",
                "train_path": str(data / "mnist" / "train"),
                "test_path": str(data / "mnist" / "test"),
                "val_path": str(data / "mnist" / "val"),
                "dataset_base_path": str(data / "mnist"),
            },
        ]
    }


# ---- spec/001: metrics -----------------------------------------------------------------------

ROWS = [
    {"epoch": 0, "step": 10, "train_loss": 2.0, "val_loss": 1.5, "val_acc": 0.4},
    {"epoch": 1, "step": 20, "train_loss": 1.0, "val_loss": 1.7, "val_acc": 0.6},
]


def test_metrics_without_runs(client: TestClient) -> None:
    reply = client.get("/training/metrics/latest")
    assert (reply.status_code, reply.json()) == (404, {"error": "No training runs found"})
    assert client.get("/training/metrics/runs").json() == []


def test_metrics_of_a_run(client: TestClient, home: Path) -> None:
    run_id = start(client)
    add_metrics(client, run_id, ROWS)
    latest = client.get("/training/metrics/latest").json()
    assert latest == client.get(f"/training/metrics/runs/{run_id}").json()
    assert latest.pop("last_modified")
    assert latest == {
        "run_id": run_id,
        "available_columns": ["epoch", "step", "train_loss", "val_loss", "val_acc"],
        "total_rows": 2,
        "max_epoch": 1,
        "max_step": 20,
        "data": ROWS,
        "csv_file": str(home.resolve() / "runs" / run_id / "metrics.csv"),
    }
    summary = client.get(f"/training/metrics/runs/{run_id}/summary").json()
    assert summary == {
        "run_id": run_id,
        "total_epochs": 1,
        "total_steps": 20,
        "best_metrics": {"best_train_loss": 1.0, "best_val_loss": 1.5, "best_val_acc": 0.6},
        "final_metrics": ROWS[-1],
        "available_columns": ["epoch", "step", "train_loss", "val_loss", "val_acc"],
    }


def test_metrics_runs_lists_every_run(client: TestClient, home: Path) -> None:
    older = start(client)
    add_metrics(client, older, ROWS)
    move(client, older, "running", "completed")
    newer = start(client)
    listed = client.get("/training/metrics/runs").json()
    assert [r["run_id"] for r in listed] == [newer, older]
    assert {k: listed[1][k] for k in ("status", "has_metrics", "metrics_file")} == {
        "status": "completed",
        "has_metrics": True,
        "metrics_file": str(home.resolve() / "runs" / older / "metrics.csv"),
    }
    assert {k: listed[0][k] for k in ("status", "has_metrics", "metrics_file")} == {
        "status": "in_progress",
        "has_metrics": False,
        "metrics_file": None,
    }
    assert listed[0]["created_at"] and listed[0]["modified_at"]
    latest = client.get("/training/metrics/latest").json()
    assert (latest["run_id"], latest["total_rows"], latest["data"], latest["last_modified"]) == (newer, 0, [], None)


@pytest.mark.parametrize(
    ("run_id", "name"), [("nope", "nope"), ("UPPER", "UPPER"), ("a" * 80, "a" * 80), ("%2e%2e", ".."), ("x y", "x y")]
)
@pytest.mark.parametrize("suffix", ["", "/summary"])
def test_metrics_of_an_unknown_run(client: TestClient, run_id: str, name: str, suffix: str) -> None:
    reply = client.get(f"/training/metrics/runs/{run_id}{suffix}")
    assert (reply.status_code, reply.json()) == (404, {"error": f"Run {name} not found"})


# ---- spec/004 --------------------------------------------------------------------------------


def test_train_queues_a_job(client: TestClient, home: Path) -> None:
    reply = client.post("/train", json={"dataset_uri": "data/tiny", "config_uri": "configs/job.yaml"})
    assert reply.status_code == 202, reply.text
    job_id = reply.json()["job_id"]
    assert reply.json() == {"job_id": job_id, "status": "queued"}
    job = client.get(f"/train/{job_id}").json()
    assert set(job) == {"job_id", "status", "created_at", "started_at", "finished_at", "metrics", "error"}
    assert (job["status"], job["started_at"], job["metrics"], job["error"]) == ("queued", None, {}, None)
    assert client.get("/train").json() == [job]
    [run] = native_runs(client)
    assert (run["id"], run["model"], run["dataset"]) == (job_id, "small_cnn", "tiny")
    assert (run["config"]["epochs"], run["config"]["lr"]) == (2, 0.01)


@pytest.mark.parametrize(
    ("dataset_uri", "config_uri"),
    [
        ("tiny", "job.yaml"),
        ("{home}/data/tiny", "{home}/configs/job.yaml"),
        ("file://{home}/data/tiny", "file://{home}/configs/job.yaml"),
    ],
)
def test_train_accepts_names_paths_and_file_uris(
    client: TestClient, home: Path, dataset_uri: str, config_uri: str
) -> None:
    body = {"dataset_uri": dataset_uri.format(home=home), "config_uri": config_uri.format(home=home)}
    reply = client.post("/train", json={**body, "register_model": True})
    assert reply.status_code == 202, reply.text
    assert client.get(f"/train/{reply.json()['job_id']}").json()["status"] == "queued"


def test_train_defaults_to_snunet_cbam_on_a_levir_cd_dataset(client: TestClient, home: Path) -> None:
    write_shapes_change(home / "data" / "levir", counts={"train": 2, "val": 1}, size=32)
    write(home / "configs" / "cd.yaml", "epochs: 3\nbatch_size: 8\nlr: 0.001\nbase_channel: 16\nweight_dice: 0.7\n")
    reply = client.post("/train", json={"dataset_uri": "data/levir", "config_uri": "configs/cd.yaml"})
    assert reply.status_code == 202, reply.text
    [run] = native_runs(client)
    assert (run["model"], run["dataset"], run["config"]["epochs"]) == ("snunet_cbam", "levir", 3)
    assert (run["config"]["model"]["base_channel"], run["config"]["model"]["weight_dice"]) == (16, 0.7)


def test_train_refuses_a_dataset_that_is_not_change_detection(client: TestClient, home: Path) -> None:
    write(home / "configs" / "cd.yaml", "epochs: 3\nbatch_size: 8\nlr: 0.001\nbase_channel: 32\n")
    reply = client.post("/train", json={"dataset_uri": "data/tiny", "config_uri": "configs/cd.yaml"})
    assert reply.status_code == 422, reply.text
    message = reply.json()["error"]["message"]
    assert "change_detection" in message and "levir_cd" in message and "image_folder" in message
    assert_untouched(client, home)


@pytest.mark.parametrize(
    ("changes", "status", "needle"),
    [
        ({"dataset_uri": "s3:///levir-cd"}, 422, "not an s3:// URI"),
        ({"config_uri": "s3://landcover/configs/train_config.txt"}, 422, "YAML"),
        ({"dataset_uri": "https://example.com/levir-cd"}, 422, "not supported"),
        ({"dataset_uri": "/etc"}, 422, "data root"),
        ({"dataset_uri": "data/../../.."}, 422, "data root"),
        ({"dataset_uri": "levir-cd"}, 404, "levir-cd"),
        ({"dataset_uri": "data/levir-cd"}, 404, "levir-cd"),
        ({"config_uri": "/etc/passwd"}, 422, "configs"),
        ({"config_uri": "configs/../runs/x.yaml"}, 422, "configs"),
        ({"config_uri": "data/tiny/x.yaml"}, 422, "configs"),
        ({"config_uri": "configs/experiment/notes.txt"}, 422, "YAML"),
        ({"config_uri": "notes.txt"}, 422, "YAML"),
        ({"config_uri": "configs/missing.yaml"}, 404, "missing.yaml"),
        ({"config_uri": "file://elsewhere/configs/job.yaml"}, 422, "this machine"),
        ({"register_model": "maybe"}, 422, "not valid"),
        ({"extra": 1}, 422, "not valid"),
    ],
)
def test_train_refuses_bad_uris(client: TestClient, home: Path, changes: dict[str, Any], status: int, needle: str):
    body = {"dataset_uri": "data/tiny", "config_uri": "configs/job.yaml", **changes}
    reply = client.post("/train", json=body)
    assert reply.status_code == status, reply.text
    assert needle in reply.text
    assert_untouched(client, home)


@pytest.mark.parametrize("job_id", ["nope", "%2e%2e", "UPPER", "x y"])
def test_unknown_job(client: TestClient, job_id: str) -> None:
    reply = client.get(f"/train/{job_id}")
    assert (reply.status_code, reply.json()["error"]["code"]) == (404, "run_not_found")


def test_routes_are_documented_under_their_tags(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/training/start"]["post"]["tags"] == ["compat: DeepVisionXplain"]
    assert paths["/train"]["post"]["tags"] == ["compat: change detection"]
    assert {"/training/metrics/runs/{run_id}/summary", "/train/{job_id}"} <= set(paths)
