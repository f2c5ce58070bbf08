from __future__ import annotations

from pathlib import Path

import pytest

from tests.server import prepare_home
from visionyard.plugins.catalog import PluginCatalog


@pytest.fixture
def home(tmp_path: Path, shared_home: Path, catalog: PluginCatalog) -> Path:
    return prepare_home(tmp_path / "home", shared_home)
