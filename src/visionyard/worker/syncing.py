"""Keeping a run's folder in the artifact store while it trains.

Every checkpoint written (or removed) asks for a push of the run folder; a background thread does it,
so training never waits on the network, and requests that arrive during a push fold into one more.
An upload that fails is logged and tried again by the next push; ``close`` makes the last push, after
the outcome is in run.json, and tries a few times before it gives up (the local copy stays whole and
the next push of the folder sends whatever is missing).
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path
from typing import Any

from visionyard.common.retry import retry_call
from visionyard.config import Settings
from visionyard.engine.reporting import Reporter
from visionyard.storage.artifacts import ArtifactStore, artifact_store
from visionyard.storage.s3 import StorageError

log = logging.getLogger("visionyard.worker")


def run_pusher(settings: Settings, folder: Path) -> FolderPusher:
    """A pusher for a run folder, after pulling what the store has of it that is missing here (a run resumed
    on another host, or whose checkpoints were evicted locally), so the folder is whole before training."""
    store = artifact_store(settings)
    try:
        store.ensure_local(folder)
    except StorageError as exc:
        log.warning("%s: %s; training goes on with the local files and removes nothing from the store", folder, exc)
        return FolderPusher(store, folder)
    return FolderPusher(store, folder, remove_deleted=True)  # whole here: what the run deletes goes from the store


class FolderPusher:
    """Pushes one folder in the background when asked; ``close`` waits for it and pushes a last time."""

    def __init__(
        self, store: ArtifactStore, folder: Path, remove_deleted: bool = False, attempts: int = 3, backoff: float = 1.0
    ):
        self.store, self.folder, self.remove_deleted = store, folder, remove_deleted
        self.attempts, self.backoff = attempts, backoff
        self._wanted = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def request(self) -> None:
        if not self.store.remote:
            return
        with self._lock:
            if self._closing:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=f"push-{self.folder.name}", daemon=True)
                self._thread.start()
        self._wanted.set()

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            if self._closing:
                return
            self._wanted.clear()
            try:
                self.store.push(self.folder, self.remove_deleted)
            except Exception as exc:
                log.warning("push of %s to %s failed (tried again later): %s", self.folder, self.store.describe(), exc)

    def close(self) -> bool:
        """Stop the background pushes and push the folder once more; False if that last push failed."""
        with self._lock:
            self._closing, thread = True, self._thread
        self._wanted.set()
        if thread is not None:
            thread.join()
        if not self.store.remote:
            return True
        what = f"push of {self.folder} to {self.store.describe()}"
        try:
            push = partial(self.store.push, self.folder, self.remove_deleted)
            retry_call(push, what=what, log=log, attempts=self.attempts, backoff=self.backoff)
        except Exception as exc:
            log.error("%s failed (%s): the folder stays whole here and goes up with its next push", what, exc)
            return False
        return True


class PushingReporter:
    """A reporter that asks for a push after every checkpoint written or removed, and passes everything on."""

    def __init__(self, inner: Reporter, pusher: FolderPusher):
        self.inner, self.pusher = inner, pusher

    def epoch_end(self, row: dict[str, Any]) -> None:
        self.inner.epoch_end(row)

    def checkpoint_saved(self, kind: str, path: str, epoch: int, step: int) -> None:
        self.inner.checkpoint_saved(kind, path, epoch, step)
        self.pusher.request()

    def checkpoint_removed(self, path: str) -> None:
        self.inner.checkpoint_removed(path)
        self.pusher.request()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
