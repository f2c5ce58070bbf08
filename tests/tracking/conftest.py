from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import free_port
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.db.models import Event, Run

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_mlflow_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="session")
def empty_mlflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow sqlite store with its tables made once (MLflow's migrations take seconds); tests copy it."""
    from mlflow.tracking import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def ctx(tmp_path: Path, empty_mlflow_db: Path) -> Context:
    store = tmp_path / "mlflow.db"
    shutil.copy(empty_mlflow_db, store)
    settings = Settings(
        home=tmp_path / "home", mlflow_tracking_uri=f"sqlite:///{store}", public_url="http://vy.example:8000/"
    )
    context = Context(settings)
    context.db.migrate()
    return context


def client_of(ctx: Context) -> Any:
    from mlflow.tracking import MlflowClient

    uri = ctx.settings.mlflow_tracking_uri
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


CONFIG = {"epochs": 3, "batch_size": 8, "optimizer": {"type": "adamw", "lr": 0.001}, "model": {"dropout": 0.25}}


def add_run(ctx: Context, run_id: str, **fields: Any) -> Run:
    """A run row and a run folder with the files the mirror logs as artifacts."""
    values: dict[str, Any] = {
        "id": run_id,
        "status": "queued",
        "model": "small_cnn",
        "task": "classification",
        "dataset": "tiny",
        "dataset_path": "/data/tiny",
        "config": CONFIG,
        "epochs": 3,
        "created_at": T0,
    }
    values.update(fields)
    with ctx.db.write() as session:
        run = Run(**values)
        session.add(run)
    folder = ctx.settings.runs_dir / run_id
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "logs").mkdir()
    (folder / "config.json").write_text(json.dumps(CONFIG))
    (folder / "run.json").write_text(json.dumps({"id": run_id}))
    (folder / "metrics.csv").write_text("epoch,train_loss\n1,0.5\n")
    (folder / "logs" / "training.log").write_text("epoch 1\n")
    (folder / "checkpoints" / "best.ckpt").write_bytes(b"weights")
    return run


def add_event(ctx: Context, run_id: str | None, kind: str, seconds: float, /, **data: Any) -> int:
    with ctx.db.write() as session:
        event = Event(run_id=run_id, kind=kind, data=data, created_at=T0 + timedelta(seconds=seconds))
        session.add(event)
        session.flush()
        return event.id


def set_status(ctx: Context, run_id: str, status: str, seconds: float, attempt: int, reason: str | None = None) -> int:
    """Move the row (the mirror reads it) and log the status event, as lifecycle.move does."""
    with ctx.db.write() as session:
        run = session.get_one(Run, run_id)
        previous, run.status, run.attempt = run.status, status, attempt
    return add_event(ctx, run_id, "status", seconds, status=status, previous=previous, attempt=attempt, reason=reason)


class MlflowServer:
    """``mlflow server`` on a free loopback port, with a sqlite backend and its own proxied artifact store.

    It starts when made and is waited for in :meth:`ready`, so it can boot while other tests train."""

    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"]
        command += ["--artifacts-destination", str(root / "artifacts"), "--workers", "1"]
        with (root / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True
            )

    def ready(self, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"mlflow server exited; see {self.root / 'server.log'}"
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self.url
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"mlflow server not up in {timeout} s; see {self.root / 'server.log'}")

    def close(self) -> None:
        """Stop the server and its uvicorn child (its own process group)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=10)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """Booting takes a while: the service test asks for it first, so it comes up while runs train."""
    server = MlflowServer(tmp_path_factory.mktemp("mlflow-server"))
    try:
        yield server
    finally:
        server.close()
