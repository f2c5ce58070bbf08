"""A real ``visionyard serve`` whose artifact store is a bucket on moto's S3 server: runs on a dataset read
from the bucket keep their artifacts there, and read them back when the local copy is gone."""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import TINY, make_image_folder
from tests.s3 import S3Server
from tests.server import Server, prepare_home
from visionyard.config import Settings
from visionyard.core.context import Context
from visionyard.plugins.catalog import PluginCatalog
from visionyard.services import predictions

pytestmark = pytest.mark.slow

BUCKET = "visionyard-e2e"
DATASET = f"s3://{BUCKET}/datasets/x/"
RUN_FILES = (
    "run.json",
    "config.json",
    "metrics.json",
    "metrics.csv",
    "checkpoints/best.ckpt",
    "checkpoints/last.ckpt",
    "logs/training.log",
)
JOB_YAML = b"""\
model: small_cnn
epochs: 1
batch_size: 8
lr: 0.005
preprocessing.image_size: 32
data.num_workers: 0
"""


@pytest.fixture(scope="module")
def stored(
    tmp_path_factory: pytest.TempPathFactory, s3: S3Server, shared_home: Path, catalog: PluginCatalog
) -> Iterator[tuple[Server, str]]:
    """The server, and a run it trained on ``s3://BUCKET/datasets/x/`` (a folder of images in the bucket)."""
    s3.client.create_bucket(Bucket=BUCKET)
    source = make_image_folder(tmp_path_factory.mktemp("source") / "x", splits=("train", "val", "test"), per_class=4)
    s3.put_folder(BUCKET, "datasets/x", source)
    s3.client.put_object(Bucket=BUCKET, Key="configs/job.yaml", Body=JOB_YAML)
    home = prepare_home(tmp_path_factory.mktemp("s3-home") / "home", shared_home)
    server = Server(
        home,
        VISIONYARD_STORAGE_URL=f"s3://{BUCKET}/store",
        VISIONYARD_S3_ENDPOINT_URL=s3.endpoint,
        VISIONYARD_HEARTBEAT_INTERVAL="0.5",
    )
    try:
        server.start()
        body = {"model": "small_cnn", "dataset": DATASET, "config": TINY}
        created = server.client.post("/api/v1/runs", json=body)
        assert created.status_code == 201, created.text
        run_id = created.json()["id"]
        done = server.wait_for(run_id, ("completed", "failed"), timeout=240)
        assert done["status"] == "completed", done["error"]
        yield server, run_id
    finally:
        server.close()


def dataset_folder(server: Server, run_id: str) -> Path:
    return Path(json.loads((server.home / "runs" / run_id / "run.json").read_text())["dataset"])


class RecordingPredictor:
    """Stands in for the predictor process: what the predict service hands it is what is checked here."""

    def __init__(self) -> None:
        self.request: dict = {}

    def predict(self, request: dict) -> dict:
        self.request = request
        count = len(request["images"])
        prediction = {"label": 0, "class_name": "a", "confidence": 1.0, "top_k": []}
        return {"predictions": [prediction] * count, "overlays": [None] * count, "cached": False, "timings": {}}


def predict_in_process(server: Server, s3: S3Server, run_id: str) -> dict:
    """The predict use case on the server's HOME and database, in this process."""
    settings = Settings(home=server.home, storage_url=f"s3://{BUCKET}/store", s3_endpoint_url=s3.endpoint)
    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (200, 30, 30)).save(buffer, format="PNG")
    recorder = RecordingPredictor()
    uploads = {"files": [("a.png", buffer.getvalue())]}
    predictions.predict(Context(settings), run_id, uploads, predictions.PredictOptions(), recorder)
    return recorder.request


def test_a_run_keeps_its_artifacts_in_the_bucket_and_reads_them_back(stored, s3: S3Server):
    server, run_id = stored
    assert server.client.get(f"/api/v1/runs/{run_id}").json()["dataset"] == DATASET  # named by its URI
    local = server.home / "runs" / run_id
    assert dataset_folder(server, run_id).is_relative_to(server.home / "cache" / "remote")

    prefix = f"store/runs/{run_id}/"
    keys = s3.keys(BUCKET, prefix)
    assert {prefix + name for name in RUN_FILES} <= set(keys), keys
    assert any(k.startswith(prefix + "validation/") for k in keys)
    assert json.loads(s3.get(BUCKET, prefix + "run.json"))["status"] == "completed"  # the last push: the outcome
    assert s3.get(BUCKET, prefix + "checkpoints/best.ckpt") == (local / "checkpoints" / "best.ckpt").read_bytes()

    shutil.rmtree(local / "checkpoints")  # the local copy is gone: the bucket is the copy of record
    asked = predict_in_process(server, s3, run_id)
    assert asked["checkpoint"] == str(local / "checkpoints" / "best.ckpt")
    assert Path(asked["checkpoint"]).read_bytes() == s3.get(BUCKET, prefix + "checkpoints/best.ckpt")

    test = server.client.post(f"/api/v1/runs/{run_id}/tests", json={"checkpoint": "last", "split": "test"})
    assert test.status_code == 202, test.text
    test_id = test.json()["id"]
    deadline = time.monotonic() + 120
    while (body := server.client.get(f"/api/v1/runs/{run_id}/tests/{test_id}").json())["status"] not in (
        "completed",
        "failed",
    ):
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    assert body["status"] == "completed", body["error"]
    assert (local / "checkpoints" / "last.ckpt").read_bytes() == s3.get(BUCKET, prefix + "checkpoints/last.ckpt")
    assert body["count"] == 12 and body["checkpoint"] == "checkpoints/last.ckpt"
    job_keys = s3.keys(BUCKET, f"{prefix}tests/{test_id}/")
    assert {f"{prefix}tests/{test_id}/{name}" for name in ("report.json", "records.json", "job.log")} <= set(job_keys)

    server.client.delete(f"/api/v1/runs/{run_id}/tests/{test_id}")
    assert s3.keys(BUCKET, f"{prefix}tests/{test_id}/") == []


def test_spec_004_queues_a_run_on_a_dataset_and_config_from_the_bucket(stored, s3: S3Server):
    server, native = stored
    config = f"s3://{BUCKET}/configs/job.yaml"
    reply = server.client.post("/train", json={"dataset_uri": DATASET, "config_uri": config})
    assert reply.status_code == 202, reply.text
    run = server.client.get(f"/api/v1/runs/{reply.json()['job_id']}").json()
    assert (run["model"], run["config"]["lr"], run["config"]["preprocessing"]["image_size"]) == ("small_cnn", 0.005, 32)
    assert run["dataset"] == DATASET
    assert dataset_folder(server, run["id"]) == dataset_folder(server, native)  # one cache, reused

    missing = server.client.post("/train", json={"dataset_uri": f"s3://{BUCKET}/nothing/", "config_uri": config})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "dataset_not_found"
    assert "no objects under this prefix" in missing.json()["error"]["message"]
    bad = server.client.post("/train", json={"dataset_uri": DATASET, "config_uri": f"s3://{BUCKET}/configs/no.yaml"})
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "config_not_found"
