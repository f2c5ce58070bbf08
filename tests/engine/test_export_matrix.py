"""Every built-in plugin exports to every format this host can build: written, reloaded with its own
runtime, within its parity tolerance of the PyTorch model on the validation images, and its deployment
snippet runs as written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.helpers import TINY, make_image_folder
from visionyard.cli.main import app
from visionyard.common.export_formats import available_formats
from visionyard.data.demo_dense import write_shapes_change, write_shapes_detection, write_shapes_segmentation
from visionyard.plugins.catalog import PluginCatalog

pytestmark = pytest.mark.slow
DATASETS = {
    "classification": ("colours", 32),
    "detection": ("boxes", 64),
    "instance_segmentation": ("boxes", 64),  # its shapes are polygons too
    "segmentation": ("masks", 32),
    "change_detection": ("changes", 32),
}
TRAINING = {
    # Detectors are trained until they find boxes over the score threshold, so that box parity is compared, and
    # until those boxes are stable: a barely trained detector scores every anchor near 1 / (3 classes + 1), the
    # threshold, in ties of 1e-7 that NMS breaks by rounding, so even PyTorch on a batch and on single images
    # answers different boxes. SSDlite leaves that regime after ~25 epochs of batches of 2 (val mAP ~0.5 from
    # epoch 30); the R-CNNs' few dozen proposals leave no ties (PyTorch against itself agrees to 1e-7), so all
    # their boxes are compared, from their own box score threshold of 0.05 (PARITY_FROM): after 8 epochs of 16
    # images their best scores may sit either side of 0.25 by the rounding of the thread count they trained with.
    "fasterrcnn_mobilenet_v3_320": {"epochs": 8, "lr": 0.002},
    "maskrcnn_mobilenet_v3_320": {"epochs": 8, "lr": 0.002},
    "ssdlite320_mobilenet_v3": {"epochs": 40, "lr": 0.003, "batch_size": 2},
    # YOLO from scratch finds boxes over the threshold after a few dozen epochs of the 16 images
    "yolo11n": {"epochs": 60, "lr": 0.005},
    "yolo11n_seg": {"epochs": 60, "lr": 0.005},
}
SAME_PATH_AS = {
    "yolo11s": "yolo11n",
    "yolo11s_seg": "yolo11n_seg",
    "maskrcnn_resnet50_fpn": "maskrcnn_mobilenet_v3_320",
}
"""Plugins left out of the matrix: their adapter and export path are the named one's (a larger scale of it)."""
FORMATS_LEFT_OUT = {
    ("maskrcnn_mobilenet_v3_320", "torchscript"): "its scripted model is checked against eager by the contract tests",
    ("maskrcnn_mobilenet_v3_320", "onnx_int8"): "Faster R-CNN's quantized graph, with the mask head's convolutions",
}
"""Pairs whose path another test covers (an R-CNN's minutes of training and parity spent once)."""
PARITY_FROM = {
    "fasterrcnn_mobilenet_v3_320": ["-o", "score_threshold=0.05"],
    "maskrcnn_mobilenet_v3_320": ["-o", "score_threshold=0.05"],
}
FAST = ["-o", "benchmark_runs=3", "-o", "throughput_batch=2"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "plugin_name" in metafunc.fixturenames:
        entries = sorted(PluginCatalog.discover(None).list(), key=lambda e: e.name)
        pairs = [
            (e.name, format)
            for e in entries
            if e.name not in SAME_PATH_AS
            for format in available_formats()
            if (e.name, format) not in FORMATS_LEFT_OUT
        ]
        metafunc.parametrize(("plugin_name", "format"), pairs, ids=[f"{p}-{f}" for p, f in pairs])


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("export-home")
    data = home / "data"
    make_image_folder(data / "colours", per_class=6, size=32)
    counts = {"train": 8, "val": 4}
    write_shapes_detection(data / "boxes", counts={"train": 16, "val": 4}, size=64)
    write_shapes_segmentation(data / "masks", counts=counts, size=32)
    write_shapes_change(data / "changes", counts=counts, size=32)
    return home


@pytest.fixture(scope="module")
def trained(home: Path) -> dict[str, str]:
    """Run ids by plugin, trained on first use."""
    return {}


def invoke(home: Path, *args: str) -> tuple[int, dict]:
    previous = os.environ.get("VISIONYARD_HOME")
    os.environ["VISIONYARD_HOME"] = str(home)
    try:
        result = CliRunner().invoke(app, [*args, "--json"])
    finally:
        if previous is None:
            del os.environ["VISIONYARD_HOME"]
        else:
            os.environ["VISIONYARD_HOME"] = previous
    assert result.output.strip(), result
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def run_of(home: Path, trained: dict[str, str], task: str, plugin_name: str) -> str:
    if plugin_name not in trained:
        dataset, size = DATASETS[task]
        config = {
            **TINY,
            "epochs": 2,
            "batch_size": 4,
            "preprocessing.image_size": size,
            **TRAINING.get(plugin_name, {}),
        }
        code, body = invoke(
            home, "train", plugin_name, str(home / "data" / dataset), *(f"--set={k}={v}" for k, v in config.items())
        )
        assert code == 0, body
        trained[plugin_name] = body["run_id"]
    return trained[plugin_name]


def test_export_reloads_within_parity(
    home: Path, trained: dict[str, str], catalog: PluginCatalog, plugin_name: str, format: str
):
    plugin = catalog.load_class(plugin_name)
    if format == "torchscript" and format not in plugin.export_formats:
        pytest.skip("it exports ONNX only (the contract tests check that TorchScript is refused, saying so)")
    task = catalog.get(plugin_name).task
    run_id = run_of(home, trained, task, plugin_name)
    code, result = invoke(home, "export", run_id, "--format", format, *FAST, *PARITY_FROM.get(plugin_name, []))
    if format in plugin.refused_formats:
        assert result["status"] == "failed" and plugin.refused_formats[format] in result["error"], result
        return
    parity = result["parity"]
    assert code == 0 and result["status"] == "completed", result["error"]
    folder = Path(result["folder"])
    assert all((folder / name).is_file() for name in result["files"])
    assert result["sidecar"]["task"] == task
    assert parity["images"] > 0 and parity["pytorch_metric"] is not None
    assert parity["compared"] > 0 and parity["agreement"] >= result["tolerance"]["min_agreement"]
    speed = result["benchmark"]
    assert speed["export"]["p50_ms"] > 0 and speed["pytorch"]["images_per_s"] > 0

    place_snippet_inputs(home / "data" / DATASETS[task][0] / "val", task, folder)
    script = result["snippet"].split("```python\n")[1].split("```")[0]
    ran = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr


def place_snippet_inputs(val: Path, task: str, folder: Path) -> None:
    """The image names the deployment snippet reads, beside the export's files."""
    if task == "change_detection":
        shutil.copy(sorted((val / "A").iterdir())[0], folder / "before.png")
        shutil.copy(sorted((val / "B").iterdir())[0], folder / "after.png")
        return
    images = val / "images" if (val / "images").is_dir() else val
    Image.open(sorted(images.rglob("*.png"))[0]).convert("RGB").save(folder / "image.jpg", quality=95)
