"""Prediction speed through HTTP against the runtimes themselves, in one run.

A ResNet-18 is trained for one epoch on a small generated dataset (so the run has a real checkpoint),
exported to ONNX through the API (parity checked), and a real ``visionyard serve`` is started. Then,
taking turns one call each, a lone client measures:

- ``ort``: bare onnxruntime on the export's file, as its DEPLOY.md does it: the JPEG decoded and
  preprocessed with PIL and numpy, one ``session.run`` (the limit);
- ``http_auto``: ``POST /api/v1/runs/{id}/predict`` with the JPEG (runtime ``auto``: the export);
- ``http_torch``: the same with ``runtime=torch`` (the checkpoint in PyTorch);
- ``eager``: the checkpoint's model called in this process on the already preprocessed tensor.

Then 8 clients at once send ``--burst`` requests each over HTTP (runtime ``auto``), against bare
onnxruntime decoding and running the same number of images in batches of 8, alternating.

It prints p50/p95 per path and the images/s of both, each the median over the repeats, with the
targets: lone HTTP p50 within 5 ms of bare onnxruntime; 8-client throughput at least 0.8 of it.

    .venv/bin/python benchmarks/predict.py [--size 224 --calls 40 --burst 12 --repeats 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from common import make_colour_images
from PIL import Image

CLIENTS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=224, help="the model's input size (and the images')")
    parser.add_argument("--calls", type=int, default=40, help="lone calls of each kind per repeat")
    parser.add_argument("--burst", type=int, default=12, help="requests per client in the throughput test")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="visionyard-bench-predict-"))
    env = {**os.environ, "VISIONYARD_HOME": str(home)}
    make_colour_images(home / "data" / "rgb", size=args.size)
    config = [f"--set=preprocessing.image_size={args.size}", "--set=data.num_workers=0", "--batch-size=8"]
    trained = subprocess.run(
        [sys.executable, "-m", "visionyard", "train", "resnet18", "rgb", *config, "--epochs=1", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    run_id = json.loads(trained.stdout.strip().splitlines()[-1])["run_id"]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "visionyard", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300)
    try:
        for _ in range(600):
            try:
                if client.get("/ping").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        export = exported(client, run_id)
        figures = measure(home, run_id, export, client, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(figures, indent=2))


def exported(client: httpx.Client, run_id: str) -> dict:
    """The run's ONNX export, queued and waited for (it serves only when its parity check passed)."""
    queued = client.post(f"/api/v1/runs/{run_id}/exports", json={"format": "onnx"})
    queued.raise_for_status()
    while (export := client.get(f"/api/v1/runs/{run_id}/exports/{queued.json()['id']}").json())["status"] in (
        "queued",
        "running",
    ):
        time.sleep(0.5)
    assert export["status"] == "completed", export
    return export


