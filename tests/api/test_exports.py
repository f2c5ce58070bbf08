"""Exports through the API: requests checked up front, export jobs run by real workers, parity and
benchmark numbers, self-describing files, and predictions from a downloaded ONNX file in a bare
onnxruntime session equal to the service's."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.helpers import TINY, make_image_folder
from tests.server import Server


def wait_export(server: Server, run_id: str, export_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = server.client.get(f"/api/v1/runs/{run_id}/exports/{export_id}").json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.2)
    raise TimeoutError(f"export {export_id} did not finish")


def test_export_requests_are_checked_before_queueing(api_home: Path, client: TestClient):
    make_image_folder(api_home / "data" / "three")
    run_id = client.post("/api/v1/runs", json={"model": "small_cnn", "dataset": "three"}).json()["id"]
    url = f"/api/v1/runs/{run_id}/exports"

    unknown = client.post(url, json={"format": "onnx-int8"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "invalid_export"
    assert "onnx, onnx_int8, torchscript, openvino, tensorrt, coreml" in unknown.json()["error"]["message"]

    stray = client.post(url, json={"format": "torchscript", "options": {"opset": 13}}).json()["error"]
    assert "'opset' does not belong to format 'torchscript'" in stray["message"]
    assert "valid options: max_abs_diff" in stray["message"]
    bad = client.post(url, json={"format": "onnx", "options": {"opset": 99}})
    assert bad.status_code == 422 and "opset" in bad.json()["error"]["message"]
    unavailable = client.post(url, json={"format": "tensorrt"})
    assert unavailable.status_code == 422 and "not available on this host" in unavailable.json()["error"]["message"]

    nothing_yet = client.post(url, json={"format": "onnx"})
    assert nothing_yet.status_code == 409 and nothing_yet.json()["error"]["code"] == "no_checkpoint"
    assert client.post("/api/v1/runs/20990101-000000-abcdef/exports", json={"format": "onnx"}).status_code == 404

    catalog = {f["format"]: f for f in client.get("/api/v1/exports/formats").json()}
    assert catalog["onnx"]["available"] and "opset" in catalog["onnx"]["options"]
    assert not catalog["coreml"]["available"] and "macOS" in catalog["coreml"]["reason"]
    assert catalog["onnx_int8"]["options"]["mode"]["enum"] == ["static", "dynamic"]


def bare_onnx_prediction(model: Path, sidecar: dict, image: Image.Image) -> tuple[str, float]:
    """What a deployment without visionyard does with the two downloaded files."""
    pre = sidecar["preprocessing"]
    size = (pre["resize"]["width"], pre["resize"]["height"])
    x = np.asarray(image.convert("RGB").resize(size, Image.BILINEAR), dtype=np.float32) * pre["scale"]
    x = (x - np.array(pre["normalize"]["mean"])) / np.array(pre["normalize"]["std"])
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    [logits] = session.run(None, {sidecar["inputs"][0]["name"]: x.transpose(2, 0, 1)[None].astype(np.float32)})
    p = np.exp(logits[0] - logits[0].max())
    p /= p.sum()
    return sidecar["class_names"][int(p.argmax())], float(p.max())


@pytest.mark.slow
def test_an_onnx_export_is_checked_benchmarked_and_predicts_like_the_service(
    api_home: Path, server: Server, tmp_path: Path
):
    make_image_folder(api_home / "data" / "three", splits=("train", "val", "test"), per_class=6)
    body = {"model": "small_cnn", "dataset": "three", "config": {**TINY, "epochs": 2}}
    run_id = server.client.post("/api/v1/runs", json=body).json()["id"]
    assert server.wait_for(run_id, ("completed", "failed"), timeout=180)["status"] == "completed"
    api = f"/api/v1/runs/{run_id}"
    picture = io.BytesIO()
    Image.open(api_home / "data" / "three" / "test" / "a/0.png").save(picture, format="PNG")
    one = [("files", ("image.png", picture.getvalue(), "image/png"))]
    before = server.client.post(f"{api}/predict", files=one, timeout=120).json()
    assert (before["runtime"], before["export"]) == ("torch", None)  # no export yet (kept until the run's log moves)

    queued = server.client.post(f"{api}/exports", json={"format": "onnx", "options": {"opset": 17}})
    assert queued.status_code == 202, queued.text
    export = wait_export(server, run_id, queued.json()["id"])
    assert export["status"] == "completed", export["error"]
    parity = export["parity"]
    assert parity["agreement"] == 1.0 and parity["max_abs_diff"] < 1e-4 and parity["images"] == 18
    assert parity["export_metric"] == pytest.approx(parity["pytorch_metric"])
    assert export["benchmark"]["export"]["p50_ms"] > 0 and export["size_mb"] > 0
    sidecar = export["sidecar"]
    assert sidecar["class_names"] == ["a", "b", "c"] and sidecar["task"] == "classification"
    assert sidecar["preprocessing"]["resize"]["width"] == 32 and sidecar["batch"] == "dynamic"
    assert "onnxruntime" in export["snippet"]

    downloaded = server.client.get(f"{api}/exports/{export['id']}/download")
    assert downloaded.status_code == 200
    model = tmp_path / "model.onnx"
    model.write_bytes(downloaded.content)
    meta = {p.key: p.value for p in onnx.load(str(model)).metadata_props}
    assert json.loads(meta["visionyard"]) == sidecar and json.loads(meta["class_names"]) == ["a", "b", "c"]
    (tmp_path / "model.json").write_bytes(
        server.client.get(f"{api}/exports/{export['id']}/download?file=model.json").content
    )
    assert server.client.get(f"{api}/exports/{export['id']}/download?file=../run.json").status_code == 404
    listed = {d["name"]: d["size_bytes"] for d in export["downloads"]}
    assert listed.keys() == {"model.onnx", "model.json", "DEPLOY.md"}
    for name, size in listed.items():
        assert len(server.client.get(f"{api}/exports/{export['id']}/download", params={"file": name}).content) == size

    for name in ("a/0.png", "b/1.png", "c/2.png"):
        image = Image.open(api_home / "data" / "three" / "test" / name)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        files = [("files", ("image.png", buffer.getvalue(), "image/png"))]
        torch_answer = server.client.post(f"{api}/predict", files=files, data={"runtime": "torch"}, timeout=120)
        assert torch_answer.json()["runtime"] == "torch" and torch_answer.json()["export"] is None
        served = torch_answer.json()["predictions"][0]
        by_export = server.client.post(f"{api}/predict", files=files, data={"export": export["id"]}, timeout=120)
        assert by_export.json()["export"] == {"id": export["id"], "format": "onnx"}
        exported = by_export.json()["predictions"][0]
        auto = server.client.post(f"{api}/predict", files=files, timeout=120).json()  # the checked export by default
        assert (auto["runtime"], auto["export"]) == ("onnx", {"id": export["id"], "format": "onnx"})
        label, confidence = bare_onnx_prediction(model, sidecar, image)
        assert label == served["class_name"] == exported["class_name"] == auto["predictions"][0]["class_name"]
        assert confidence == pytest.approx(exported["confidence"], abs=1e-3)
        assert auto["predictions"][0]["confidence"] == pytest.approx(exported["confidence"], abs=1e-6)
        # within the export's own parity tolerance of the checkpoint's answer
        tolerance = export["tolerance"]["max_abs_diff"]
        assert auto["predictions"][0]["confidence"] == pytest.approx(served["confidence"], abs=tolerance)
        assert confidence == pytest.approx(served["confidence"], abs=1e-2)

    image.save(tmp_path / "image.jpg", quality=100)
    script = export["snippet"].split("```python\n")[1].split("```")[0]
    ran = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout.split()[0] in ("a", "b", "c"), ran.stderr

    strict = {"format": "onnx_int8", "options": {"max_abs_diff": 0.0, "calibration_images": 8}}
    failed = wait_export(server, run_id, server.client.post(f"{api}/exports", json=strict).json()["id"])
    assert failed["status"] == "failed_parity" and "max abs diff" in failed["error"]
    assert failed["parity"]["max_abs_diff"] > 0 and failed["size_mb"] < export["size_mb"]
    refused = server.client.post(f"{api}/predict", files=files, data={"export": failed["id"]})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "export_failed_parity"

    table = server.client.get(f"{api}/benchmark").json()["rows"]
    assert [row["format"] for row in table] == ["pytorch", "onnx", "onnx_int8"]
    assert all(row["ms_per_image"] > 0 and row["images_per_s"] > 0 for row in table)
    assert all(row["images"] == 18 and row["batch"] > 1 and row["hardware"].startswith("CPU: ") for row in table)
    assert len(server.client.get(f"{api}/exports").json()) == 2
    assert server.client.delete(f"{api}/exports/{failed['id']}").status_code == 204
    assert len(server.client.get(f"{api}/exports").json()) == 1
    assert server.client.post(f"{api}/predict", files=one, timeout=120).json()["runtime"] == "onnx"
    assert server.client.delete(f"{api}/exports/{export['id']}").status_code == 204
    after = server.client.post(f"{api}/predict", files=one, timeout=120).json()
    assert (after["runtime"], after["export"]) == ("torch", None)
