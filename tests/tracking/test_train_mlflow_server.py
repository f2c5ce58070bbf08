"""The foreground ``visionyard train`` mirrors its run into a real ``mlflow server`` (started here, on loopback):
the run, its metrics and its files through the server's proxied artifact store, and the version the run
published, with its alias, in the server's model registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.helpers import last_json, run_cli
from tests.server import prepare_home
from tests.tracking.conftest import MlflowServer
from visionyard.plugins.catalog import PluginCatalog

pytestmark = pytest.mark.slow


def test_a_foreground_run_and_its_published_version_reach_an_mlflow_server(
    tmp_path: Path,
    shared_home: Path,
    catalog: PluginCatalog,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
):
    home = prepare_home(tmp_path / "home", shared_home)
    url = mlflow_server.ready()
    monkeypatch.setenv("VISIONYARD_MLFLOW_TRACKING_URI", url)
    monkeypatch.setenv("VISIONYARD_MLFLOW_EXPERIMENT", "foreground")
    settings = ["preprocessing.image_size=32", "data.num_workers=0", "registry.publish=true"]
    settings += ["registry.name=tiny-shapes", "registry.alias=production"]
    args = ["train", "small_cnn", "tiny", "--epochs", "2", "--batch-size", "8", "--json"]
    done = run_cli(*args, *(a for s in settings for a in ("--set", s)), home=home)
    assert done.returncode == 0, done.stderr
    assert "events mirrored to" in done.stderr, done.stderr
    run_id = last_json(done.stdout)["run_id"]

    client = MlflowClient(tracking_uri=url, registry_uri=url)
    experiment = client.get_experiment_by_name("foreground")
    [run] = client.search_runs([experiment.experiment_id], filter_string=f"tags.`visionyard.run_id` = '{run_id}'")
    assert run.info.status == "FINISHED" and run.data.tags["visionyard.status"] == "completed"
    assert run.data.params["epochs"] == "2" and run.data.params["registry.alias"] == "production"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "val_loss")] == [1, 2]
    assert run.info.artifact_uri.startswith("mlflow-artifacts:"), "artifacts go through the server"
    best = Path(client.download_artifacts(run.info.run_id, "checkpoints/best.ckpt", str(tmp_path)))
    assert best.read_bytes() == (home / "runs" / run_id / "checkpoints" / "best.ckpt").read_bytes()
    assert list((mlflow_server.root / "artifacts").rglob("best.ckpt")), "stored by the server"

    version = client.get_model_version_by_alias("tiny-shapes", "production")
    assert str(version.version) == "1" and version.run_id == run.info.run_id
    assert version.source == f"{run.info.artifact_uri}/registry/v1"
    assert version.tags["visionyard.alias.production.set_by"] == "visionyard"
    published = Path(client.download_artifacts(run.info.run_id, "registry/v1/model.ckpt", str(tmp_path)))
    assert published.read_bytes() == (home / "registry" / "tiny-shapes" / "1" / "model.ckpt").read_bytes()
