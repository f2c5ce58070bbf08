"""The model registry end to end: a run trained by the CLI keeps the N latest epoch checkpoints and
its dataset fingerprint; it is published through the API and the CLI, aliases move with an audit
trail, versions download byte for byte, and a new run starts from a published version (checked
for fit first) and publishes itself when its config asks (spec/004 ``register_model``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import TINY, last_json, make_image_folder, run_cli
from tests.server import prepare_home
from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.data.fingerprint import fingerprint
from visionyard.db.models import Checkpoint, Event, TrainedModel
from visionyard.services.context import ServiceContext

pytestmark = pytest.mark.slow


def sets(values: dict) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, shared_home: Path) -> Path:
    return prepare_home(tmp_path_factory.mktemp("registry") / "home", shared_home)


@pytest.fixture(scope="module")
def trained(home: Path) -> dict:
    """A small_cnn run of three epochs keeping one epoch checkpoint besides best and last."""
    data = make_image_folder(home / "data" / "colours", per_class=6)
    config = {**TINY, "epochs": 3, "checkpoints.keep_latest": 1}
    done = run_cli("train", "small_cnn", str(data), *sets(config), "--json", home=home)
    assert done.returncode == 0, done.stderr[-3000:]
    return last_json(done.stdout)


@pytest.fixture(scope="module")
def client(home: Path, trained: dict) -> Iterator[TestClient]:
    with TestClient(create_app(ServiceContext(Settings(home=home)), schedule=False)) as test_client:
        yield test_client


def test_a_run_keeps_best_last_and_the_latest_epochs_and_records_its_dataset(home: Path, trained: dict):
    folder = Path(trained["run_dir"])
    assert sorted(p.name for p in (folder / "checkpoints").glob("*.ckpt")) == [
        "best.ckpt",
        "epoch-0003.ckpt",
        "last.ckpt",
    ]
    ctx = Context(Settings(home=home))
    with ctx.db.session() as session:
        kept = session.scalars(select(Checkpoint.path).where(Checkpoint.run_id == trained["run_id"])).all()
        removed = session.scalars(
            select(Event.data).where(Event.run_id == trained["run_id"], Event.kind == "checkpoint_removed")
        ).all()
        dataset_events = session.scalars(
            select(Event.data).where(Event.run_id == trained["run_id"], Event.kind == "dataset")
        ).all()
    assert sorted(kept) == ["checkpoints/best.ckpt", "checkpoints/epoch-0003.ckpt", "checkpoints/last.ckpt"]
    assert [r["path"] for r in removed] == ["checkpoints/epoch-0001.ckpt", "checkpoints/epoch-0002.ckpt"]

    expected = fingerprint(home / "data" / "colours")
    assert dataset_events == [expected.as_dict()]
    assert json.loads((folder / "run.json").read_text())["dataset_fingerprint"] == expected.digest


def test_publish_alias_history_and_download_through_the_api(home: Path, trained: dict, client: TestClient):
    run_id = trained["run_id"]
    first = client.post("/api/v1/registry/models/colours/versions", json={"run_id": run_id, "actor": "ana"})
    assert first.status_code == 201, first.text
    v1 = first.json()
    best = Path(trained["run_dir"]) / "checkpoints" / "best.ckpt"
    assert (v1["version"], v1["checkpoint"], v1["created_by"]) == (1, "checkpoints/best.ckpt", "ana")
    assert v1["sha256"] == sha256(best) and v1["size"] == best.stat().st_size
    assert v1["dataset_fingerprint"] == fingerprint(home / "data" / "colours").digest
    assert v1["classes"] == ["a", "b", "c"] and "val_acc" in v1["metrics"] and v1["config"]["epochs"] == 3
    assert v1["run"]["id"] == run_id and v1["run"]["status"] == "completed"

    body = {"run_id": run_id, "checkpoint": "last", "alias": "staging", "description": "last epoch"}
    v2 = client.post("/api/v1/registry/models/colours/versions", json=body).json()
    assert (v2["version"], v2["aliases"], v2["epoch"]) == (2, ["staging"], 3)

    moved = {"version": 1, "actor": "ana", "reason": "first release"}
    assert client.put("/api/v1/registry/models/colours/aliases/production", json=moved).json()["to_version"] == 1
    promote = client.put(
        "/api/v1/registry/models/colours/aliases/production", json={"version": 2, "actor": "bo", "reason": "better"}
    ).json()
    assert (promote["from_version"], promote["to_version"], promote["actor"]) == (1, 2, "bo")
    history = client.get("/api/v1/registry/models/colours/aliases").json()
    assert [(h["alias"], h["from_version"], h["to_version"], h["actor"]) for h in history] == [
        ("staging", None, 2, "api"),
        ("production", None, 1, "ana"),
        ("production", 1, 2, "bo"),
    ]

    catalog = client.get("/api/v1/registry/models").json()
    assert [(m["name"], m["model"], m["task"], m["latest_version"]) for m in catalog] == [
        ("colours", "small_cnn", "classification", 2)
    ]
    assert catalog[0]["aliases"] == {"production": 2, "staging": 2}
    assert [v["run"]["id"] for v in catalog[0]["versions"]] == [run_id, run_id]
    by_alias = client.get("/api/v1/registry/models/colours/versions/production").json()
    assert by_alias["version"] == 2 and by_alias["aliases"] == ["production", "staging"]
    assert client.get("/api/v1/registry/models/colours/versions/latest").json()["version"] == 2

    epoch = client.get("/api/v1/registry/models/colours/versions/1/best-epoch").json()
    assert epoch["monitor"] == "val_acc" and epoch["epoch"] in (1, 2, 3) and epoch["published_epoch"] == v1["epoch"]

    download = client.get("/api/v1/registry/models/colours/versions/1/download")
    assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == v1["sha256"]
    assert 'filename="colours-v1.ckpt"' in download.headers["content-disposition"]

    removed = client.delete("/api/v1/registry/models/colours/aliases/staging").json()
    assert (removed["from_version"], removed["to_version"]) == (2, None)
    assert client.get("/api/v1/registry/models/colours").json()["aliases"] == {"production": 2}


def test_registry_requests_that_cannot_be_honoured_say_why(home: Path, trained: dict, client: TestClient):
    run_id = trained["run_id"]
    missing = client.get("/api/v1/registry/models/nope/versions/1")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "registry_not_found"
    for alias in ("Latest", "latest", "v3", "1st"):
        bad = client.put(f"/api/v1/registry/models/colours/aliases/{alias}", json={"version": 1})
        assert bad.status_code == 422 and "reserved" in bad.json()["error"]["message"], alias
    assert client.put("/api/v1/registry/models/colours/aliases/qa", json={"version": 9}).status_code == 404
    bad_name = client.post("/api/v1/registry/models/no%20spaces/versions", json={"run_id": run_id})
    assert bad_name.status_code == 422
    no_such_checkpoint = client.post(
        "/api/v1/registry/models/x/versions", json={"run_id": run_id, "checkpoint": "epoch-0001.ckpt"}
    )
    assert no_such_checkpoint.status_code == 422 and "epoch-0003.ckpt" in no_such_checkpoint.json()["error"]["message"]

    ctx = Context(Settings(home=home))
    with ctx.db.write() as session:
        session.add(TrainedModel(name="masks", task="segmentation", model="unet"))
    clash = client.post("/api/v1/registry/models/masks/versions", json={"run_id": run_id})
    assert clash.status_code == 409 and "holds unet (segmentation) weights" in clash.json()["error"]["message"]

    published = client.delete(f"/api/v1/runs/{run_id}")
    assert published.status_code == 409 and "published as colours v1" in published.json()["error"]["message"]

    other_model = client.post(
        "/api/v1/runs", json={"model": "resnet18", "dataset": "tiny", "base_model": "colours@production"}
    )
    assert other_model.status_code == 422
    assert "holds small_cnn weights; they do not fit 'resnet18'" in other_model.json()["error"]["message"]
    assert (
        client.post(
            "/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "base_model": "colours:9"}
        ).status_code
        == 404
    )
    both = {"model": "small_cnn", "dataset": "tiny", "base_model": "colours", "base_run": run_id}
    assert "not both" in client.post("/api/v1/runs", json=both).json()["error"]["message"]
    queued = client.post(
        "/api/v1/runs", json={"model": "small_cnn", "dataset": "tiny", "base_model": "colours@production"}
    )
    assert queued.status_code == 201 and queued.json()["base_version_id"] is not None

    usage = client.get("/api/v1/storage").json()
    assert usage["areas"]["registry"] >= 2 * trained_size(trained) and usage["free"] > 0
    assert usage["runs"][0]["bytes"] >= trained_size(trained)
    run_disk = client.get(f"/api/v1/runs/{run_id}/disk").json()
    assert run_disk["checkpoints"] >= trained_size(trained) and run_disk["total"] > run_disk["checkpoints"]


def trained_size(trained: dict) -> int:
    return (Path(trained["run_dir"]) / "checkpoints" / "best.ckpt").stat().st_size


def test_a_run_starts_from_a_published_version_and_publishes_itself(home: Path, trained: dict, client: TestClient):
    """Two classes instead of three: the trunk comes from the version, the head starts fresh."""
    data = make_image_folder(home / "data" / "two", classes=("x", "y"), per_class=6)
    config = {**TINY, "registry.publish": "true", "registry.name": "two-colours", "registry.alias": "staging"}
    done = run_cli(
        "train", "small_cnn", str(data), "--base-model", "colours@production", *sets(config), "--json", home=home
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_id = last_json(done.stdout)["run_id"]
    log = (Path(last_json(done.stdout)["run_dir"]) / "logs" / "training.log").read_text()
    assert "initialised from " in log and "registry/colours/2/model.ckpt; left fresh: " in log
    assert "left fresh: nothing" not in log

    version = client.get("/api/v1/registry/models/two-colours/versions/staging").json()
    assert (version["run_id"], version["version"], version["created_by"]) == (run_id, 1, "visionyard")
    assert version["classes"] == ["x", "y"]

    listed = run_cli("registry", "list", "--json", home=home)
    assert [m["name"] for m in json.loads(listed.stdout)] == ["colours", "masks", "two-colours"]
    target = home / "out.ckpt"
    fetched = run_cli("registry", "download", "colours@production", "-o", str(target), home=home)
    assert fetched.returncode == 0 and sha256(target) == version_sha(client, "colours", 2)
    moved = run_cli(
        "registry", "alias", "colours", "production", "1", "--reason", "rollback", "--actor", "cy", home=home
    )
    assert moved.returncode == 0 and "from v2 to v1" in moved.stdout
    history = json.loads(run_cli("registry", "history", "colours", "--json", home=home).stdout)
    assert history[-1] | {"at": None} == {
        "alias": "production",
        "from_version": 2,
        "to_version": 1,
        "actor": "cy",
        "reason": "rollback",
        "at": None,
    }
    wrong = run_cli("train", "resnet18", str(data), "--base-model", "colours", home=home)
    assert wrong.returncode == 2 and "holds small_cnn weights" in wrong.stderr


def version_sha(client: TestClient, name: str, version: int) -> str:
    return client.get(f"/api/v1/registry/models/{name}/versions/{version}").json()["sha256"]
