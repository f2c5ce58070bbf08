"""Runs that start from published weights fetched from the stand-in for their publishers
(``VISIONYARD_WEIGHTS_MIRROR``): timm's from the Hugging Face Hub (safetensors, the Hub's hash), Ultralytics' YOLO
checkpoints from its GitHub release (pickles with no hash: fetched and loaded only with ``trust_checkpoint``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from tests.engine.publishers import Publisher
from tests.helpers import TINY, last_json
from tests.network_guard import guarded
from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.core.runs import RunSetupError
from visionyard.engine.weights import WeightsUnreadable
from visionyard.plugins.catalog import PluginCatalog
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import checked_splits, execute_run

YOLO = {**TINY, "preprocessing.image_size": 64, "pretrained": True}


@pytest.fixture(scope="module")
def efficientnet_b0() -> bytes:
    """efficientnet_b0's ImageNet-shaped weights as the Hub serves them (``model.safetensors``)."""
    import timm
    from safetensors.torch import save

    return save(timm.create_model("efficientnet_b0", pretrained=False).state_dict())


@pytest.fixture(scope="module")
def yolo11n_checkpoint() -> bytes:
    """A real Ultralytics checkpoint as Ultralytics publishes one: the whole COCO-sized model, pickled, in half
    precision, with the EMA slot emptied."""
    pytest.importorskip("ultralytics")
    from visionyard.engine.adapters.ultralytics import offline

    offline()
    from ultralytics.nn.tasks import DetectionModel

    buffer = io.BytesIO()
    model = DetectionModel("yolo11n.yaml", nc=80, verbose=False).half()
    torch.save({"epoch": -1, "model": model, "ema": None, "optimizer": None, "train_args": {}}, buffer)
    return buffer.getvalue()


