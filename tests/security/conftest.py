"""A real ``visionyard serve`` holding one of everything a route can name (a trained run, a test, an
export, a published version, datasets), and files outside HOME and the data roots that no answer may
ever contain: a canary file, and links to it planted inside a data root."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import TINY
from tests.server import Server, prepare_home
from visionyard.plugins.catalog import PluginCatalog

CANARY = f"CANARY-{uuid.uuid4().hex}"
"""In every file outside HOME and the data roots: an answer that contains it leaked one."""
SECRET_MARKERS = (CANARY, "root:x:0:0")  # the canary, and /etc/passwd


@dataclass(frozen=True)
class Estate:
    """The server and the ids of what it holds."""

    server: Server
    outside: Path
    """A folder beside HOME holding the canary files."""
    run_id: str
    test_id: str
    export_id: str
    model_name: str
    image: str
    """A real image of the ``tiny`` dataset, relative to it."""


def wait_job(server: Server, url: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while (body := server.client.get(url).json())["status"] not in ("completed", "failed", "out_of_tolerance"):
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    assert body["status"] == "completed", body
    return body


def plant_outside(root: Path) -> Path:
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{CANARY}\n")
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n" + CANARY.encode())
    return outside


def plant_links(data: Path, outside: Path) -> None:
    """A copy of ``tiny`` with a link to a file outside and a link to the folder outside."""
    linked = data / "linked"
    shutil.copytree(data / "tiny", linked)
    (linked / "train" / "a" / "escape.png").symlink_to(outside / "secret.png")
    (linked / "escape").symlink_to(outside, target_is_directory=True)


@pytest.fixture(scope="package")
def estate(tmp_path_factory: pytest.TempPathFactory, shared_home: Path, catalog: PluginCatalog) -> Iterator[Estate]:
    root = tmp_path_factory.mktemp("estate")
    home = prepare_home(root / "home", shared_home)
    outside = plant_outside(root)
    plant_links(home / "data", outside)
    server = Server(home, VISIONYARD_HEARTBEAT_INTERVAL="0.5", VISIONYARD_MAX_CONCURRENT_RUNS="1")
    try:
        server.start()
        body = {"model": "small_cnn", "dataset": "tiny", "config": {**TINY, "epochs": 2}}
        run_id = server.client.post("/api/v1/runs", json=body).json()["id"]
        done = server.wait_for(run_id, ("completed", "failed"))
        assert done["status"] == "completed", done["error"]
        api = f"/api/v1/runs/{run_id}"
        test = server.client.post(f"{api}/tests", json={"checkpoint": "best", "split": "val"}).json()
        wait_job(server, f"{api}/tests/{test['id']}")
        export = server.client.post(f"{api}/exports", json={"format": "onnx"}).json()
        wait_job(server, f"{api}/exports/{export['id']}")
        published = server.client.post("/api/v1/registry/models/hostile-model/versions", json={"run_id": run_id})
        assert published.status_code == 201, published.text
        image = next((home / "data" / "tiny").rglob("*.png")).relative_to(home / "data" / "tiny").as_posix()
        yield Estate(server, outside, run_id, test["id"], export["id"], "hostile-model", image)
    finally:
        server.close()
