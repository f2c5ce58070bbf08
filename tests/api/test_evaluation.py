"""Validation in depth, test runs and predictions through a real server with real workers."""

from __future__ import annotations

import io
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from sklearn import metrics as skm

from tests.helpers import TINY, make_image_folder
from tests.server import Server

pytestmark = pytest.mark.slow


def png_bytes(image: Image.Image, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def wait_test(server: Server, run_id: str, test_id: str, timeout: float = 120) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = server.client.get(f"/api/v1/runs/{run_id}/tests/{test_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.2)
    raise TimeoutError(f"test {test_id} did not finish")


@pytest.fixture
def trained(api_home: Path, server: Server) -> tuple[Server, str]:
    make_image_folder(api_home / "data" / "three", splits=("train", "val", "test"), per_class=6)
    body = {"model": "small_cnn", "dataset": "three", "config": {**TINY, "epochs": 2}}
    run_id = server.client.post("/api/v1/runs", json=body).json()["id"]
    done = server.wait_for(run_id, ("completed", "failed"), timeout=180)
    assert done["status"] == "completed", done["error"]
    return server, run_id


def test_validation_results_can_be_browsed_filtered_and_drawn(trained: tuple[Server, str]):
    server, run_id = trained
    api = f"/api/v1/runs/{run_id}"
    kept = server.client.get(f"{api}/validation").json()
    assert kept[-1]["latest"] and any(v["best"] for v in kept)
    best = server.client.get(f"{api}/best-epoch").json()
    assert best["monitor"] == "val_acc" and best["epoch"] in [v["epoch"] for v in kept]

    report = server.client.get(f"{api}/validation/latest").json()
    matrix = np.array(report["confusion_matrix"]["matrix"])
    assert matrix.sum() == report["count"] == 18
    assert {row["class_name"] for row in report["per_class"]} == {"a", "b", "c"}
    assert len(report["curves"]["roc"]) == 3 and len(report["curves"]["pr"]) == 3

    everything = server.client.get(f"{api}/validation/latest/images", params={"limit": 1000}).json()["items"]
    assert len(everything) == 18
    queries = [
        {"correct": "false"},
        {"correct": "true", "class_name": "b"},
        {"min_confidence": 0.3, "max_confidence": 0.6},
    ]
    for query in queries:
        page = server.client.get(f"{api}/validation/latest/images", params={**query, "limit": 1000}).json()
        expected = [
            r["index"]
            for r in everything
            if ("correct" not in query or r["correct"] == (query["correct"] == "true"))
            and ("class_name" not in query or query["class_name"] in r["classes"])
            and r["confidence"] >= query.get("min_confidence", 0)
            and r["confidence"] <= query.get("max_confidence", 1)
        ]
        assert [r["index"] for r in page["items"]] == expected and page["total"] == len(expected)
    ordered = server.client.get(f"{api}/validation/latest/images", params={"sort": "loss", "order": "desc"}).json()
    losses = [r["loss"] for r in ordered["items"]]
    assert losses == sorted(losses, reverse=True)
    second = server.client.get(f"{api}/validation/latest/images", params={"limit": 5, "offset": 5}).json()
    assert [r["index"] for r in second["items"]] == [5, 6, 7, 8, 9]

    drawn = server.client.get(f"{api}/validation/best/images/3/render")
    assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(drawn.content)).size[0] >= 24
    assert server.client.get(f"{api}/validation/latest/images/999/render").status_code == 404
    clean = server.client.get(f"{api}/validation/best/images/3/files/image")
    assert clean.status_code == 200 and clean.headers["content-type"] == "image/png"
    source = server.home / "data" / "three" / everything[3]["image"]
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(clean.content))), np.asarray(Image.open(source)))
    assert server.client.get(f"{api}/validation/best/images/3/files/mask").status_code == 404
    assert server.client.get(f"{api}/validation/77").status_code == 404