@pytest.mark.slow
def test_a_timm_run_starts_from_the_hubs_weights_and_writes_nothing_outside_its_home(
    publisher: Publisher, tmp_path: Path, tiny_dataset: Path, efficientnet_b0: bytes
):
    """A real ``visionyard train efficientnet_b0 --set pretrained=true`` in a process that may connect to loopback
    only, with ``HOME`` an empty folder that must stay empty: no huggingface_hub cache, token or telemetry."""
    cdn = publisher.publish_on_hub("timm/efficientnet_b0.ra_in1k", "model.safetensors", efficientnet_b0)
    home, user, cwd, attempts = tmp_path / "vy", tmp_path / "user", tmp_path / "cwd", tmp_path / "connects.log"
    for folder in (user, cwd):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VISIONYARD_", "HF_"))}
    env |= {"VISIONYARD_HOME": str(home), "VISIONYARD_WEIGHTS_MIRROR": publisher.url, "HOME": str(user)}
    env |= {"XDG_CACHE_HOME": str(user / ".cache"), "XDG_CONFIG_HOME": str(user / ".config")}
    config = [arg for key, value in {**TINY, "pretrained": True}.items() for arg in ("--set", f"{key}={value}")]
    command = [sys.executable, "-m", "visionyard", "train", "efficientnet_b0", str(tiny_dataset), *config, "--json"]
    ran = subprocess.run(
        command, cwd=cwd, env=guarded(env, tmp_path / "guard", attempts), capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert last_json(ran.stdout)["status"] == "completed"
    kept = home / "weights" / "timm--efficientnet_b0.ra_in1k--model.safetensors"
    assert kept.read_bytes() == efficientnet_b0
    hub = "/timm/efficientnet_b0.ra_in1k/resolve/main/model.safetensors"
    assert publisher.requests == [f"HEAD {hub}", f"GET {hub}", f"GET {cdn}"]
    assert Path(f"{attempts}.armed").is_file() and not attempts.exists(), attempts.read_text()
    assert list(user.rglob("*")) == [] and list(cwd.rglob("*")) == []


def test_published_timm_weights_are_what_the_model_starts_from(
    tmp_path: Path, catalog: PluginCatalog, tiny_dataset: Path, efficientnet_b0: bytes
):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(efficientnet_b0)
    plugin = _plugin(catalog, "efficientnet_b0", tiny_dataset, tmp_path, {**TINY, "pretrained": True})
    model = plugin.build(weights)
    published = timm_state(efficientnet_b0)
    assert torch.equal(model.state_dict()["conv_stem.weight"], published["conv_stem.weight"])
    assert model.state_dict()["classifier.weight"].shape[0] == 3  # the head fits the dataset, not ImageNet


def test_a_yolo_checkpoint_loads_only_with_trust_checkpoint(
    tmp_path: Path, catalog: PluginCatalog, task_datasets: dict[str, Path], yolo11n_checkpoint: bytes
):
    """Ultralytics' .pt holds the model object: refused (saying what it is and how to opt in) unless trusted, then
    its tensors go under YoloNet's ``net.``, all but the head's class layers (80 COCO classes here)."""
    weights = tmp_path / "yolo11n.pt"
    weights.write_bytes(yolo11n_checkpoint)
    data = task_datasets["detection"]
    plain = _plugin(catalog, "yolo11n", data, tmp_path, YOLO)
    with pytest.raises(WeightsUnreadable, match=r"pickled Python objects.*Ultralytics.*trust_checkpoint=true") as error:
        plain.build(weights)
    assert "runs whatever code the file names" in str(error.value)

    trusting = _plugin(catalog, "yolo11n", data, tmp_path, {**YOLO, "trust_checkpoint": True})
    loaded = trusting.build(weights).state_dict()
    published = torch.load(weights, weights_only=False)["model"].float().state_dict()
    assert torch.equal(loaded["net.model.0.conv.weight"], published["model.0.conv.weight"])
    assert torch.equal(loaded["net.model.23.cv2.0.0.conv.weight"], published["model.23.cv2.0.0.conv.weight"])
    assert loaded["net.model.23.cv3.0.2.weight"].shape[0] != published["model.23.cv3.0.2.weight"].shape[0]


def test_a_yolo_run_fetches_ultralytics_weights_only_with_trust_checkpoint(
    publisher: Publisher,
    tmp_path: Path,
    catalog: PluginCatalog,
    task_datasets: dict[str, Path],
    yolo11n_checkpoint: bytes,
):
    asset = publisher.publish_asset("yolo11n.pt", yolo11n_checkpoint)
    settings = Settings(home=tmp_path, allow_downloads=True, weights_mirror=publisher.url)
    data = str(task_datasets["detection"])
    refused = execute_run(
        replace(prepare_run(settings, catalog, "yolo11n", data, YOLO), progress=False), settings, catalog
    )
    assert refused.status == "failed" and not refused.retryable
    assert "gives no hash" in (refused.error or "") and "trust_checkpoint=true" in (refused.error or "")
    assert publisher.requests == [] and not settings.weights_dir.exists()

    trusted = prepare_run(settings, catalog, "yolo11n", data, {**YOLO, "trust_checkpoint": True})
    outcome = execute_run(replace(trusted, progress=False), settings, catalog)
    assert outcome.status == "completed", outcome.error
    assert publisher.requests == [f"GET {asset}"]
    assert (settings.weights_dir / "yolo11n.pt").read_bytes() == yolo11n_checkpoint


def test_trust_checkpoint_takes_a_named_file_only_from_the_weights_folder(
    tmp_path: Path, catalog: PluginCatalog, task_datasets: dict[str, Path], yolo11n_checkpoint: bytes
):
    """A data root takes uploads: a request must not make the worker unpickle a file it sent itself."""
    settings = Settings(home=tmp_path)
    data = task_datasets["detection"]
    uploaded = settings.data_root / "upload" / "yolo11n.pt"
    uploaded.parent.mkdir(parents=True)
    uploaded.write_bytes(yolo11n_checkpoint)
    trusting = {**YOLO, "trust_checkpoint": True, "pretrained_weights": str(uploaded)}
    with pytest.raises(RunSetupError, match="trust_checkpoint=true loads code from pretrained_weights"):
        prepare_run(settings, catalog, "yolo11n", str(data), trusting)
    assert prepare_run(settings, catalog, "yolo11n", str(data), {**trusting, "trust_checkpoint": False})

    placed = settings.weights_dir / "yolo11n.pt"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(yolo11n_checkpoint)
    prepared = prepare_run(settings, catalog, "yolo11n", str(data), {**trusting, "pretrained_weights": "yolo11n.pt"})
    assert prepared.config["pretrained_weights"] == str(placed.resolve())


def timm_state(body: bytes) -> dict[str, torch.Tensor]:
    from safetensors.torch import load

    return load(body)


def _plugin(catalog: PluginCatalog, model: str, data: Path, home: Path, config: dict):
    """The model's plugin with its resolved run config and the dataset's classes, as the worker makes it."""
    prepared = prepare_run(Settings(home=home / "plugin-home"), catalog, model, str(data), config)
    cfg = TrainingConfig.from_run_config(prepared.config)
    classes = checked_splits(prepared.dataset, catalog.get(model).task, cfg).classes
    return catalog.load_class(model)(prepared.config, classes)
