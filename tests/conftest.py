from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.durations import longest_first
from tests.helpers import make_image_folder
from visionyard.config import Settings
from visionyard.data.demo_dense import write_shapes_change, write_shapes_detection, write_shapes_segmentation
from visionyard.plugins.catalog import PluginCatalog

os.environ.setdefault("VISIONYARD_ALLOW_DOWNLOADS", "false")  # no test reaches for the internet: a stand-in does


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    longest_first(items)


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One VISIONYARD_HOME for tests that only add runs: the plugin cache is read once."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def catalog(shared_home: Path) -> PluginCatalog:
    settings = Settings(home=shared_home)
    return PluginCatalog.discover(settings.models_root, settings.cache_dir)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_image_folder(tmp_path_factory.mktemp("data") / "tiny")


@pytest.fixture(scope="session")
def task_datasets(tmp_path_factory: pytest.TempPathFactory, tiny_dataset: Path) -> dict[str, Path]:
    """A tiny dataset per task: the demo writers with a few samples (8 train, 4 val)."""
    root = tmp_path_factory.mktemp("task-data")
    counts = {"train": 8, "val": 4}
    write_shapes_detection(root / "tiny_detection", counts=counts, size=64)
    write_shapes_segmentation(root / "tiny_segmentation", counts=counts, size=32)
    write_shapes_change(root / "tiny_change", counts=counts, size=32)
    return {
        "classification": tiny_dataset,
        "detection": root / "tiny_detection",
        "instance_segmentation": root / "tiny_detection",  # its shapes are polygons too
        "segmentation": root / "tiny_segmentation",
        "change_detection": root / "tiny_change",
    }
