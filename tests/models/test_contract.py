"""The plugin contract, over every registered plugin of every task: build, inference, a tiny fit,
checkpoint round trip with weights_only=True, export."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.helpers import TINY
from visionyard.common.tasks import TASKS, headline, task_spec
from visionyard.config import Settings
from visionyard.engine.adapters import TorchModulePlugin
from visionyard.plugins.catalog import PluginCatalog
from visionyard.plugins.validation import resolve_config
from visionyard.services.runs import prepare_run
from visionyard.worker.batching import Batcher
from visionyard.worker.execute import execute_run

CLASSES = {
    "classification": ["a", "b", "c"],
    "detection": ["circle", "square", "triangle"],
    "instance_segmentation": ["circle", "square", "triangle"],
    "segmentation": ["background", "circle", "square", "triangle"],
    "change_detection": ["unchanged", "changed"],
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "plugin_name" in metafunc.fixturenames:
        names = sorted(e.name for e in PluginCatalog.discover(None).list())
        metafunc.parametrize("plugin_name", names)


def build(catalog: PluginCatalog, name: str) -> TorchModulePlugin:
    entry = catalog.get(name)
    assert entry.config_schema is not None
    config = resolve_config(entry.config_schema, {**TINY}, task=entry.task)
    plugin = catalog.load_class(name)(config, CLASSES[entry.task])
    plugin.build()
    return plugin


def infer_argument(plugin: TorchModulePlugin, batch: int) -> Any:
    inputs = plugin.example_inputs(batch)
    return inputs if plugin.task == "change_detection" else inputs[0]


def test_every_task_has_built_in_plugins(catalog: PluginCatalog):
    tasks = {e.task for e in catalog.list()}
    assert tasks == set(TASKS)


def test_inference_answers_one_result_per_image(catalog: PluginCatalog, plugin_name: str):
    plugin = build(catalog, plugin_name)
    results = plugin.infer(infer_argument(plugin, 2))
    assert len(results) == 2
    size = TINY["preprocessing.image_size"]
    for result in results:
        if plugin.task == "classification":
            assert result["class_name"] in plugin.class_names
            assert abs(sum(t["confidence"] for t in result["top_k"]) - 1.0) < 1e-4
        elif plugin.task in ("detection", "instance_segmentation"):
            assert len(result["boxes"]) == len(result["labels"]) == len(result["scores"])
            assert set(result["class_names"]) <= set(plugin.class_names)
            if plugin.task == "instance_segmentation":
                assert (
                    result["masks"].shape == (len(result["boxes"]), size, size) and result["masks"].max(initial=0) <= 1
                )
        elif plugin.task == "segmentation":
            assert result["mask"].shape == (size, size) and int(result["mask"].max()) < plugin.num_classes
            assert set(result["classes_present"]) <= set(plugin.class_names)
        else:
            assert result["change_mask"].shape == (size, size) and 0 <= result["changed_fraction"] <= 1


def test_checkpoint_round_trip_is_weights_only(catalog: PluginCatalog, plugin_name: str, tmp_path: Path):
    plugin = build(catalog, plugin_name)
    plugin.save_checkpoint(tmp_path / "w.pt", epoch=3, metrics={"val_x": 0.5})
    torch.load(tmp_path / "w.pt", weights_only=True)
    other = build(catalog, plugin_name)
    meta = other.load_checkpoint(tmp_path / "w.pt")
    assert meta == {"epoch": 3, "metrics": {"val_x": 0.5}}
    for (name, a), b in zip(plugin.model.state_dict().items(), other.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_export_to_torchscript_matches_eager(catalog: PluginCatalog, plugin_name: str, tmp_path: Path):
    plugin = build(catalog, plugin_name)
    if "torchscript" not in plugin.export_formats:  # YOLO: ONNX only, said plainly
        with pytest.raises(ValueError, match="'torchscript' is not a format this model exports to; valid: onnx"):
            plugin.export(tmp_path / "model.pt", "torchscript")
        return
    path = plugin.export(tmp_path / "model.pt", "torchscript")
    scripted = torch.jit.load(str(path))
    inputs = plugin.example_inputs(2)
    detector = task_spec(plugin.task).image_list
    reference = plugin.model if detector else plugin.exportable()  # a detector's ONNX wrapper takes one image
    with torch.inference_mode():
        expected = reference.eval()(*inputs)
        got = scripted(*inputs)
    if detector:
        got = got[1]  # a scripted detector answers (losses, detections)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="'tflite' is not a format this model exports to; valid: torchscript, onnx"):
        plugin.export(tmp_path / "m.x", "tflite")


@pytest.mark.slow
def test_tiny_fit_writes_every_run_file(
    catalog: PluginCatalog, plugin_name: str, shared_home: Path, task_datasets: dict[str, Path]
):
    settings = Settings(home=shared_home)
    task = catalog.get(plugin_name).task
    prepared = prepare_run(settings, catalog, plugin_name, str(task_datasets[task]), {**TINY, "batch_size": 4})
    outcome = execute_run(replace(prepared, progress=False), settings, catalog)
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
    assert {"epoch", "train_loss", headline(task), "lr"} <= set(row)
    assert outcome.best_metrics["monitor"] == headline(task)
    if task == "classification":
        assert {"val_loss", "val_acc", "val_precision", "val_recall", "val_f1"} <= set(row)
        assert "val_acc_top5" not in row  # three classes: no top-5


BATCHED = ["small_cnn", "ssdlite320_mobilenet_v3", "yolo11n", "maskrcnn_mobilenet_v3_320", "unet", "snunet_cbam"]
"""One plugin of each kind of output the predictor splits: logits, per-image detections (torchvision's and
Ultralytics'), objects with masks, masks, change."""


@pytest.mark.parametrize("name", BATCHED)
def test_requests_batched_together_get_the_outputs_they_get_alone(catalog: PluginCatalog, name: str):
    plugin = build(catalog, name)
    module = plugin.training_module().eval()
    counts = (1, 2, 1)
    requests = [infer_argument(plugin, n) for n in counts]
    with torch.inference_mode():
        alone = [module.infer_batch(inputs) for inputs in requests]
    batcher = Batcher(max_batch=4, max_wait=30.0)
    with ThreadPoolExecutor(len(requests)) as pool, batcher.arriving():  # held open: the batch waits for all three
        futures = [
            pool.submit(batcher.infer, "model", module, inputs, count)
            for inputs, count in zip(requests, counts, strict=True)
        ]
    together = [future.result() for future in futures]
    assert [images for _, images in together] == [4, 4, 4]
    for one, (batched, _) in zip(alone, together, strict=True):
        assert_same_outputs(one, batched)


def assert_same_outputs(expected: Any, actual: Any) -> None:
    if isinstance(expected, torch.Tensor):
        torch.testing.assert_close(actual, expected, atol=1e-4, rtol=1e-4)
    elif isinstance(expected, dict):
        assert expected.keys() == actual.keys()
        for key in expected:
            assert_same_outputs(expected[key], actual[key])
    else:
        assert len(expected) == len(actual)
        for e, a in zip(expected, actual, strict=True):
            assert_same_outputs(e, a)