def test_test_runs_recompute_compare_and_download(trained: tuple[Server, str]):
    server, run_id = trained
    api = f"/api/v1/runs/{run_id}"
    first = server.client.post(f"{api}/tests", json={"checkpoint": "best"})
    second = server.client.post(f"{api}/tests", json={"checkpoint": "last", "split": "val"})
    assert first.status_code == second.status_code == 202, first.text
    done = [wait_test(server, run_id, r.json()["id"]) for r in (first, second)]
    assert [d["status"] for d in done] == ["completed", "completed"], [d["error"] for d in done]
    assert done[0]["split"] == "test" and done[0]["count"] == 18

    records = server.client.get(f"{api}/tests/{done[0]['id']}/images", params={"limit": 1000}).json()["items"]
    truth = [r["truth"] for r in records]
    predicted = [r["label"] for r in records]
    probabilities = np.array([r["probabilities"] for r in records])
    got = done[0]["metrics"]
    assert math.isclose(got["test_acc"], skm.accuracy_score(truth, predicted), abs_tol=1e-6)
    assert math.isclose(got["test_f1"], skm.f1_score(truth, predicted, average="macro", zero_division=0), abs_tol=1e-6)
    assert math.isclose(
        got["test_precision"], skm.precision_score(truth, predicted, average="macro", zero_division=0), abs_tol=1e-6
    )
    report = done[0]["report"]
    for c, row in enumerate(report["per_class"]):
        auc = skm.roc_auc_score([t == c for t in truth], probabilities[:, c])
        assert math.isclose(row["auc"], auc, abs_tol=1e-5)
    assert np.array_equal(np.array(report["confusion_matrix"]["matrix"]), skm.confusion_matrix(truth, predicted))

    compared = server.client.get(f"{api}/tests/compare", params={"ids": [d["id"] for d in done]}).json()
    assert "val_acc" in done[1]["metrics"] and "test_acc" not in done[1]["metrics"]  # named by its split
    accuracy = next(row for row in compared["metrics"] if row["metric"] == "acc")
    assert accuracy["values"] == [done[0]["metrics"]["test_acc"], done[1]["metrics"]["val_acc"]]
    assert accuracy["deltas"][0] == 0

    csv_file = server.client.get(f"{api}/tests/{done[0]['id']}/download", params={"format": "csv"})
    assert csv_file.headers["content-type"].startswith("text/csv"), csv_file.text
    assert len(csv_file.text.strip().splitlines()) == 19 and "correct" in csv_file.text.splitlines()[0]
    as_json = server.client.get(f"{api}/tests/{done[0]['id']}/download").json()
    assert len(as_json["records"]) == 18 and as_json["report"]["metrics"] == got

    refused = server.client.post(f"{api}/tests", json={"checkpoint": "epoch:99"})
    assert refused.status_code == 422 and "best, last" in refused.json()["error"]["message"]
    other = make_image_folder(server.home / "data" / "other", classes=("x", "y"), splits=("test",))
    assert other.is_dir()
    mismatch = server.client.post(f"{api}/tests", json={"dataset": "other"})
    assert mismatch.status_code == 422 and "classes" in mismatch.json()["error"]["message"]


def test_predict_answers_json_and_overlays_caches_the_model_and_batches_requests(trained: tuple[Server, str]):
    server, run_id = trained
    url = f"/api/v1/runs/{run_id}/predict"
    image = Image.open(server.home / "data" / "three" / "test" / "b" / "0.png")
    files = [
        ("files", ("one.png", png_bytes(image), "image/png")),
        ("files", ("two.png", png_bytes(image), "image/png")),
    ]
    first = server.client.post(url, files=files, data={"overlay": "true"}, timeout=120)
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["predictions"]) == 2 and body["predictions"][0]["class_name"] in ("a", "b", "c")
    assert len(body["predictions"][0]["top_k"]) == 3
    overlay = Image.open(io.BytesIO(__import__("base64").b64decode(body["predictions"][0]["overlay_png"])))
    assert overlay.size[0] >= 24
    again = server.client.post(url, files=files[:1]).json()
    assert again["cached"] is True and body["cached"] is False
    assert again["predictions"][0]["confidence"] == pytest.approx(body["predictions"][0]["confidence"], abs=1e-6)

    def refused(name: str, data: bytes) -> tuple[int, str]:
        response = server.client.post(url, files=[("files", (name, data, "application/octet-stream"))])
        return response.status_code, response.json()["error"]["message"]

    status, message = refused("notes.txt", b"not an image at all")
    assert status == 415 and "not an image" in message
    bomb = png_bytes(Image.new("1", (12_000, 12_000)))
    status, message = refused("bomb.png", bomb)
    assert (status == 413 and "limit" in message) or "bomb" in message
    status, message = refused("cmyk.jpg", png_bytes(Image.new("CMYK", (32, 32)), "JPEG"))
    assert status == 422 and "CMYK" in message
    assert server.client.post(url, data={"overlay": "true"}).status_code in (411, 422)
    assert server.client.post(url, files=files, data={"checkpoint": "nope"}).status_code == 422
    assert server.client.post(url, files=files, data={"runtime": "tensorrt"}).status_code == 422
    named = server.client.post(url, files=files, data={"runtime": "onnx"})
    assert named.status_code == 409 and named.json()["error"]["code"] == "no_serving_export"
    assert again["runtime"] == "torch" and again["export"] is None  # no export yet: auto runs the checkpoint

    pictures = sorted((server.home / "data" / "three" / "test").glob("*/*.png"))[:8]
    alone = [
        server.client.post(url, files=[("files", ("p.png", p.read_bytes(), "image/png"))]).json() for p in pictures
    ]
    assert all(a["timings"]["batch_images"] == 1 for a in alone)
    for _ in range(5):  # eight clients at once: their requests go through the model together
        together = concurrent_predictions(server, url, pictures)
        if max(t["timings"]["batch_images"] for t in together) > 1:
            break
    assert max(t["timings"]["batch_images"] for t in together) > 1
    for one, many in zip(alone, together, strict=True):
        (first,), (second,) = one["predictions"], many["predictions"]
        assert first["class_name"] == second["class_name"]
        assert first["confidence"] == pytest.approx(second["confidence"], abs=1e-5)


def concurrent_predictions(server: Server, url: str, pictures: list[Path]) -> list[dict]:
    """One request per picture, each from its own client, sent at once; the answers in the pictures' order."""
    start = threading.Barrier(len(pictures))

    def send(picture: Path) -> dict:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            start.wait()
            response = client.post(url, files=[("files", ("p.png", picture.read_bytes(), "image/png"))])
            assert response.status_code == 200, response.text
            return response.json()

    with ThreadPoolExecutor(len(pictures)) as pool:
        return list(pool.map(send, pictures))
