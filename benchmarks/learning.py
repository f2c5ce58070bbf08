"""How far each task learns on its demo set on this machine's CPU, and how long it takes.

Trains one model per task with its ``quick`` preset on the full demo set (as ``visionyard train
MODEL DATASET --preset quick`` does, in this process) and prints the headline metric of the best
epoch, the epochs and the wall time. ``--ultralytics`` also trains each YOLO model with Ultralytics' own
``model.train`` on the same images (converted to its YOLO layout), epochs and image size, and prints its
mAP50-95 (its own evaluator) beside visionyard's: whether training through visionyard costs accuracy or time.

    .venv/bin/python benchmarks/learning.py [--models yolo11n fasterrcnn_mobilenet_v3_320 unet snunet_cbam] [--epochs N]
        [--set optimizer.type='"sgd"' --set lr=0.02] [--ultralytics]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from visionyard.common.tasks import headline
from visionyard.config import Settings
from visionyard.data.demo import write_demo_datasets
from visionyard.plugins.catalog import catalog_for
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run

DATASETS = {
    "classification": "shapes",
    "detection": "shapes_detection",
    "instance_segmentation": "shapes_detection",  # its shapes are polygons too
    "segmentation": "shapes_segmentation",
    "change_detection": "shapes_change",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", default=["yolo11n", "fasterrcnn_mobilenet_v3_320", "unet", "snunet_cbam"]
    )
    parser.add_argument("--ultralytics", action="store_true", help="YOLO models also through Ultralytics' trainer")
    parser.add_argument("--epochs", type=int, help="instead of the preset's")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override (JSON value)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="vy-learning-"))
    settings = Settings(home=home)
    write_demo_datasets(settings.data_root)
    registry = catalog_for(settings)
    rows = []
    for model in args.models:
        task = registry.get(model).task
        workers = min(4, (os.cpu_count() or 2) - 1)  # leave a core to the training process
        overrides = {"data.num_workers": workers, "hardware.accelerator": "cpu"}
        if args.epochs:
            overrides["epochs"] = args.epochs
        for item in args.set:
            key, _, value = item.partition("=")
            overrides[key] = json.loads(value)
        request = prepare_run(settings, registry, model, DATASETS[task], overrides, preset="quick")
        start = time.perf_counter()
        outcome = execute_run(replace(request, progress=False), settings, registry)
        seconds = time.perf_counter() - start
        metric = headline(task)
        best = outcome.best_metrics.get(metric, float("nan"))
        shown = ("val_map50", "val_box_map", "val_mask_map50", "val_iou", "val_dice")
        extra = {k: v for k, v in outcome.best_metrics.items() if k in shown}
        rows.append((model, task, metric, best, extra, outcome.epochs_completed, seconds, outcome.status))
        if args.ultralytics and registry.get(model).metadata.framework == "ultralytics":
            rows.append(ultralytics_train(settings, model, request.config, workers))
    print(f"\n{'model':30} {'task':21} {'metric':12} {'best':>7}  {'epochs':>6} {'seconds':>8}  also")
    for model, task, metric, best, extra, epochs, seconds, status in rows:
        also = ", ".join(f"{k}={v:.3f}" for k, v in extra.items())
        print(f"{model:30} {task:21} {metric:12} {best:7.3f}  {epochs:6d} {seconds:8.1f}  {also} {status}")
    print(f"\nCPU cores: {os.cpu_count()}; runs in {home}")


def ultralytics_train(settings: Settings, model: str, config: dict, workers: int) -> tuple:
    """The same model, images, epochs, image size and batch through Ultralytics' own trainer (its defaults
    otherwise: SGD/auto optimiser, mosaic, its augmentations), from scratch, on the CPU."""
    from visionyard.engine.adapters.ultralytics import offline

    offline()
    from ultralytics import YOLO

    data = yolo_layout(settings.data_root / DATASETS["detection"], settings.root / "yolo-shapes")
    start = time.perf_counter()
    trained = YOLO(f"{model}.yaml")
    trained.train(
        data=str(data),
        epochs=config["epochs"],
        imgsz=config["preprocessing"]["image_size"],
        batch=config["batch_size"],
        device="cpu",
        workers=workers,
        pretrained=False,
        amp=False,
        plots=False,
        project=str(settings.root / "ultralytics-runs"),
        verbose=False,
        seed=config["seed"],
    )
    seconds = time.perf_counter() - start
    metrics = trained.val(data=str(data), imgsz=config["preprocessing"]["image_size"], device="cpu", plots=False)
    extra = {"val_map50": float(metrics.box.map50)}
    return (
        f"{model} (Ultralytics' train)",
        "detection",
        "mAP50-95",
        float(metrics.box.map),
        extra,
        config["epochs"],
        seconds,
        "own evaluator",
    )


def yolo_layout(coco: Path, target: Path) -> Path:
    """The demo's COCO splits as Ultralytics' YOLO layout (images/<split>, labels/<split>, data.yaml)."""
    names: list[str] = []
    for split in ("train", "val"):
        annotations = json.loads((coco / split / "annotations.json").read_text())
        names = [c["name"] for c in sorted(annotations["categories"], key=lambda c: c["id"])]
        ids = {c["id"]: i for i, c in enumerate(sorted(annotations["categories"], key=lambda c: c["id"]))}
        boxes: dict[int, list[dict]] = {}
        for a in annotations["annotations"]:
            boxes.setdefault(a["image_id"], []).append(a)
        (target / "images" / split).mkdir(parents=True, exist_ok=True)
        (target / "labels" / split).mkdir(parents=True, exist_ok=True)
        for image in annotations["images"]:
            source = coco / split / "images" / Path(image["file_name"]).name
            (target / "images" / split / source.name).write_bytes(source.read_bytes())
            w, h = image["width"], image["height"]
            lines = []
            for a in boxes.get(image["id"], []):
                x, y, bw, bh = a["bbox"]
                lines.append(
                    f"{ids[a['category_id']]} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}"
                )
            (target / "labels" / split / f"{source.stem}.txt").write_text("\n".join(lines))
    (target / "data.yaml").write_text(
        json.dumps({"path": str(target), "train": "images/train", "val": "images/val", "names": names})
    )
    return target / "data.yaml"


if __name__ == "__main__":
    main()
