"""A real ``visionyard serve`` with real workers mirroring into a real MLflow sqlite store: every way a run
ends in visionyard (completed, stopped, paused then resumed, its worker SIGKILLed) is how it ends in MLflow."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from tests.api.test_lifecycle import wait_epoch
from tests.helpers import TINY
from tests.server import Server, prepare_home
from tests.tracking.conftest import MlflowServer
from visionyard.plugins.catalog import PluginCatalog

pytestmark = pytest.mark.slow

LONG = {**TINY, "epochs": 500}
"""Runs that are paused, stopped or killed long before they could end."""


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, shared_home: Path, catalog: PluginCatalog, mlflow_server: MlflowServer
) -> Iterator[Server]:
    """The service; the MLflow server of test_train_mlflow_server.py boots meanwhile (it takes long)."""
    home = prepare_home(tmp_path_factory.mktemp("tracked") / "home", shared_home)
    live = Server(
        home,
        VISIONYARD_MLFLOW_TRACKING_URI=f"sqlite:///{home.parent / 'mlflow.db'}",
        VISIONYARD_PUBLIC_URL="http://visionyard.test",
        VISIONYARD_MAX_CONCURRENT_RUNS="3",
        VISIONYARD_HEARTBEAT_INTERVAL="0.5",
        VISIONYARD_RESTART_BACKOFF="0.2",
        MLFLOW_DISABLE_TELEMETRY="true",
    )
    try:
        yield live.start()
    finally:
        live.close()


def create(server: Server, name: str, config: dict[str, Any], **fields: Any) -> str:
    body = {"model": "small_cnn", "dataset": "tiny", "name": name, "config": config, **fields}
    response = server.client.post("/api/v1/runs", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def mlflow_run(server: Server, run_id: str, until: Callable[[Any], bool], timeout: float = 30) -> Any:
    """The MLflow run of a visionyard run once ``until(run)`` holds (the mirror polls every second)."""
    store = server.home.parent / "mlflow.db"
    deadline = time.monotonic() + timeout
    found = None
    while time.monotonic() < deadline:
        if store.exists():
            try:
                client = MlflowClient(f"sqlite:///{store}")
                experiments = [e.experiment_id for e in client.search_experiments()]
                hits = client.search_runs(experiments, filter_string=f"tags.`visionyard.run_id` = '{run_id}'")
                found = hits[0] if hits else None
                if found is not None and until(found):
                    return found
            except MlflowException:
                pass  # the store is being made or written by the server's mirror
        time.sleep(0.25)
    raise AssertionError(f"MLflow run of {run_id} never got there: {found and (found.info, found.data.tags)}")


def status_is(status: str, visionyard_status: str | None = None) -> Callable[[Any], bool]:
    def check(run: Any) -> bool:
        return run.info.status == status and run.data.tags.get("visionyard.status") == (
            visionyard_status or run.data.tags.get("visionyard.status")
        )

    return check


def test_every_way_a_run_ends_reads_the_same_in_mlflow(service: Server):
    paused = create(service, "paused then resumed", LONG)
    stopped = create(service, "stopped", LONG)
    killed = create(service, "killed", LONG, max_restarts=0)

    wait_epoch(service, paused, 1)
    assert service.client.post(f"/api/v1/runs/{paused}/pause").status_code == 200
    wait_epoch(service, stopped, 1)
    assert service.client.post(f"/api/v1/runs/{stopped}/stop").status_code == 200
    psutil.Process(service.wait_training(killed, attempt=1)["worker_pid"]).kill()

    assert service.wait_for(killed, ("failed", "completed"), timeout=30)["status"] == "failed"
    failed = mlflow_run(service, killed, status_is("FAILED", "failed"))
    assert "SIGKILL" in failed.data.tags["visionyard.reason"]
    assert service.wait_for(stopped, ("stopped", "completed", "failed"))["status"] == "stopped"
    mlflow_run(service, stopped, status_is("KILLED", "stopped"))

    halted = service.wait_for(paused, ("paused", "completed", "failed"))
    assert halted["status"] == "paused"
    mlflow_run(service, paused, status_is("KILLED", "paused"))
    epochs = halted["current_epoch"] + 1
    resumed = service.client.post(f"/api/v1/runs/{paused}/resume", json={"epochs": epochs})
    assert resumed.status_code == 200, resumed.text
    done = service.wait_for(paused, ("completed", "failed"))
    assert done["status"] == "completed", done["error"]
    finished = mlflow_run(service, paused, status_is("FINISHED", "completed"))

    assert finished.info.run_name == "paused then resumed"
    params = finished.data.params
    assert params["epochs"] == "500" and params["batch_size"] == "8" and params["optimizer.type"]
    assert params["preprocessing.image_size"] == "32" and "data.num_workers" in params
    tags = finished.data.tags
    assert tags["visionyard.url"] == f"http://visionyard.test/runs/{paused}"
    assert (tags["visionyard.model"], tags["visionyard.task"]) == ("small_cnn", "classification")
    assert tags["visionyard.dataset"] == "tiny" and tags["visionyard.attempt"] == "2"
    assert tags["visionyard.dataset_fingerprint"].startswith("sha256:")

    client = MlflowClient(f"sqlite:///{service.home.parent / 'mlflow.db'}")
    history = client.get_metric_history(finished.info.run_id, "train_loss")
    assert sorted({m.step for m in history}) == list(range(1, epochs + 1))
    assert {"val_acc", "val_loss", "lr"} <= set(finished.data.metrics)
    names = {a.path for a in client.list_artifacts(finished.info.run_id)}
    assert {"config.json", "run.json", "metrics.csv", "checkpoints", "logs"} <= names
    best = Path(client.download_artifacts(finished.info.run_id, "checkpoints/best.ckpt"))
    assert best.read_bytes() == (service.home / "runs" / paused / "checkpoints" / "best.ckpt").read_bytes()
    run = service.client.get(f"/api/v1/runs/{paused}").json()
    assert run["status"] == "completed"
