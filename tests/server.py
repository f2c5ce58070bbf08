"""A real ``visionyard serve`` in a subprocess on a free loopback port, for lifecycle tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.helpers import make_image_folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_home(home: Path, shared_home: Path) -> Path:
    """A fresh VISIONYARD_HOME with the session's plugin cache and a tiny dataset ``tiny``."""
    cache = shared_home / "cache" / "plugins.json"
    if cache.is_file():
        (home / "cache").mkdir(parents=True, exist_ok=True)
        shutil.copy(cache, home / "cache" / "plugins.json")
    make_image_folder(home / "data" / "tiny")
    return home


class Server:
    def __init__(self, home: Path, **env: str):
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "VISIONYARD_HOME": str(home), **env}
        self.proc: subprocess.Popen[bytes] | None = None
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def start(self, wait: float = 30) -> Server:
        log = (self.home / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "visionyard", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if self.client.get("/ping").status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise TimeoutError(f"server did not answer /ping within {wait} s; see {self.home / 'server.log'}")

    def kill(self) -> None:
        """SIGKILL the server only (its workers live on)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def close(self) -> None:
        """Stop the server and every worker that trains in this home."""
        self.stop()
        self.client.close()
        for process in workers_of(self.home):
            process.kill()

    def wait_for(self, run_id: str, statuses: tuple[str, ...], timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        run: dict = {}
        while time.monotonic() < deadline:
            run = self.client.get(f"/api/v1/runs/{run_id}").json()
            if run["status"] in statuses:
                return run
            time.sleep(0.2)
        raise TimeoutError(f"run {run_id} still {run.get('status')} after {timeout} s: {run}")

    def wait_training(self, run_id: str, attempt: int, timeout: float = 90) -> dict:
        """The run once the given attempt's worker has trained a step past the first one seen."""
        deadline = time.monotonic() + timeout
        first_step = None
        while time.monotonic() < deadline:
            run = self.client.get(f"/api/v1/runs/{run_id}").json()
            if run["attempt"] == attempt and run["status"] == "running" and run["worker_pid"]:
                first_step = run["current_step"] if first_step is None else first_step
                if run["current_step"] > first_step:
                    return run
            time.sleep(0.1)
        raise AssertionError(f"attempt {attempt} of {run_id} never trained")


def workers_of(home: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            cmdline = process.info["cmdline"] or []
            if (
                "worker" in cmdline
                and "visionyard" in cmdline
                and process.environ().get("VISIONYARD_HOME") == str(home)
            ):
                found.append(process)
        except psutil.Error:
            continue
    return found
