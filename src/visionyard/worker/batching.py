"""Dynamic batching for the predictor: requests for the same model that arrive together run as one batch.

One thread runs every model call. It takes the oldest request and adds the queued ones for the same
model, up to ``max_batch`` images; while other requests are still being decoded it waits for them, at
most ``max_wait`` seconds. A lone request never waits: nothing else is arriving.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

log = logging.getLogger("visionyard.predictor")


class Model(Protocol):
    def infer_batch(self, inputs: Any) -> Any: ...


@dataclass(eq=False)
class _Pending:
    key: Hashable
    model: Model
    inputs: Any
    count: int
    done: threading.Event = field(default_factory=threading.Event)
    outputs: Any = None
    error: BaseException | None = None
    batch_images: int = 0


class Batcher:
    def __init__(self, max_batch: int, max_wait: float):
        self.max_batch, self.max_wait = max_batch, max_wait
        self._changed = threading.Condition()
        self._queue: deque[_Pending] = deque()
        self._arriving = 0
        threading.Thread(target=self._serve, name="predictor-batches", daemon=True).start()

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Around a request's preparation (model loading, decoding) before it is queued with :meth:`infer`."""
        with self._changed:
            self._arriving += 1
        try:
            yield
        finally:
            with self._changed:
                self._arriving -= 1
                self._changed.notify_all()

    def infer(self, key: Hashable, model: Model, inputs: Any, count: int) -> tuple[Any, int]:
        """The model's outputs for these ``count`` images (as ``infer_batch`` answers them), and the number of
        images in the batch they ran in. ``key`` names the model and its settings: equal keys batch together."""
        pending = _Pending(key, model, inputs, count)
        with self._changed:
            self._queue.append(pending)
            self._changed.notify_all()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.outputs, pending.batch_images

    def _serve(self) -> None:
        while True:
            batch = self._next_batch()
            try:
                self._run(batch)
            except Exception:
                log.warning("a batch of %d requests failed; each is run on its own", len(batch), exc_info=True)
                for pending in batch:
                    self._run([pending])

    def _run(self, batch: list[_Pending]) -> None:
        """Outputs (or its error, for a lone request) on each request; a batch's error is raised."""
        images = sum(p.count for p in batch)
        try:
            with torch.inference_mode():
                outputs = batch[0].model.infer_batch(join([p.inputs for p in batch]))
            for pending, part in zip(batch, split(outputs, [p.count for p in batch]), strict=True):
                pending.outputs, pending.batch_images = part, images
        except Exception as exc:
            if len(batch) > 1:
                raise
            batch[0].error = exc
        for pending in batch:
            pending.done.set()

    def _next_batch(self) -> list[_Pending]:
        with self._changed:
            while not self._queue:
                self._changed.wait()
            first = self._queue.popleft()
            batch, images, deadline = [first], first.count, time.monotonic() + self.max_wait
            while images < self.max_batch:
                fits = next((p for p in self._queue if p.key == first.key and images + p.count <= self.max_batch), None)
                if fits is not None:
                    self._queue.remove(fits)
                    batch.append(fits)
                    images += fits.count
                    continue
                left = deadline - time.monotonic()
                if not self._arriving or left <= 0:
                    break
                self._changed.wait(left)
            return batch


def join(parts: Sequence[Any]) -> Any:
    """Model inputs of several requests as one: batched tensors (or a tuple of them, one per input) joined
    along the batch, lists of images (image-list models) concatenated."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(parts)
    if isinstance(first, tuple):
        return tuple(torch.cat(column) for column in zip(*parts, strict=True))
    return [item for part in parts for item in part]


def split(outputs: Any, counts: Sequence[int]) -> list[Any]:
    """A batch's outputs back into each request's: a batched tensor, or one entry per image."""
    if len(counts) == 1:
        return [outputs]
    if isinstance(outputs, torch.Tensor):
        return list(outputs.split(list(counts)))
    if isinstance(outputs, list | tuple) and len(outputs) == sum(counts):
        starts = [sum(counts[:i]) for i in range(len(counts))]
        return [list(outputs[s : s + n]) for s, n in zip(starts, counts, strict=True)]
    raise TypeError(f"cannot split outputs of type {type(outputs).__name__} per request")
