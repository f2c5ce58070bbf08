from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_image_folder
from visionyard.config import Settings
from visionyard.plugins.registry import PluginRegistry


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One VISIONYARD_HOME for tests that only add runs: the plugin cache is read once."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def registry(shared_home: Path) -> PluginRegistry:
    settings = Settings(home=shared_home)
    return PluginRegistry.discover(settings.models_root, settings.cache_dir)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_image_folder(tmp_path_factory.mktemp("data") / "tiny")
