"""The API's door to the predictor process (torch-free).

Models are loaded and run in ``visionyard predictor``, a child process that keeps recently used
models in memory, so the API process imports no plugin code and a second call does not reload.
The two talk over a Unix socket in a private folder, authenticated with a random key handed over
on the child's stdin. A predictor that died is started again on the next call.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from visionyard.common.errors import Invalid, Unavailable
from visionyard.common.predict_wire import send_request
from visionyard.config import Settings
from visionyard.scheduler.executors.processes import settings_env

log = logging.getLogger("visionyard.api")
START_TIMEOUT = 120.0


class PredictorUnavailable(Unavailable):
    """The predictor process could not be started or died during a call (HTTP 503)."""

    code = "predictor_unavailable"


class PredictionFailed(Invalid):
    """The predictor could not answer this request (bad checkpoint, model error)."""

    code = "prediction_failed"


class PredictorClient:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._address = ""
        self._key = b""
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue()

    def predict(self, request: dict[str, Any]) -> dict[str, Any]:
        connection = self._connection()
        try:
            send_request(connection, request)
            reply = connection.recv()
        except (EOFError, OSError) as exc:
            connection.close()
            raise PredictorUnavailable(f"the predictor process stopped answering ({exc}); try again") from None
        self._idle.put(connection)
        if "error" in reply:
            raise PredictionFailed(reply["error"])
        return reply

    def close(self) -> None:
        with self._lock:
            self._drop_connections()
            if self._process is not None and self._process.poll() is None:
                self._process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=10)
            self._process = None

    def _connection(self) -> Connection:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return Client(self._address, family="AF_UNIX", authkey=self._key)

    def _start(self) -> None:
        self._drop_connections()
        folder = Path(tempfile.mkdtemp(prefix="visionyard-predictor-"))
        self._address, self._key = str(folder / "socket"), secrets.token_bytes(32)
        log_file = self.settings.root / "logs" / "predictor.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "visionyard", "predictor", self._address],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=settings_env(self.settings),
            )
        assert self._process.stdin is not None
        self._process.stdin.write(self._key.hex().encode() + b"\n")
        self._process.stdin.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not Path(self._address).exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise PredictorUnavailable(f"the predictor process did not start; see {log_file}")
            time.sleep(0.05)
        log.info("predictor process %d started", self._process.pid)

    def _drop_connections(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()
