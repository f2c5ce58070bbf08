"""A task declared by a plugin package goes through the same machinery as the built-in ones: the example package
(examples/visionyard-example-task: salient object segmentation and a model of it) installed with pip, then a real
server lists the task, trains a run of it, validates it in depth, predicts with it and exports it with a parity
check, with no line of visionyard changed."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import ROOT, TINY
from tests.server import Server
from visionyard.data.demo_dense import write_shapes_segmentation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    package = ROOT / "examples" / "visionyard-example-task"
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, "--target", str(target), str(package)], check=True, timeout=300)
    return target


def test_a_task_of_a_plugin_is_listed_trained_validated_predicted_and_exported(site: Path, tmp_path: Path):
    home = tmp_path / "home"
    write_shapes_segmentation(home / "data" / "shapes", counts={"train": 16, "val": 8}, size=32)
    server = Server(home, PYTHONPATH=str(site), VISIONYARD_HEARTBEAT_INTERVAL="0.5")
    try:
        server.start(wait=120)
        tasks = {t["name"]: t for t in server.client.get("/api/v1/tasks").json()["items"]}
        assert tasks["saliency"]["target"] == "mask" and tasks["saliency"]["headline"] == "val_fbeta"
        assert tasks["saliency"]["fixed_classes"] == ["background", "salient"]
        models = server.client.get("/api/v1/models", params={"task": "saliency"}).json()["items"]
        assert [m["name"] for m in models] == ["tiny_saliency"]

        body = {"model": "tiny_saliency", "dataset": "shapes", "config": {**TINY, "epochs": 2, "batch_size": 8}}
        created = server.client.post("/api/v1/runs", json=body)
        assert created.status_code == 201, created.text
        run_id = created.json()["id"]
        done = server.wait_for(run_id, ("completed", "failed"), timeout=300)
        assert done["status"] == "completed", done["error"]
        assert done["best_metrics"]["monitor"] == "val_fbeta" and "val_mae" in done["final_metrics"]
        api = f"/api/v1/runs/{run_id}"

        report = server.client.get(f"{api}/validation/best").json()
        assert report["task"] == "saliency" and report["classes"] == ["background", "salient"]
        assert report["count"] == 8 and report["confusion_matrix"]["unit"] == "pixels"
        drawn = server.client.get(f"{api}/validation/best/images/0/render")
        assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/png"

        image = io.BytesIO()
        Image.open(next((home / "data" / "shapes" / "val" / "images").iterdir())).save(image, format="PNG")
        files = [("files", ("a.png", image.getvalue(), "image/png"))]
        answer = server.client.post(f"{api}/predict", files=files, data={"overlay": "true"}, timeout=120).json()
        prediction = answer["predictions"][0]
        assert answer["task"] == "saliency" and "mask_png" in prediction and "overlay_png" in prediction
        assert set(prediction["class_fractions"]) <= {"background", "salient"}

        queued = server.client.post(f"{api}/exports", json={"format": "onnx"})
        assert queued.status_code == 202, queued.text
        export = _finished(server, f"{api}/exports/{queued.json()['id']}")
        assert export["status"] == "completed", export["error"]
        assert export["sidecar"]["task"] == "saliency" and export["parity"]["compared"] > 0
    finally:
        server.close()


def _finished(server: Server, url: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = server.client.get(url).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not finish")
