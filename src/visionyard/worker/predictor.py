"""``visionyard predictor SOCKET``: the process that runs models for the predict endpoint.

It keeps the most recently used models loaded (checkpoints, or exports with their own runtime; keyed
by file and its modification time, so a checkpoint rewritten by training is loaded afresh), runs one
request at a time, and exits when its parent (the API server) is gone.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from PIL import Image

from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.data import drawing
from visionyard.engine.export.runtimes import load_runtime
from visionyard.engine.predictions import preprocess, to_predictions
from visionyard.plugins.catalog import PluginCatalog, catalog_for

log = logging.getLogger("visionyard.predictor")
CACHED_MODELS = 4
TOP_K = 5


class Model(Protocol):
    def infer_batch(self, inputs: Any) -> Any: ...


class ModelCache:
    """Loaded task modules and exports, keyed by their file and its modification time."""

    def __init__(self, catalog: PluginCatalog, capacity: int = CACHED_MODELS):
        self.catalog, self.capacity = catalog, capacity
        self._models: OrderedDict[tuple[str, str, int], Model] = OrderedDict()

    def get(self, model: str, config: dict[str, Any], classes: list[str], checkpoint: Path) -> tuple[Model, bool]:
        """The task module with the checkpoint's weights, and whether it was cached."""

        def load() -> Model:
            plugin = self.catalog.load_class(model)(config, classes)
            plugin.build()
            plugin.load_checkpoint(checkpoint)
            return plugin.training_module().eval()

        return self._cached(model, checkpoint, load)

    def export(self, format: str, path: Path, task: str) -> tuple[Model, bool]:
        """An export loaded with its own runtime, and whether it was cached."""
        return self._cached(format, path, lambda: load_runtime(format, path, task))

    def _cached(self, kind: str, path: Path, load: Callable[[], Model]) -> tuple[Model, bool]:
        key = (kind, str(path), path.stat().st_mtime_ns)
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key], True
        self._models[key] = loaded = load()
        while len(self._models) > self.capacity:
            self._models.popitem(last=False)
        return loaded, False


class Predictor:
    def __init__(self, cache: ModelCache):
        self.cache = cache
        self._lock = threading.Lock()

    def predict(self, request: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        task, classes = request["task"], request["classes"]
        cfg = TrainingConfig.from_run_config(request["config"])
        with self._lock:
            export = request.get("export")
            if export:
                module, cached = self.cache.export(export["format"], Path(export["path"]), task)
            else:
                module, cached = self.cache.get(
                    request["model"], request["config"], classes, Path(request["checkpoint"])
                )
            loaded = time.perf_counter()
            images = [_open(item) for item in request["images"]]
            sizes = [(pair[1] if task == "change_detection" else pair).size for pair in images]
            with torch.inference_mode():
                outputs = module.infer_batch(preprocess(task, cfg, images))
            raw = to_predictions(task, outputs, sizes, classes, cfg.preprocessing.image_size)
        inferred = time.perf_counter()
        threshold = float(request.get("score_threshold", 0.25))
        predictions = [shape(task, p, classes, threshold) for p in raw]
        overlays = [
            drawing.to_png(overlay(task, image, shaped, r.get("mask"), classes)) if request.get("overlay") else None
            for image, shaped, r in zip(images, predictions, raw, strict=True)
        ]
        return {
            "predictions": predictions,
            "overlays": overlays,
            "cached": cached,
            "timings": {
                "load_ms": round((loaded - started) * 1000, 3),
                "inference_ms": round((inferred - loaded) * 1000, 3),
            },
        }


def shape(task: str, p: dict[str, Any], classes: list[str], threshold: float) -> dict[str, Any]:
    """A prediction as the API answers it: top-k classes, detections over the threshold, masks as PNG."""
    if task == "classification":
        scores, labels = p["probabilities"].topk(min(TOP_K, len(classes)))
        top = [
            {"label": int(label), "class_name": classes[int(label)], "confidence": float(score)}
            for score, label in zip(scores, labels, strict=True)
        ]
        return {"label": p["label"], "class_name": p["class_name"], "confidence": p["confidence"], "top_k": top}
    if task == "detection":
        keep = [i for i, score in enumerate(p["scores"]) if score >= threshold]
        return {key: [p[key][i] for i in keep] for key in ("boxes", "labels", "class_names", "scores")}
    mask = p["mask"]
    shaped = {k: v for k, v in p.items() if k != "mask"}
    shaped["mask_png"] = base64.b64encode(drawing.to_png(Image.fromarray(mask))).decode("ascii")
    if task == "segmentation":
        counts = np.bincount(mask.ravel(), minlength=len(classes))
        shaped["class_fractions"] = {classes[c]: float(n / mask.size) for c, n in enumerate(counts) if n}
    return shaped


def overlay(task: str, image: Any, p: dict[str, Any], mask: np.ndarray | None, classes: list[str]) -> Image.Image:
    if task == "classification":
        return drawing.caption(image, f"{p['class_name']} {p['confidence']:.2f}")
    if task == "detection":
        return drawing.draw_boxes(image, p["boxes"], p["labels"], classes, p["scores"])
    assert mask is not None
    if task == "change_detection":
        return drawing.overlay_mask(image[1], mask, 2)
    return drawing.overlay_mask(image, mask, len(classes))


def _open(item: Any) -> Any:
    if isinstance(item, (list, tuple)):
        return tuple(_open(part) for part in item)
    with Image.open(io.BytesIO(item)) as image:
        return image.convert("RGB")


def serve(address: str, key: bytes) -> None:
    settings = Settings()
    predictor = Predictor(ModelCache(catalog_for(settings)))
    listener = Listener(address, family="AF_UNIX", authkey=key)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    log.info("predictor listening on %s", address)
    while True:
        try:
            connection = listener.accept()
        except Exception:
            log.exception("a connection was refused")
            continue
        threading.Thread(target=_answer, args=(predictor, connection), daemon=True).start()


def _answer(predictor: Predictor, connection: Connection) -> None:
    with connection:
        while True:
            try:
                request = connection.recv()
            except (EOFError, OSError):
                return
            try:
                reply = predictor.predict(request)
            except Exception as exc:
                log.exception("prediction failed")
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            connection.send(reply)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    log.info("the server is gone; predictor exits")
    sys.stdout.flush()
    os._exit(0)
