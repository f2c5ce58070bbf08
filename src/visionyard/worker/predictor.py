"""``visionyard predictor SOCKET``: the process that runs models for the predict endpoint.

It keeps the most recently used models loaded (checkpoints, or exports with their own runtime; keyed
by file and its modification time, so a checkpoint rewritten by training is loaded afresh), prepares
each request on its connection's thread, runs requests for the same model that arrive together as one
batch (:mod:`visionyard.worker.batching`), and exits when its parent (the API server) is gone.
"""

from __future__ import annotations

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
from typing import Any

from PIL import Image

from visionyard.common.predict_wire import receive_request
from visionyard.common.training_config import TrainingConfig
from visionyard.config import Settings
from visionyard.data import drawing
from visionyard.engine.export.runtimes import load_runtime
from visionyard.engine.predictions import preprocess
from visionyard.engine.tasks.kit import kit
from visionyard.plugins.catalog import PluginCatalog, catalog_for
from visionyard.worker.batching import Batcher, Model

log = logging.getLogger("visionyard.predictor")
CACHED_MODELS = 4


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
    """Requests are prepared (model loaded, images decoded and preprocessed) on their own threads and their model
    calls go through one :class:`Batcher`."""

    def __init__(self, cache: ModelCache, max_batch: int = 8, max_wait_ms: float = 5.0):
        self.cache = cache
        self.batcher = Batcher(max_batch, max_wait_ms / 1000)
        self._loading = threading.Lock()

    def predict(self, request: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        task_kit, classes = kit(request["task"]), request["classes"]
        cfg = TrainingConfig.from_run_config(request["config"])
        size = cfg.preprocessing.image_size
        with self.batcher.arriving():
            with self._loading:
                export = request.get("export")
                if export:
                    path = Path(export["path"])
                    module, cached = self.cache.export(export["format"], path, task_kit.name)
                else:
                    path = Path(request["checkpoint"])
                    module, cached = self.cache.get(request["model"], request["config"], classes, path)
            loaded = time.perf_counter()
            opened = [_open(item, None if request.get("overlay") else size) for item in request["images"]]
            samples, sizes = [images for images, _ in opened], [full for _, full in opened]
            inputs = preprocess(task_kit, cfg, samples)
        prepared = time.perf_counter()
        outputs, batch_images = self.batcher.infer(id(module), module, inputs, len(samples))
        inferred = time.perf_counter()
        raw = task_kit.predictions(outputs, sizes, classes, size)
        threshold = float(request.get("score_threshold", 0.25))
        overlays = [
            drawing.to_png(task_kit.overlay(sample, p, classes, threshold)) if request.get("overlay") else None
            for sample, p in zip(samples, raw, strict=True)
        ]
        answers = [task_kit.answer(p, classes, threshold) for p in raw]
        return {
            "predictions": answers,
            "overlays": overlays,
            "cached": cached,
            "timings": {
                "load_ms": _ms(loaded - started),
                "decode_ms": _ms(prepared - loaded),
                "inference_ms": _ms(inferred - prepared),
                "answer_ms": _ms(time.perf_counter() - inferred),
                "batch_images": batch_images,
            },
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _open(item: tuple[bytes, ...], size: int | None) -> tuple[tuple[Image.Image, ...], tuple[int, int]]:
    """A sample's images decoded to RGB, and the last one's full size. With ``size``, a JPEG is decoded at the
    smallest of its DCT scales still at least ``size`` on each side (the model sees it resized to ``size``
    anyway): a large photo costs a fraction of a full decode."""
    opened, full = [], (0, 0)
    for data in item:
        with Image.open(io.BytesIO(data)) as image:
            full = image.size
            if size is not None and image.format == "JPEG":
                image.draft("RGB", (size, size))
            opened.append(image.convert("RGB"))
    return tuple(opened), full


def serve(address: str, key: bytes) -> None:
    settings = Settings()
    batching = settings.predict_max_batch, settings.predict_batch_wait_ms
    predictor = Predictor(ModelCache(catalog_for(settings)), *batching)
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
                request = receive_request(connection)
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
