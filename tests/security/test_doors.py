"""Who gets in, and how much they may send: the token on every route of the OpenAPI document, CORS only
for configured origins, and the limits on request bodies and open event streams, each a setting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.helpers import TINY
from tests.security.hostile import operations
from tests.server import Server, prepare_home
from visionyard.api.app import create_app
from visionyard.api.auth import OPEN_PATHS
from visionyard.config import Settings
from visionyard.plugins.catalog import PluginCatalog
from visionyard.services.context import ServiceContext

pytestmark = pytest.mark.slow
TOKEN = "s3cret-token-of-the-tests"
UI_PATHS = ("/", "/runs", "/runs/x/validation", "/models", "/datasets", "/registry", "/predict", "/favicon.svg")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, shared_home: Path, catalog: PluginCatalog) -> Iterator[Server]:
    home = prepare_home(tmp_path_factory.mktemp("guarded") / "home", shared_home)
    server = Server(
        home,
        VISIONYARD_API_TOKEN=TOKEN,
        VISIONYARD_SSE_MAX_CLIENTS="2",
        VISIONYARD_REQUEST_MAX_BYTES="100000",
    )
    server.client.headers["authorization"] = f"Bearer {TOKEN}"
    try:
        yield server.start()
    finally:
        server.close()


def test_every_route_but_the_health_checks_wants_the_token(guarded: Server):
    doc = guarded.client.get("/openapi.json").json()
    ops = operations(doc)
    assert len(ops) >= 70
    wrong = ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {TOKEN}"}, {"authorization": TOKEN})
    answered = []
    with httpx.Client(base_url=guarded.url, timeout=30) as anonymous:
        for op in ops:
            path = op.template
            for name, where in op.params:
                path = path.replace("{" + name + "}", "x") if where == "path" else path
            for headers in wrong:
                response = anonymous.request(op.method, path, headers=headers, params={"token": TOKEN})
                if op.template in OPEN_PATHS:
                    assert response.status_code == 200, (op.label, response.text)
                elif response.status_code != 401 or response.json()["error"]["code"] != "unauthorized":
                    answered.append(f"{op.label} {headers} -> {response.status_code}")
        for path in ("/openapi.json", "/docs", "/redoc"):
            if anonymous.get(path).status_code != 401:
                answered.append(f"GET {path}")
        for path in UI_PATHS:  # the page's files: no data, and the page must load to ask for the token
            response = anonymous.get(path)
            assert response.status_code == 200 and "json" not in response.headers["content-type"], path
    assert not answered, "\n".join(answered)
    assert guarded.client.get("/api/v1/runs").status_code == 200  # the right token opens them


def test_a_body_over_the_limit_is_refused_before_it_is_read(guarded: Server):
    before = guarded.client.get("/api/v1/runs").json()["total"]
    big = {"model": "small_cnn", "dataset": "tiny", "name": "x" * 200_000}
    declared = guarded.client.post("/api/v1/runs", json=big)
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it arrives
        yield b'{"model": "small_cnn", "dataset": "tiny", "name": "'
        for _ in range(50):
            yield b"x" * 10_000
        yield b'"}'

    streamed = guarded.client.post("/api/v1/runs", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and "VISIONYARD_REQUEST_MAX_BYTES" in streamed.json()["error"]["message"]
    assert guarded.client.get("/api/v1/runs").json()["total"] == before


def test_event_streams_past_the_limit_are_refused_and_a_closed_one_frees_its_place(guarded: Server):
    body = {"model": "small_cnn", "dataset": "tiny", "config": {**TINY, "epochs": 1}}
    run_id = guarded.client.post("/api/v1/runs", json=body).json()["id"]
    guarded.client.post(f"/api/v1/runs/{run_id}/pause")  # paused: its stream stays open
    guarded.wait_for(run_id, ("paused",))
    url = f"{guarded.url}/api/v1/runs/{run_id}/metrics/stream"
    headers = {"authorization": f"Bearer {TOKEN}"}
    with (
        httpx.Client(timeout=30) as one,
        httpx.Client(timeout=30) as two,
        one.stream("GET", url, headers=headers) as first,
        two.stream("GET", url, headers=headers) as second,
    ):
        assert first.status_code == second.status_code == 200
        refused = guarded.client.get(url)
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "too_many_streams"
    deadline = time.monotonic() + 20
    while True:  # the closed streams give their places back
        with guarded.client.stream("GET", url) as again:
            if again.status_code == 200:
                break
        assert time.monotonic() < deadline, again.status_code
        time.sleep(0.2)


def in_process(home: Path, **settings: object) -> TestClient:
    return TestClient(create_app(ServiceContext(Settings(home=home, api_token=TOKEN, **settings)), schedule=False))


def preflight(client: TestClient, origin: str) -> httpx.Response:
    headers = {
        "origin": origin,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
    }
    return client.options("/api/v1/runs", headers=headers)


def test_cors_answers_only_the_configured_origins(tmp_path: Path, shared_home: Path):
    home = prepare_home(tmp_path / "home", shared_home)
    with in_process(home, cors_origins=["https://ui.example"]) as cors_app, in_process(home) as plain:
        check_cors(cors_app, plain)


def check_cors(cors_app: TestClient, plain: TestClient) -> None:
    allowed = preflight(cors_app, "https://ui.example")
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "https://ui.example"
    listed = cors_app.get("/api/v1/runs", headers={"origin": "https://ui.example", "authorization": f"Bearer {TOKEN}"})
    assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == "https://ui.example"
    other = preflight(cors_app, "https://evil.example")
    assert "access-control-allow-origin" not in other.headers
    read = cors_app.get("/api/v1/runs", headers={"origin": "https://evil.example", "authorization": f"Bearer {TOKEN}"})
    assert "access-control-allow-origin" not in read.headers
    unconfigured = preflight(plain, "https://ui.example")  # the default: CORS off
    assert "access-control-allow-origin" not in unconfigured.headers
