"""The mirror applied to an event log written directly, against a real MLflow sqlite store (no server)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from tests.server import free_port
from tests.tracking.conftest import T0, add_event, add_run, client_of, set_status
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.db.models import Cursor, Run
from visionyard.tracking import MirrorThread, MirrorUnavailable, TrackingMirror, start_mirror

RUN = "20260102-030405-aaaaaa"


def epoch(ctx: Context, run_id: str, n: int, seconds: float) -> int:
    row = {"epoch": n, "step": 3 * n, "train_loss": 1.0 / n, "val_acc": 0.5 + n / 10, "lr": 0.001, "ok": True}
    return add_event(ctx, run_id, "epoch", seconds, **row)


def mlflow_runs(ctx: Context) -> list:
    client = client_of(ctx)
    experiment = client.get_experiment_by_name(ctx.settings.mlflow_experiment)
    return client.search_runs([experiment.experiment_id]) if experiment else []


def artifacts(client, run_id: str, path: str | None = None) -> set[str]:
    return {a.path for a in client.list_artifacts(run_id, path)}


def test_a_paused_resumed_and_completed_run_is_mirrored_once_and_idempotently(ctx: Context):
    add_run(ctx, RUN, name="first try")
    add_event(ctx, RUN, "status", 0, status="queued", previous=None, attempt=0)
    set_status(ctx, RUN, "running", 1, attempt=1, reason="claimed")
    add_event(ctx, RUN, "dataset", 2, digest="sha256:abc", files=48, bytes=1000)
    epoch(ctx, RUN, 1, 3)
    epoch(ctx, RUN, 2, 4)
    add_event(ctx, RUN, "checkpoint", 4.5, kind="best", path="checkpoints/best.ckpt", epoch=2, step=6)
    set_status(ctx, RUN, "paused", 5, attempt=1, reason="pause requested")
    mirror = TrackingMirror(ctx.settings, ctx.db)
    assert mirror.apply_pending() == 7
    client = client_of(ctx)
    [paused] = mlflow_runs(ctx)
    assert paused.info.status == "KILLED" and paused.data.tags["visionyard.status"] == "paused"
    assert paused.info.end_time == int((T0.timestamp() + 5) * 1000)

    set_status(ctx, RUN, "queued", 6, attempt=1, reason="resume requested")
    mirror.apply_pending()
    assert client.get_run(paused.info.run_id).info.status == "SCHEDULED"
    set_status(ctx, RUN, "running", 7, attempt=2)
    mirror.apply_pending()
    assert client.get_run(paused.info.run_id).info.status == "RUNNING"
    epoch(ctx, RUN, 3, 8)
    last = set_status(ctx, RUN, "completed", 9, attempt=2, reason="worker finished: completed")
    assert mirror.drain() == 2

    [done] = mlflow_runs(ctx)
    assert done.info.run_id == paused.info.run_id and done.info.status == "FINISHED"
    assert done.info.run_name == "first try"
    with ctx.db.session() as session:
        assert session.get_one(Run, RUN).tracking_id == done.info.run_id
        assert session.get_one(Cursor, "mlflow").event_id == last
    assert done.data.params == {
        "epochs": "3",
        "batch_size": "8",
        "optimizer.type": "adamw",
        "optimizer.lr": "0.001",
        "model.dropout": "0.25",
    }
    tags = done.data.tags
    assert tags["visionyard.run_id"] == RUN and tags["visionyard.url"] == f"http://vy.example:8000/runs/{RUN}"
    assert (tags["visionyard.model"], tags["visionyard.task"], tags["visionyard.dataset"]) == (
        "small_cnn",
        "classification",
        "tiny",
    )
    assert tags["visionyard.dataset_fingerprint"] == "sha256:abc" and tags["visionyard.dataset_files"] == "48"
    assert tags["visionyard.attempt"] == "2"
    assert tags["visionyard.status"] == "completed" and tags["mlflow.runName"] == "first try"
    history = client.get_metric_history(done.info.run_id, "train_loss")
    assert [(m.step, m.value) for m in history] == [(1, 1.0), (2, 0.5), (3, 1 / 3)]
    assert set(done.data.metrics) == {"train_loss", "val_acc", "lr"}, "epoch, step and booleans are not metrics"
    assert artifacts(client, done.info.run_id) >= {"config.json", "run.json", "metrics.csv", "logs", "checkpoints"}
    assert artifacts(client, done.info.run_id, "checkpoints") == {"checkpoints/best.ckpt"}
    assert artifacts(client, done.info.run_id, "logs") == {"logs/training.log"}
    assert Path(client.download_artifacts(done.info.run_id, "checkpoints/best.ckpt")).read_bytes() == b"weights"
    store = ctx.settings.root / "mlflow-artifacts"
    assert done.info.artifact_uri.startswith(store.as_uri()), "artifacts land under HOME, not in the cwd"

    mirror.rewind(0)
    assert mirror.drain() == 11
    [again] = mlflow_runs(ctx)
    assert again.info.run_id == done.info.run_id and again.info.status == "FINISHED"
    assert len(client.get_metric_history(done.info.run_id, "train_loss")) == 3, "replaying logs no duplicates"


def test_failed_stopped_and_never_started_runs(ctx: Context):
    add_run(ctx, "r-failed")
    set_status(ctx, "r-failed", "running", 1, attempt=1)
    set_status(ctx, "r-failed", "failed", 2, attempt=1, reason="worker killed by SIGKILL")
    add_run(ctx, "r-stopped", name=None)
    set_status(ctx, "r-stopped", "running", 3, attempt=1)
    set_status(ctx, "r-stopped", "stopped", 4, attempt=1)
    add_run(ctx, "r-never")
    set_status(ctx, "r-never", "paused", 5, attempt=0)
    set_status(ctx, "r-never", "stopped", 6, attempt=0)
    TrackingMirror(ctx.settings, ctx.db).drain()

    by_id = {r.data.tags["visionyard.run_id"]: r for r in mlflow_runs(ctx)}
    assert set(by_id) == {"r-failed", "r-stopped"}, "a run that never trained has no MLflow run"
    assert by_id["r-failed"].info.status == "FAILED"
    assert by_id["r-failed"].data.tags["visionyard.reason"] == "worker killed by SIGKILL"
    assert by_id["r-stopped"].info.status == "KILLED" and by_id["r-stopped"].info.run_name == "r-stopped"
    assert by_id["r-stopped"].data.tags["visionyard.status"] == "stopped"


def test_an_export_job_logs_its_folder(ctx: Context):
    from visionyard.db.models import Job

    add_run(ctx, RUN)
    set_status(ctx, RUN, "running", 1, attempt=1)
    set_status(ctx, RUN, "completed", 2, attempt=1)
    export = ctx.settings.runs_dir / RUN / "exports" / "exp-1"
    export.mkdir(parents=True)
    (export / "model.onnx").write_bytes(b"onnx")
    (export / "model.json").write_text("{}")
    with ctx.db.write() as session:
        session.add(Job(id="exp-1", run_id=RUN, kind="export", status="completed", params={"format": "onnx"}))
    add_event(ctx, RUN, "job", 3, id="exp-1", kind="export", status="completed")
    add_event(ctx, RUN, "job", 4, id="test-1", kind="test", status="completed")
    TrackingMirror(ctx.settings, ctx.db).drain()
    [run] = mlflow_runs(ctx)
    assert artifacts(client_of(ctx), run.info.run_id, "exports/exp-1") == {
        "exports/exp-1/model.onnx",
        "exports/exp-1/model.json",
    }
    assert run.data.tags["visionyard.export.onnx"] == "exp-1"


class Refusing:
    """A real client that MLflow-refuses metric batches (as a 400 would)."""

    def __init__(self, client):
        self.client, self.refused = client, 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def log_batch(self, run_id, metrics=(), **kwargs):
        if metrics:
            self.refused += 1
            raise MlflowException("no such metric", INVALID_PARAMETER_VALUE)
        return self.client.log_batch(run_id, metrics=metrics, **kwargs)


def test_a_refused_event_is_retried_then_skipped(ctx: Context, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("visionyard.tracking.mirror.RETRY_PAUSE", 0.01)
    add_run(ctx, RUN)
    set_status(ctx, RUN, "running", 1, attempt=1)
    epoch(ctx, RUN, 1, 2)
    last = set_status(ctx, RUN, "completed", 3, attempt=1)
    refusing = Refusing(client_of(ctx))
    assert TrackingMirror(ctx.settings, ctx.db, client=refusing).drain() == 3
    assert refusing.refused == 3
    [run] = mlflow_runs(ctx)
    assert run.info.status == "FINISHED" and not run.data.metrics
    assert TrackingMirror(ctx.settings, ctx.db).position() == (last, last, 0)


def test_an_unreachable_server_holds_the_cursor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    settings = Settings(home=tmp_path / "home", mlflow_tracking_uri=f"http://127.0.0.1:{free_port()}")
    ctx = Context(settings)
    ctx.db.migrate()
    add_run(ctx, RUN)
    set_status(ctx, RUN, "running", 1, attempt=1)
    mirror = TrackingMirror(ctx.settings, ctx.db)
    with pytest.raises(MirrorUnavailable):
        mirror.apply_pending()
    assert mirror.position()[0] == 0

    thread = MirrorThread(ctx.settings, ctx.db, interval=0.05, max_backoff=0.2)
    thread.start()
    thread.stop()
    assert not thread.is_alive(), "a mirror that cannot reach MLflow still stops promptly"


def test_the_service_thread_follows_new_events(ctx: Context):
    thread = start_mirror(ctx.settings, ctx.db)
    assert thread is not None
    try:
        add_run(ctx, RUN)
        set_status(ctx, RUN, "running", 1, attempt=1)
        set_status(ctx, RUN, "stopped", 2, attempt=1)
        for _ in range(200):
            runs = mlflow_runs(ctx)
            if runs and runs[0].info.status == "KILLED":
                break
            thread.join(0.05)
        assert runs and runs[0].info.status == "KILLED"
    finally:
        thread.stop()
    assert start_mirror(Settings(home=ctx.settings.home), ctx.db) is None


def test_mlflow_is_not_imported_unless_tracking_is_configured():
    code = (
        "import sys; from visionyard.api.app import create_app; import visionyard.tracking, visionyard.cli.main;"
        "assert 'mlflow' not in sys.modules, 'mlflow imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_tracking_commands(ctx: Context, monkeypatch: pytest.MonkeyPatch):
    import json

    from typer.testing import CliRunner

    from visionyard.cli.tracking import tracking_app

    monkeypatch.setenv("VISIONYARD_HOME", str(ctx.settings.home))
    monkeypatch.setenv("VISIONYARD_MLFLOW_TRACKING_URI", ctx.settings.mlflow_tracking_uri)
    add_run(ctx, RUN)
    set_status(ctx, RUN, "running", 1, attempt=1)
    last = set_status(ctx, RUN, "completed", 2, attempt=1)
    runner = CliRunner()
    status = runner.invoke(tracking_app, ["status", "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["pending"] == 2
    synced = runner.invoke(tracking_app, ["sync", "--json"])
    assert json.loads(synced.stdout) == {"events": 2, "cursor": last, "newest": last}
    again = runner.invoke(tracking_app, ["sync", "--from-start", "--json"])
    assert json.loads(again.stdout)["events"] == 2
    assert [r.info.status for r in mlflow_runs(ctx)] == ["FINISHED"]

    monkeypatch.delenv("VISIONYARD_MLFLOW_TRACKING_URI")
    unset = runner.invoke(tracking_app, ["sync"])
    assert unset.exit_code == 2 and "VISIONYARD_MLFLOW_TRACKING_URI is not set" in unset.output


def test_tracking_without_mlflow_installed_is_a_clear_error(ctx: Context, monkeypatch: pytest.MonkeyPatch):
    import importlib.util

    from visionyard.tracking import TrackingUnavailable

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    with pytest.raises(TrackingUnavailable, match=r"mlflow is not installed: pip install 'visionyard\[mlflow\]'"):
        start_mirror(ctx.settings, ctx.db)


def test_system_samples_become_mlflow_system_metrics(ctx: Context):
    add_run(ctx, RUN)
    set_status(ctx, RUN, "running", 1, attempt=1)
    sample = {
        "host_cpu_percent": 50.0,
        "process_cpu_percent": 180.5,
        "process_rss_bytes": 512 * 1024**2,
        "host_memory_used_bytes": 4 * 1024**3,
        "host_memory_total_bytes": 8 * 1024**3,
        "loader_workers_alive": 2,
        "gpus": [
            {"index": 1, "utilization_percent": 97, "memory_used_bytes": 1024**3, "temperature_c": 61, "power_w": 250.5}
        ],
    }
    add_event(ctx, RUN, "system", 2, **sample)
    add_event(ctx, RUN, "system", 3, **{**sample, "host_cpu_percent": 75.0})
    TrackingMirror(ctx.settings, ctx.db).drain()
    [run] = mlflow_runs(ctx)
    client = client_of(ctx)
    cpu = client.get_metric_history(run.info.run_id, "system/cpu_utilization_percentage")
    assert [m.value for m in sorted(cpu, key=lambda m: m.step)] == [50.0, 75.0]
    assert run.data.metrics["system/process_memory_rss_megabytes"] == 512
    assert run.data.metrics["system/gpu_1_utilization_percentage"] == 97
    assert run.data.metrics["system/gpu_1_power_watts"] == 250.5
    assert "system/loader_workers_alive" not in run.data.metrics