class BareOnnx:
    """The export in onnxruntime with the sidecar's preprocessing, as a user deploys it."""

    def __init__(self, path: Path, sidecar: dict, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        # as the predictor's sessions: threads spinning after a call would take the CPU from the next path measured
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.name = self.session.get_inputs()[0].name
        pre = sidecar["preprocessing"]
        self.size = (pre["resize"]["width"], pre["resize"]["height"])
        self.mean = np.array(pre["normalize"]["mean"], dtype=np.float32)
        self.std = np.array(pre["normalize"]["std"], dtype=np.float32)
        self.scale = np.float32(pre["scale"])

    def preprocess(self, data: bytes) -> np.ndarray:
        image = Image.open(io.BytesIO(data)).convert("RGB").resize(self.size, Image.BILINEAR)
        x = (np.asarray(image, dtype=np.float32) * self.scale - self.mean) / self.std
        return x.transpose(2, 0, 1)

    def predict(self, images: list[bytes]) -> np.ndarray:
        batch = np.stack([self.preprocess(data) for data in images])
        return self.session.run(None, {self.name: batch})[0]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure(home: Path, run_id: str, export: dict, client: httpx.Client, args: argparse.Namespace) -> dict:
    import torch

    os.environ["VISIONYARD_HOME"] = str(home)
    from visionyard.common.training_config import TrainingConfig
    from visionyard.core.context import Context
    from visionyard.core.runs import get_run
    from visionyard.engine.predictions import preprocess
    from visionyard.engine.tasks.kit import kit
    from visionyard.worker.predictor import ModelCache

    ctx = Context()
    with ctx.db.session() as session:
        run = get_run(session, run_id)
        model, config = run.model, dict(run.config)
    classes = json.loads((ctx.settings.runs_dir / run_id / "run.json").read_text())["classes"]
    module, _ = ModelCache(ctx.catalog()).get(
        model, config, classes, ctx.settings.runs_dir / run_id / export["checkpoint"]
    )
    folder = ctx.settings.runs_dir / run_id / "exports" / export["id"]
    bare = BareOnnx(folder / export["files"][0], export["sidecar"], torch.get_num_threads())

    pictures = sorted((home / "data" / "rgb" / "val").glob("*/*.jpg"))
    jpegs = [p.read_bytes() for p in pictures]
    image = Image.open(pictures[0]).convert("RGB")
    tensor = preprocess(kit("classification"), TrainingConfig.from_run_config(config), [(image,)])
    url = f"/api/v1/runs/{run_id}/predict"

    def http(data: bytes, runtime: str, on: httpx.Client = client) -> dict:
        response = on.post(url, files=[("files", ("image.jpg", data, "image/jpeg"))], data={"runtime": runtime})
        response.raise_for_status()
        return response.json()

    def eager() -> None:
        with torch.inference_mode():
            module.infer_batch(tensor)

    assert http(jpegs[0], "auto")["runtime"] == "onnx" and http(jpegs[0], "torch")["runtime"] == "torch"
    eager(), bare.predict(jpegs[:1])

    stages: dict[str, list[dict[str, float]]] = {"auto": [], "torch": []}

    def staged(runtime: str) -> None:
        started = time.perf_counter()
        timings = http(jpegs[0], runtime)["timings"]
        stages[runtime].append({"total_ms": (time.perf_counter() - started) * 1000, **timings})

    lone: dict[str, Callable[[], object]] = {
        "ort": lambda: bare.predict(jpegs[:1]),
        "http_auto": lambda: staged("auto"),
        "http_torch": lambda: staged("torch"),
        "eager": eager,
    }
    clients = [httpx.Client(base_url=str(client.base_url), timeout=300) for _ in range(CLIENTS)]
    burst = [jpegs[(c * args.burst + i) % len(jpegs)] for c in range(CLIENTS) for i in range(args.burst)]

    def http_burst() -> None:
        def send(c: int) -> None:
            for i in range(args.burst):
                http(burst[c * args.burst + i], "auto", clients[c])

        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(send, range(CLIENTS)))

    def ort_batches() -> None:
        for i in range(0, len(burst), CLIENTS):
            bare.predict(burst[i : i + CLIENTS])

    rounds = []
    for _ in range(args.repeats):
        times: dict[str, list[float]] = {name: [] for name in lone}
        for _ in range(args.calls):
            for name, action in lone.items():
                times[name].append(timed(action))
        figures = {}
        for name, values in times.items():
            figures[f"{name}_p50_ms"] = float(np.percentile(values, 50))
            figures[f"{name}_p95_ms"] = float(np.percentile(values, 95))
        figures["http_8_clients_images_per_s"] = len(burst) / timed(http_burst) * 1000
        figures["ort_batch_8_images_per_s"] = len(burst) / timed(ort_batches) * 1000
        rounds.append(figures)
    for c in clients:
        c.close()

    result = {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}
    result["auto_minus_ort_p50_ms"] = round(result["http_auto_p50_ms"] - result["ort_p50_ms"], 2)
    result["throughput_ratio"] = round(
        statistics.median(r["http_8_clients_images_per_s"] / r["ort_batch_8_images_per_s"] for r in rounds), 3
    )
    result["breakdown_p50_ms"] = {runtime: breakdown(rows) for runtime, rows in stages.items()}
    result["image_size"] = args.size
    result["threads"] = torch.get_num_threads()
    result["load_average"] = round(os.getloadavg()[0], 2)
    return result


def breakdown(rows: list[dict[str, float]]) -> dict[str, float]:
    """Where a lone HTTP predict's time goes (medians): HTTP and the form in the API process, the service's checks
    there, the hand-over both ways, and the predictor's stages."""
    inside = ("load_ms", "decode_ms", "inference_ms", "answer_ms")
    parts = {
        "http_and_form_ms": [r["total_ms"] - r["checks_ms"] - r["round_trip_ms"] for r in rows],
        "checks_ms": [r["checks_ms"] for r in rows],
        "handover_ms": [r["round_trip_ms"] - sum(r[k] for k in inside) for r in rows],
        **{k: [r[k] for r in rows] for k in inside},
        "total_ms": [r["total_ms"] for r in rows],
    }
    return {name: round(statistics.median(values), 2) for name, values in parts.items()}


if __name__ == "__main__":
    main()
