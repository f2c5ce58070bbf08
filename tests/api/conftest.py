from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.server import Server, prepare_home
from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.plugins.catalog import PluginCatalog
from visionyard.services.context import ServiceContext


@pytest.fixture
def api_home(tmp_path: Path, shared_home: Path, catalog: PluginCatalog) -> Path:
    return prepare_home(tmp_path / "home", shared_home)


@pytest.fixture
def client(api_home: Path) -> Iterator[TestClient]:
    """The app in-process with a real SQLite file and no scheduler (runs stay queued)."""
    with TestClient(create_app(ServiceContext(Settings(home=api_home)), schedule=False)) as test_client:
        yield test_client


@pytest.fixture
def server(api_home: Path) -> Iterator[Server]:
    """A real ``visionyard serve`` with real workers; heartbeats and restarts sped up for tests."""
    live = Server(api_home, VISIONYARD_HEARTBEAT_INTERVAL="0.5", VISIONYARD_RESTART_BACKOFF="0.2")
    try:
        yield live.start()
    finally:
        live.close()
