"""Published versions and alias moves mirrored into MLflow's model registry (real sqlite store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow.exceptions import MlflowException

from tests.tracking.conftest import add_event, add_run, client_of, set_status
from visionyard.core.context import Context
from visionyard.db.models import ModelVersion, TrainedModel
from visionyard.tracking import TrackingMirror

RUN = "20260102-030405-bbbbbb"


def publish(ctx: Context, model_id: int, version: int, seconds: float) -> int:
    file = ctx.settings.registry_dir / "shapes" / str(version) / "model.ckpt"
    file.parent.mkdir(parents=True)
    file.write_bytes(f"weights v{version}".encode())
    with ctx.db.write() as session:
        row = ModelVersion(
            model_id=model_id,
            version=version,
            run_id=RUN,
            checkpoint="checkpoints/best.ckpt",
            epoch=2,
            metrics={"val_acc": 0.9},
            config={},
            classes={"names": ["a", "b"]},
            dataset="tiny",
            size=10,
            sha256=f"{version:064d}",
            description=f"version {version}",
            created_by="alice",
        )
        session.add(row)
        session.flush()
        version_id = row.id
    add_event(ctx, None, "registry", seconds, action="publish", model="shapes", version=version, version_id=version_id)
    return version_id


def alias(ctx: Context, name: str, before: int | None, after: int | None, seconds: float) -> None:
    data = {"action": "alias", "model": "shapes", "alias": name, "from_version": before, "to_version": after}
    add_event(ctx, None, "registry", seconds, **data, actor="bob")


def aliases(registered) -> dict[str, str]:
    return {name: str(number) for name, number in registered.aliases.items()}


def test_versions_and_aliases_are_mirrored_into_the_mlflow_registry(ctx: Context):
    add_run(ctx, RUN)
    set_status(ctx, RUN, "running", 1, attempt=1)
    set_status(ctx, RUN, "completed", 2, attempt=1)
    with ctx.db.write() as session:
        model = TrainedModel(name="shapes", task="classification", model="small_cnn", description="shape classifier")
        session.add(model)
        session.flush()
        model_id = model.id
    first = publish(ctx, model_id, 1, 3)
    second = publish(ctx, model_id, 2, 4)
    alias(ctx, "production", None, 1, 5)
    alias(ctx, "staging", None, 2, 6)
    alias(ctx, "production", 1, 2, 7)
    alias(ctx, "staging", 2, None, 8)
    mirror = TrackingMirror(ctx.settings, ctx.db)
    assert mirror.drain() == 8

    client = client_of(ctx)
    registered = client.get_registered_model("shapes")
    assert registered.description == "shape classifier" and registered.tags["visionyard.task"] == "classification"
    assert aliases(registered) == {"production": "2"}, "staging was removed, production moved to version 2"
    with ctx.db.session() as session:
        numbers = {v.id: v.tracking_version for v in session.query(ModelVersion)}
    assert numbers == {first: "1", second: "2"}

    tracking_id = client.search_runs(["1"])[0].info.run_id
    for number in ("1", "2"):
        version = client.get_model_version("shapes", number)
        assert version.run_id == tracking_id and version.description == f"version {number}"
        assert version.source.endswith(f"/artifacts/registry/v{number}")
        assert version.tags["visionyard.version"] == number and version.tags["visionyard.run_id"] == RUN
        file = Path(client.download_artifacts(tracking_id, f"registry/v{number}/model.ckpt"))
        assert file.read_bytes() == f"weights v{number}".encode()
    assert client.get_model_version("shapes", "2").tags["visionyard.alias.production.set_by"] == "bob"

    with ctx.db.write() as session:  # as if the mirror had died before recording the MLflow versions
        session.query(ModelVersion).update({ModelVersion.tracking_version: None})
    mirror.rewind(0)
    mirror.drain()
    assert len(client.search_model_versions("name = 'shapes'")) == 2, "replaying publishes no version twice"
    with ctx.db.session() as session:
        assert {v.id: v.tracking_version for v in session.query(ModelVersion)} == numbers
    assert aliases(client.get_registered_model("shapes")) == {"production": "2"}
    with pytest.raises(MlflowException):
        client.get_model_version("shapes", "3")
