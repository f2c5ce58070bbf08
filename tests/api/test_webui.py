"""The web UI's files served at / beside the API, and open to the browser under token auth."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from visionyard.api import webui
from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.services.context import ServiceContext

INDEX = "<!doctype html><div id=root></div>"


@pytest.fixture
def build(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "webui"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)")
    (folder / "favicon.svg").write_text("<svg/>")
    monkeypatch.setattr(webui, "BUILD", folder)
    return folder


def serve(home: Path, **settings) -> TestClient:
    return TestClient(create_app(ServiceContext(Settings(home=home, **settings)), schedule=False))


def test_pages_get_the_app_and_the_api_keeps_its_answers(build: Path, api_home: Path):
    with serve(api_home) as client:
        for path in ("/", "/runs", "/runs/new", "/runs/20260101-000000-abcdef/validation", "/registry/colours"):
            page = client.get(path)
            assert page.status_code == 200 and page.text == INDEX, path
            assert page.headers["cache-control"] == "no-cache"
        assert client.get("/assets/index-abc123.js").text == "console.log(1)"
        assert client.get("/favicon.svg").status_code == 200
        assert client.get("/assets/../index.html").status_code == 404
        missing = client.get("/api/v1/nothing")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")
        assert client.get("/api/v1/runs").json()["total"] == 0
        assert "/" not in client.get("/openapi.json").json()["paths"]


def test_the_page_loads_without_the_token_and_the_data_needs_it(build: Path, api_home: Path):
    with serve(api_home, api_token="s3cret") as client:
        assert client.get("/").text == INDEX
        assert client.get("/runs/x").status_code == 200
        assert client.get("/assets/index-abc123.js").status_code == 200
        assert client.get("/api/v1/runs").status_code == 401
        assert client.post("/runs").status_code == 401
        assert client.get("/docs").status_code == 401


def test_an_unbuilt_ui_says_how_to_build_it(tmp_path: Path, api_home: Path, monkeypatch):
    monkeypatch.setattr(webui, "BUILD", tmp_path / "absent")
    with serve(api_home) as client:
        page = client.get("/")
        assert page.status_code == 503 and "make install" in page.text
        assert client.get("/ping").json() == {"status": "ok"}
