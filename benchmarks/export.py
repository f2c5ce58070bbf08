"""Every export format against eager PyTorch: size, metric delta, latency and throughput.

Two runs are trained in a scratch home (a ResNet-18 at 224x224 for one epoch on generated colour
images, and a Faster R-CNN MobileNetV3 for eight epochs on 16 generated shapes images at 64x64, enough
for it to find boxes over the score threshold so that box parity is compared), then each available
format is exported ``--repeats`` times with ``visionyard export``. Inside each export job the PyTorch
model and the export take turns call by call (batch 1 for latency, ``--batch`` for throughput) with
the same thread count (``--threads``, torch and the export runtime alike). Printed per model and
format: size, metric delta from PyTorch, the median over repeats of PyTorch's and the export's p50
latency, their ratio, p95 and images per second.

    .venv/bin/python benchmarks/export.py [--repeats 3 --runs 50 --threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import make_colour_images

MODELS = {
    "resnet18": ("rgb", ["--set=preprocessing.image_size=224", "--epochs=1", "--batch-size=8"]),
    "fasterrcnn_mobilenet_v3_320": (
        "boxes",
        ["--set=preprocessing.image_size=64", "--epochs=8", "--batch-size=4", "--set=lr=0.002"],
    ),
}


def cli(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "visionyard", *args, "--json"], env=env, capture_output=True, text=True
    )
    if not done.stdout.strip():
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="exports per format (medians are taken over them)")
    parser.add_argument("--runs", type=int, default=50, help="timed batch-1 calls per side in each export")
    parser.add_argument("--batch", type=int, default=8, help="batch size of the throughput measurement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    args = parser.parse_args()

    from visionyard.common.export_formats import available_formats
    from visionyard.data.demo_dense import write_shapes_detection

    home = Path(tempfile.mkdtemp(prefix="visionyard-bench-export-"))
    threads = str(args.threads)
    env = {**os.environ, "VISIONYARD_HOME": str(home), "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
    make_colour_images(home / "data" / "rgb")
    write_shapes_detection(home / "data" / "boxes", counts={"train": 16, "val": 8}, size=64)
    report = {}
    for model in args.models:
        dataset, config = MODELS[model]
        trained = cli(env, "train", model, dataset, "--set=data.num_workers=0", *config)
        run_id = trained["run_id"]
        rows = {}
        for format in available_formats():
            options = ["-o", f"benchmark_runs={args.runs}", "-o", f"throughput_batch={args.batch}"]
            results = [cli(env, "export", run_id, "--format", format, *options) for _ in range(args.repeats)]
            rows[format] = summarise(results)
            print(model, format, json.dumps(rows[format]), file=sys.stderr)
        report[model] = {"run_id": run_id, "threads": args.threads, "formats": rows}
    print(json.dumps(report, indent=2))


def summarise(results: list[dict]) -> dict:
    def median(side: str, key: str) -> float:
        return round(statistics.median(r["benchmark"][side][key] for r in results), 3)

    first = results[0]
    parity = first["parity"]
    torch_p50, export_p50 = median("pytorch", "p50_ms"), median("export", "p50_ms")
    return {
        "statuses": [r["status"] for r in results],
        "size_mb": first["size_mb"],
        "metric": parity["metric"],
        "pytorch_metric": parity["pytorch_metric"],
        "metric_delta": parity["metric_delta"],
        "agreement": parity["agreement"],
        "max_abs_diff": parity["max_abs_diff"],
        "pytorch_p50_ms": torch_p50,
        "export_p50_ms": export_p50,
        "speedup": round(torch_p50 / export_p50, 3),
        "export_p95_ms": median("export", "p95_ms"),
        "pytorch_images_per_s": median("pytorch", "images_per_s"),
        "export_images_per_s": median("export", "images_per_s"),
    }


if __name__ == "__main__":
    main()
