"""The native API in-process (real SQLite file, no scheduler): shapes, errors and path safety."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.helpers import TINY, run_cli
from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.core import claims
from visionyard.db.models import Run
from visionyard.db.session import Database
from visionyard.services.context import ServiceContext

RUN = {"model": "small_cnn", "dataset": "tiny", "config": TINY}
BAD_IDS = ["..", "...", "..%2F..%2Fetc", "%2e%2e", "a" * 70, "UPPER", "-x", "x y", "x%00y", "..%5C..", "a%2Fb"]


def test_health_and_ping(client: TestClient):
    assert client.get("/ping").json() == {"status": "ok"}
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_models_catalog(client: TestClient):
    listed = client.get("/api/v1/models", params={"task": "classification"}).json()
    names = {m["name"] for m in listed["items"]}
    assert {"resnet18", "small_cnn"} <= names
    detectors = {m["name"] for m in client.get("/api/v1/models", params={"task": "detection"}).json()["items"]}
    assert detectors == {"fasterrcnn_mobilenet_v3_320", "ssdlite320_mobilenet_v3", "yolo11n", "yolo11s"}
    assert client.get("/api/v1/models", params={"task": "pose"}).status_code == 422
    assert client.get("/api/v1/models", params={"framework": "timm"}).json()["items"][0]["framework"] == "timm"
    schema = client.get("/api/v1/models/small_cnn/config-schema").json()
    assert schema["fields"] and "properties" in schema["run_config"]
    assert client.get("/api/v1/models/small_cnn/metadata").json()["task_type"] == "classification"
    snunet = client.get("/api/v1/models/snunet_cbam/metadata").json()
    assert (snunet["task_type"], snunet["input_images"]) == ("change_detection", 2)
    missing = client.get("/api/v1/models/resnet19")
    assert missing.status_code == 404 and "resnet18" in missing.json()["error"]["message"]


def test_validate_config_gives_field_paths(client: TestClient):
    ok = client.post("/api/v1/models/small_cnn/validate-config", json={"lr": 0.01})
    assert ok.json()["valid"] and ok.json()["config"]["lr"] == 0.01
    bad = client.post("/api/v1/models/small_cnn/validate-config", json={"lr": -1, "optimizer.kind": "x"})
    assert bad.status_code == 422
    paths = {f["path"] for f in bad.json()["error"]["fields"]}
    assert "config.lr" in paths
    mixed = client.post("/api/v1/models/unet/validate-config", json={"augmentation.mixup_alpha": 0.2})
    assert mixed.status_code == 422 and "classification only" in mixed.text
    sharded = client.post(
        "/api/v1/models/small_cnn/validate-config", json={"hardware.accelerator": "cpu", "hardware.strategy": "fsdp"}
    )
    assert sharded.status_code == 422 and "fsdp needs CUDA" in sharded.text
    assert [f["path"] for f in sharded.json()["error"]["fields"]] == ["config.hardware"]


def test_a_run_asking_for_the_cluster_is_refused_by_a_server_without_one(client: TestClient):
    body = {"model": "small_cnn", "dataset": "tiny", "executor": "ray"}
    refused = client.post("/api/v1/runs", json=body)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "executor_unavailable"
    assert "VISIONYARD_EXECUTOR=ray" in refused.json()["error"]["message"]
    assert client.post("/api/v1/runs", json={**body, "executor": "mars"}).status_code == 422
    over_nodes = client.post("/api/v1/runs", json={**body, "executor": None, "config": {"hardware.nodes": 2}})
    assert over_nodes.status_code == 422 and over_nodes.json()["error"]["code"] == "executor_unavailable"
    assert "Ray cluster" in over_nodes.json()["error"]["message"]


def test_image_sizes_default_to_what_the_model_supports_and_others_are_warned_about(client: TestClient):
    """small_cnn supports 28, 32 and 64 px: its default is 64 (nearest the platform's 224), 224 is warned about."""
    assert ok_config(client, "small_cnn", {})["config"]["preprocessing"]["image_size"] == 64
    defaults = client.get("/api/v1/models/small_cnn/config-schema").json()["defaults"]
    assert defaults["preprocessing"]["image_size"] == 64 and defaults["epochs"] == 10
    assert ok_config(client, "small_cnn", {})["warnings"] == []
    warned = ok_config(client, "small_cnn", {"preprocessing.image_size": 224})
    assert warned["config"]["preprocessing"]["image_size"] == 224
    assert warned["warnings"] == [
        {"path": "preprocessing.image_size", "reason": "small_cnn supports 28, 32, 64 px; 224 is untested"}
    ]
    assert ok_config(client, "resnet18", {})["config"]["preprocessing"]["image_size"] == 224
    preset = client.post("/api/v1/models/resnet18/validate-config", params={"preset": "quick"}, json={}).json()
    assert preset["config"]["preprocessing"]["image_size"] == 64


def ok_config(client: TestClient, model: str, config: dict) -> dict:
    answer = client.post(f"/api/v1/models/{model}/validate-config", json=config)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_create_list_and_control_a_queued_run(client: TestClient, api_home: Path):
    created = client.post("/api/v1/runs", json={**RUN, "name": "first"})
    assert created.status_code == 201
    run = created.json()
    assert (run["status"], run["attempt"], run["current_epoch"], run["name"]) == ("queued", 0, 0, "first")
    assert {"id", "model", "dataset", "config", "best_metrics", "error", "created_at", "started_at"} <= run.keys()
    assert (api_home / "runs" / run["id"] / "config.json").is_file()
    second = client.post("/api/v1/runs", json=RUN).json()

    page = client.get("/api/v1/runs", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [r["id"] for r in page["items"]] == [run["id"]]
    assert client.get("/api/v1/runs", params={"status": "running"}).json()["total"] == 0

    assert places(client) == {run["id"]: 1, second["id"]: 2}
    assert client.post(f"/api/v1/runs/{run['id']}/pause").json()["status"] == "paused"
    assert places(client) == {run["id"]: None, second["id"]: 1}
    assert client.post(f"/api/v1/runs/{run['id']}/pause").status_code == 409
    assert client.post(f"/api/v1/runs/{run['id']}/resume").json()["queue_position"] == 2
    assert client.post(f"/api/v1/runs/{second['id']}/stop").json()["status"] == "stopped"
    conflict = client.post(f"/api/v1/runs/{second['id']}/retry")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "transition_not_allowed"
    assert client.post(f"/api/v1/runs/{run['id']}/checkpoints").status_code == 409
    statuses = [e["data"]["status"] for e in client.get(f"/api/v1/runs/{run['id']}/events").json()]
    assert statuses == ["queued", "paused", "queued"]
    assert client.delete(f"/api/v1/runs/{second['id']}").status_code == 204
    assert not (api_home / "runs" / second["id"]).exists()


def places(client: TestClient) -> dict[str, int | None]:
    return {r["id"]: r["queue_position"] for r in client.get("/api/v1/runs").json()["items"]}


def test_asking_a_running_run_again_to_stop_keeps_the_deadline_of_the_first_stop(client: TestClient, api_home: Path):
    """The scheduler kills a worker ``stop_timeout`` after the stop: a stop clicked again (the load storm's
    stops did, every second) must not put that off, nor ask the worker twice."""
    run_id = client.post("/api/v1/runs", json=RUN).json()["id"]
    db = Database(Settings(home=api_home).database)
    assert claims.claim(db, Run, run_id)  # running, as a scheduler leaves it
    first = client.post(f"/api/v1/runs/{run_id}/stop").json()
    with db.session() as session:
        first_at = session.get_one(Run, run_id).control_at
    later = [client.post(f"/api/v1/runs/{run_id}/{action}").json() for action in ("stop", "pause", "stop")]
    assert [(a["status"], a["control"]) for a in [first, *later]] == [("running", "stop")] * 4
    with db.session() as session:
        assert session.get_one(Run, run_id).control_at == first_at
    events = client.get(f"/api/v1/runs/{run_id}/events").json()
    assert [e["data"]["request"] for e in events if e["kind"] == "control"] == ["stop"]


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ({**RUN, "config": {"lr": -1}}, 422, "config.lr"),
        ({**RUN, "model": "nope"}, 404, None),
        ({**RUN, "dataset": "missing"}, 404, None),
        ({**RUN, "dataset": "../../etc"}, 404, None),
        ({**RUN, "dataset": "/etc"}, 404, None),
        ({**RUN, "extra": 1}, 422, "body.extra"),
        ({**RUN, "preset": "nope"}, 422, "config.preset"),
        ({**RUN, "base_run": "../x"}, 404, None),
        ({**RUN, "base_run": "nosuchrun"}, 422, None),
    ],
)
def test_bad_run_requests_get_clear_errors(client: TestClient, api_home: Path, body, status, where):
    response = client.post("/api/v1/runs", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if where:
        assert where in {f["path"] for f in error["fields"]}
    assert not (api_home / "runs").exists() or not any((api_home / "runs").iterdir())


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_and_traversal_ids_get_4xx_on_every_run_route(client: TestClient, api_home: Path, bad: str):
    before = sorted(p for p in api_home.rglob("*") if "visionyard.db" not in p.name)
    for method, suffix in [
        ("GET", ""),
        ("DELETE", ""),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("POST", "/stop"),
        ("POST", "/retry"),
        ("GET", "/metrics"),
        ("GET", "/metrics/stream"),
        ("GET", "/summary"),
        ("GET", "/events"),
        ("GET", "/logs"),
        ("GET", "/checkpoints"),
        ("POST", "/checkpoints"),
    ]:
        response = client.request(method, f"/api/v1/runs/{bad}{suffix}")
        assert 400 <= response.status_code < 500, (method, suffix, response.status_code)
    paths = [f"/api/v1/datasets/{bad}", f"/api/v1/models/{bad}"]
    if bad.strip(".") != "":  # an HTTP client folds a bare dot segment into the parent path
        paths.append(f"/api/v1/datasets/tiny/images/{bad}")
    for path in paths:
        assert 400 <= client.get(path).status_code < 500, path
    assert sorted(p for p in api_home.rglob("*") if "visionyard.db" not in p.name) == before


def test_datasets_list_detail_samples_and_images(client: TestClient):
    listed = client.get("/api/v1/datasets").json()
    assert [d["name"] for d in listed] == ["tiny"]
    detail = client.get("/api/v1/datasets/tiny").json()
    assert detail["summary"]["classes"] == ["a", "b", "c"] and detail["report"]["counts"]["train"]["a"] == 8
    samples = client.get("/api/v1/datasets/tiny/samples", params={"per_class": 2}).json()
    assert len(samples) == 2 * 3 * 2
    image = client.get(f"/api/v1/datasets/tiny/images/{samples[0]['path']}")
    assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
    for bad in ("../../visionyard.db", "train/a/../../../x.png", "/etc/passwd"):
        assert 400 <= client.get(f"/api/v1/datasets/tiny/images/{bad}").status_code < 500


def test_register_a_folder_inside_a_data_root_only(client: TestClient, api_home: Path, tmp_path: Path):
    nested = api_home / "data" / "projects" / "cats"
    shutil.copytree(api_home / "data" / "tiny", nested, dirs_exist_ok=True)
    assert client.post("/api/v1/datasets", json={"name": "cats", "path": "projects/cats"}).status_code == 201
    assert "cats" in {d["name"] for d in client.get("/api/v1/datasets").json()}
    assert client.post("/api/v1/runs", json={**RUN, "dataset": "cats"}).status_code == 201
    outside = client.post("/api/v1/datasets", json={"name": "out", "path": str(tmp_path)})
    assert outside.status_code == 422
    assert client.post("/api/v1/datasets", json={"name": "../x", "path": "projects/cats"}).status_code == 422
    long_name = "\\u1e70\\u033a" * 200  # a name of 800 bytes in UTF-8
    for path in ("projects/\\u0000cats", "\\ud800/cats", long_name):  # paths the file system cannot take
        body = '{"name": "odd", "path": "' + path + '"}'
        reply = client.post("/api/v1/datasets", content=body, headers={"content-type": "application/json"})
        assert reply.status_code == 422, (path, reply.text)


def zip_of(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_zip_upload_is_extracted_safely(client: TestClient, api_home: Path):
    png = (api_home / "data" / "tiny" / "train" / "a" / "0.png").read_bytes()
    good = zip_of({f"shapes/{c}/{i}.png": png for c in ("x", "y") for i in range(3)})
    created = client.post("/api/v1/datasets/upload", params={"name": "up"}, content=good)
    assert created.status_code == 201, created.text
    assert created.json()["classes"] == ["x", "y"] and (api_home / "data" / "up" / "x" / "0.png").is_file()
    assert client.post("/api/v1/datasets/upload", params={"name": "up"}, content=good).status_code == 422

    for name, payload in [
        ("evil", zip_of({"a/1.png": png, "../escaped.png": png})),
        ("link", zip_of({"a/1.png": png}, symlink="a/link.png")),
        ("abs", zip_of({"/tmp/abs.png": png})),
        ("junk", b"not a zip at all"),
    ]:
        response = client.post("/api/v1/datasets/upload", params={"name": name}, content=payload)
        assert response.status_code == 422, (name, response.text)
        assert not (api_home / "data" / name).exists()
    assert not (api_home / "escaped.png").exists() and not (api_home / "data" / "escaped.png").exists()
    assert client.post("/api/v1/datasets/upload", params={"name": "../up2"}, content=good).status_code == 422


def test_uploads_are_bounded(api_home: Path):
    settings = Settings(home=api_home, upload_max_bytes=1000)
    with TestClient(create_app(ServiceContext(settings), schedule=False)) as small:
        response = small.post("/api/v1/datasets/upload", params={"name": "big"}, content=b"x" * 5000)
        assert response.status_code == 413
    assert not (api_home / "data" / "big").exists()


def test_serve_refuses_an_open_host_without_a_token(tmp_path: Path):
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "1", home=tmp_path, timeout=60)
    assert result.returncode != 0 and "VISIONYARD_API_TOKEN" in result.stderr
