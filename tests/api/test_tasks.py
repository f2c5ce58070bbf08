"""Every task through the service: a real server queues, trains and reports detection,
segmentation and change-detection runs like classification ones."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.helpers import TINY
from tests.server import Server
from visionyard.common.tasks import headline
from visionyard.data.demo_dense import write_shapes_change, write_shapes_detection, write_shapes_segmentation

pytestmark = pytest.mark.slow

COUNTS = {"train": 8, "val": 4}
RUNS = [
    ("fasterrcnn_mobilenet_v3_320", "detection", "boxes", write_shapes_detection, 64),
    ("unet", "segmentation", "masks", write_shapes_segmentation, 32),
    ("snunet_cbam", "change_detection", "pairs", write_shapes_change, 32),
]


def test_every_task_is_queued_trained_and_reported(api_home: Path, server: Server):
    for _, _, dataset, write, size in RUNS:
        write(api_home / "data" / dataset, counts=COUNTS, size=size)
    listed = {d["name"]: d for d in server.client.get("/api/v1/datasets").json()}
    assert (listed["boxes"]["format"], listed["masks"]["format"], listed["pairs"]["format"]) == (
        "coco",
        "masks",
        "levir_cd",
    )
    created = {}
    for model, task, dataset, _, _ in RUNS:
        body = {"model": model, "dataset": dataset, "config": {**TINY, "epochs": 2, "batch_size": 4}}
        response = server.client.post("/api/v1/runs", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["task"] == task
        created[task] = response.json()["id"]

    for task, run_id in created.items():
        done = server.wait_for(run_id, ("completed", "failed"), timeout=300)
        assert done["status"] == "completed", done["error"]
        assert done["current_epoch"] == 2 and done["best_metrics"]["monitor"] == headline(task)
        metrics = server.client.get(f"/api/v1/runs/{run_id}/metrics").json()
        assert [r["epoch"] for r in metrics["rows"]] == [1, 2]
        assert {"train_loss", headline(task), "lr"} <= set(metrics["columns"])
        checkpoints = server.client.get(f"/api/v1/runs/{run_id}/checkpoints").json()
        assert {c["kind"] for c in checkpoints} == {"best", "last"}
        summary = server.client.get(f"/api/v1/runs/{run_id}/summary").json()
        assert f"best_{headline(task)}" in summary["best_metrics"]
        assert_record_images(server, run_id, task)


def assert_record_images(server: Server, run_id: str, task: str) -> None:
    """A record's images come undrawn, masks as class indices at the image's own size."""
    files = f"/api/v1/runs/{run_id}/validation/latest/images/0/files"
    image = Image.open(io.BytesIO(server.client.get(f"{files}/image").content))
    parts = {
        "detection": [],
        "segmentation": ["truth_mask", "mask"],
        "change_detection": ["before", "truth_mask", "mask"],
    }
    for part in ("before", "truth_mask", "mask"):
        answer = server.client.get(f"{files}/{part}")
        assert answer.status_code == (200 if part in parts[task] else 404), (task, part, answer.text)
        if answer.status_code == 200:
            layer = Image.open(io.BytesIO(answer.content))
            assert layer.size == image.size
            if part != "before":
                classes = 2 if task == "change_detection" else 4
                assert layer.mode in ("L", "P") and set(np.unique(np.asarray(layer))) <= {*range(classes), 255}


def test_a_dataset_that_does_not_fit_the_task_is_refused(api_home: Path, client: TestClient):
    write_shapes_segmentation(api_home / "data" / "masks", counts=COUNTS, size=32)
    body = {"model": "fasterrcnn_mobilenet_v3_320", "dataset": "masks", "config": {**TINY}}
    response = client.post("/api/v1/runs", json=body)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert "detection model" in message and "coco or yolo" in message and "masks" in message
    assert client.get("/api/v1/runs").json()["total"] == 0
    assert not (api_home / "runs").exists() or not any((api_home / "runs").iterdir())
