"""kill -9 of workers at random moments, inside checkpoint and validation writes among them: every file a
run keeps stays readable and each run ends with one history row per epoch (issue 22, item 3)."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from tests.faults.checks import run_files_hold
from tests.helpers import TINY, make_image_folder
from tests.server import Server

pytestmark = pytest.mark.slow

KILLS = 50
SLOTS = 3
KILLS_PER_RUN = 15  # of the 20 restarts a run may have
EPOCHS = 4
MOMENTS = ("starting", "training", "writing", "writing")
"""Where in an attempt a kill lands: while the worker starts (imports, dataset check, checkpoint load), a
random time into training, or the moment a temp file of an atomic write appears."""


def partial_writes(folder: Path) -> list[Path]:
    """Temp files of atomic writes in the run's checkpoint and validation folders, right now."""
    found: list[Path] = []
    validation = folder / "validation"
    epochs = [validation / n for n in _names(validation)]
    for where in (folder / "checkpoints", validation, *epochs):
        found += [where / n for n in _names(where) if n.startswith(".") and n.endswith(".tmp")]
    return found


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


class Tormentor:
    def __init__(self, server: Server):
        self.server, self.rng = server, random.Random(22)
        self.tally: Counter[str] = Counter()
        self.kills_of: Counter[str] = Counter()
        self.runs: list[str] = []
        self._lock = threading.Lock()

    def done(self) -> bool:
        with self._lock:
            return self.tally["kills"] >= KILLS

    def slot(self) -> None:
        """Runs one after another, each killed until it has had its share or ends."""
        while not self.done():
            run_id = self._create()
            for number in range(KILLS_PER_RUN):
                if self.done() or not self._kill_once(run_id, MOMENTS[number % len(MOMENTS)]):
                    break

    def _create(self) -> str:
        body = {
            "model": "small_cnn",
            "dataset": "longer",
            "config": {**TINY, "epochs": EPOCHS},
            "max_restarts": 20,
        }
        response = self.server.client.post("/api/v1/runs", json=body)
        assert response.status_code == 201, response.text
        with self._lock:
            self.runs.append(response.json()["id"])
        return response.json()["id"]

    def _kill_once(self, run_id: str, moment: str) -> bool:
        """Kill the run's next attempt at ``moment``; False once the run has ended."""
        run = self._next_attempt(run_id)
        if run is None:
            return False
        pid, folder = run["worker_pid"], self.server.home / "runs" / run_id
        if moment == "starting":
            time.sleep(self.rng.uniform(0, 2.0))
        elif moment == "training":
            step = run["current_step"]
            deadline = time.monotonic() + 30
            while (seen := self._get(run_id))["current_step"] <= step and seen["status"] == "running":
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            time.sleep(self.rng.uniform(0, 1.0))
        else:
            deadline = time.monotonic() + 30
            while not partial_writes(folder) and time.monotonic() < deadline and psutil.pid_exists(pid):
                time.sleep(0.001)
        if not self._sigkill(pid):
            return self._get(run_id)["status"] not in ("completed", "failed", "stopped")
        caught = moment == "writing" and bool(partial_writes(folder))
        if self._after(run_id, run["attempt"])["status"] == "completed":
            with self._lock:
                self.tally["after the outcome was recorded"] += 1
            return False
        with self._lock:
            self.tally["kills"] += 1
            self.tally[moment] += 1
            self.tally["inside a write (temp file left)"] += caught
            self.kills_of[run_id] += 1
        return True

    def _after(self, run_id: str, attempt: int) -> dict:
        """The run once the scheduler has seen its killed worker (restarting it), or once it had ended before."""
        deadline = time.monotonic() + 30
        while (run := self._get(run_id))["status"] == "running" and run["attempt"] == attempt:
            assert time.monotonic() < deadline, f"the kill of {run_id} went unnoticed: {run}"
            time.sleep(0.05)
        return run

    def _next_attempt(self, run_id: str) -> dict | None:
        """The run once a worker of an attempt not yet killed holds it; None if the run ended."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = self._get(run_id)
            if run["status"] in ("completed", "failed", "stopped"):
                return None
            if run["status"] == "running" and run["worker_pid"] and run["attempt"] > self.kills_of[run_id]:
                return run
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} got no new worker: {run}")

    def _get(self, run_id: str) -> dict:
        return self.server.client.get(f"/api/v1/runs/{run_id}").json()

    @staticmethod
    def _sigkill(pid: int) -> bool:
        try:
            process = psutil.Process(pid)
            if "worker" not in process.cmdline():
                return False
            process.kill()
            return True
        except psutil.NoSuchProcess:
            return False


def test_runs_killed_fifty_times_keep_readable_files_and_a_whole_history(home: Path):
    make_image_folder(home / "data" / "longer", per_class=24)
    server = Server(
        home,
        VISIONYARD_MAX_CONCURRENT_RUNS=str(SLOTS),
        VISIONYARD_HEARTBEAT_INTERVAL="0.5",
        VISIONYARD_RESTART_BACKOFF="0.05",
        VISIONYARD_RESTART_BACKOFF_MAX="0.2",
    )
    try:
        server.start()
        tormentor = Tormentor(server)
        slots = [threading.Thread(target=tormentor.slot) for _ in range(SLOTS)]
        for slot in slots:
            slot.start()
        for slot in slots:
            slot.join(timeout=600)
        assert tormentor.tally["kills"] >= KILLS, tormentor.tally

        for run_id in tormentor.runs:
            done = server.wait_for(run_id, ("completed", "failed", "stopped"), timeout=300)
            assert done["status"] == "completed", done["error"]
            assert done["attempt"] == tormentor.kills_of[run_id] + 1
            rows = server.client.get(f"/api/v1/runs/{run_id}/metrics").json()["rows"]
            assert [r["epoch"] for r in rows] == list(range(1, EPOCHS + 1))
            run_files_hold(home / "runs" / run_id, EPOCHS)
        print(f"\n{len(tormentor.runs)} runs, kills: {dict(tormentor.tally)}")
    finally:
        server.close()
