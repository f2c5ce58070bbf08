"""The plugin contract, over every registered plugin: build, forward, a tiny fit, checkpoint
round trip with weights_only=True, export."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from tests.helpers import TINY
from visionyard.config import Settings
from visionyard.plugins.registry import PluginRegistry
from visionyard.plugins.validation import resolve_config
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "plugin_name" in metafunc.fixturenames:
        names = sorted(e.name for e in PluginRegistry.discover(None).list())
        metafunc.parametrize("plugin_name", names)


def build(registry: PluginRegistry, name: str, classes=("a", "b", "c")):
    entry = registry.get(name)
    config = resolve_config(entry.config_schema, {**TINY})
    plugin = registry.load_class(name)(config, list(classes))
    plugin.build()
    return plugin


def test_forward_gives_one_logit_per_class(registry: PluginRegistry, plugin_name: str):
    plugin = build(registry, plugin_name)
    predictions = plugin.infer(torch.rand(2, 3, 32, 32))
    assert len(predictions) == 2
    assert {p["class_name"] for p in predictions} <= {"a", "b", "c"}
    assert abs(sum(t["confidence"] for t in predictions[0]["top_k"]) - 1.0) < 1e-4


def test_checkpoint_round_trip_is_weights_only(registry: PluginRegistry, plugin_name: str, tmp_path: Path):
    plugin = build(registry, plugin_name)
    plugin.save_checkpoint(tmp_path / "w.pt", epoch=3, metrics={"val_acc": 0.5})
    torch.load(tmp_path / "w.pt", weights_only=True)
    other = build(registry, plugin_name)
    meta = other.load_checkpoint(tmp_path / "w.pt")
    assert meta == {"epoch": 3, "metrics": {"val_acc": 0.5}}
    for (name, a), b in zip(plugin.model.state_dict().items(), other.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_export_to_torchscript_matches_eager(registry: PluginRegistry, plugin_name: str, tmp_path: Path):
    plugin = build(registry, plugin_name)
    path = plugin.export(tmp_path / "model.pt", "torchscript")
    scripted = torch.jit.load(str(path))
    x = torch.rand(2, 3, 32, 32)
    with torch.inference_mode():
        torch.testing.assert_close(scripted(x), plugin.model.eval()(x), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="valid: torchscript, onnx"):
        plugin.export(tmp_path / "m.x", "tflite")


@pytest.mark.slow
def test_tiny_fit_writes_every_run_file(
    registry: PluginRegistry, plugin_name: str, shared_home: Path, tiny_dataset: Path
):
    settings = Settings(home=shared_home)
    prepared = prepare_run(settings, registry, plugin_name, str(tiny_dataset), dict(TINY))
    outcome = execute_run(replace(prepared, progress=False), settings, registry)
    assert outcome.status == "completed", outcome.error
    folder = prepared.folder
    for path in (
        folder.run_json,
        folder.config_json,
        folder.metrics_json,
        folder.metrics_csv,
        folder.best_ckpt,
        folder.last_ckpt,
        folder.log_file,
    ):
        assert path.is_file(), path
    torch.load(folder.best_ckpt, weights_only=True)
    row = folder.read_metrics()[0]
    assert {"epoch", "train_loss", "val_loss", "val_acc", "val_precision", "val_recall", "val_f1", "lr"} <= set(row)
    assert "val_acc_top5" not in row  # three classes: no top-5
