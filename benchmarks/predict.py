"""Single-image prediction latency through HTTP against the plain model call, in one run.

A ResNet-18 is trained for one epoch on a small generated dataset at 224x224 (so the run has a real
checkpoint), a real ``visionyard serve`` is started, and then, taking turns one call each:

- HTTP: ``POST /api/v1/runs/{id}/predict`` with one 224x224 JPEG on a keep-alive client (the
  predictor process already holds the model: a warm-up call is made first);
- plain: the same checkpoint's model called in this process on the already preprocessed tensor
  (``module.infer_batch`` under ``torch.inference_mode``), with as many torch threads as the
  predictor process uses.

It prints p50/p95 of both, the p50 difference (target: HTTP within 5 ms of the plain call) and
the ratio, as the median over the repeats.

    .venv/bin/python benchmarks/predict.py [--calls 60 --repeats 3]
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
from pathlib import Path

import httpx
import numpy as np
from common import make_colour_images
from PIL import Image

from visionyard.core.runs import get_run

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=60, help="calls of each kind per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="visionyard-bench-predict-"))
    env = {**os.environ, "VISIONYARD_HOME": str(home)}
    make_colour_images(home / "data" / "rgb")
    config = ["--set=preprocessing.image_size=224", "--set=data.num_workers=0", "--batch-size=8", "--epochs=1"]
    trained = subprocess.run(
        [sys.executable, "-m", "visionyard", "train", "resnet18", "rgb", *config, "--json"],
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
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
    try:
        for _ in range(600):
            try:
                if client.get("/ping").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        figures = measure(home, run_id, client, args.calls, args.repeats)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(figures, indent=2))


def measure(home: Path, run_id: str, client: httpx.Client, calls: int, repeats: int) -> dict[str, float]:
    import torch

    os.environ["VISIONYARD_HOME"] = str(home)
    from visionyard.common.training_config import TrainingConfig
    from visionyard.core.context import Context
    from visionyard.engine.predictions import preprocess
    from visionyard.engine.tasks.kit import kit
    from visionyard.worker.predictor import ModelCache

    ctx = Context()
    with ctx.db.session() as session:
        run = get_run(session, run_id)
        model, config = run.model, dict(run.config)
    classes = json.loads((ctx.settings.runs_dir / run_id / "run.json").read_text())["classes"]
    checkpoint = ctx.settings.runs_dir / run_id / "checkpoints" / "best.ckpt"
    module, _ = ModelCache(ctx.catalog()).get(model, config, classes, checkpoint)

    image = Image.open(next((home / "data" / "rgb" / "val" / "red").iterdir())).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    upload = [("files", ("image.jpg", buffer.getvalue(), "image/jpeg"))]
    tensor = preprocess(kit("classification"), TrainingConfig.from_run_config(config), [(image,)])

    url = f"/api/v1/runs/{run_id}/predict"
    warm = client.post(url, files=upload)
    warm.raise_for_status()
    with torch.inference_mode():
        module.infer_batch(tensor)

    rounds = []
    for _ in range(repeats):
        http_ms, plain_ms = [], []
        for _ in range(calls):
            started = time.perf_counter()
            response = client.post(url, files=upload)
            http_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and response.json()["cached"], response.text
            started = time.perf_counter()
            with torch.inference_mode():
                module.infer_batch(tensor)
            plain_ms.append((time.perf_counter() - started) * 1000)
        rounds.append(
            {
                "http_p50_ms": percentile(http_ms, 50),
                "http_p95_ms": percentile(http_ms, 95),
                "plain_p50_ms": percentile(plain_ms, 50),
                "plain_p95_ms": percentile(plain_ms, 95),
            }
        )
    figures = {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}
    figures["p50_difference_ms"] = round(figures["http_p50_ms"] - figures["plain_p50_ms"], 2)
    figures["p50_ratio"] = round(figures["http_p50_ms"] / figures["plain_p50_ms"], 3)
    figures["torch_threads"] = torch.get_num_threads()
    figures["load_average"] = round(os.getloadavg()[0], 2)
    return figures


if __name__ == "__main__":
    main()
