"""A full disk under the runs folder: the run fails at once with a sentence saying so, its last good
checkpoint is kept, and once there is space again a retry resumes from it (issue 22, item 3)."""

from __future__ import annotations

import errno
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from tests.faults.checks import run_files_hold
from tests.helpers import TINY, make_image_folder
from tests.server import Server

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(home: Path) -> Iterator[Path]:
    """``HOME/runs`` on a 32 MiB tmpfs of its own (the database and the datasets stay on the big disk)."""
    runs = home / "runs"
    runs.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(runs)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"mounting a small disk needs root (CAP_SYS_ADMIN): {mounted.stderr.decode().strip()}")
    try:
        yield runs
    finally:
        subprocess.run(["umount", "--lazy", str(runs)], check=True)


def fill(disk: Path) -> Path:
    """A file that takes every byte left on ``disk``."""
    ballast = disk / "ballast"
    with ballast.open("wb", buffering=0) as handle:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    handle.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return ballast


def test_a_full_disk_fails_the_run_with_a_sentence_and_keeps_its_last_good_checkpoint(home: Path, small_disk: Path):
    make_image_folder(home / "data" / "longer", per_class=24)
    server = Server(home, VISIONYARD_HEARTBEAT_INTERVAL="0.5", VISIONYARD_RESTART_BACKOFF="0.05")
    try:
        server.start()
        body = {"model": "small_cnn", "dataset": "longer", "config": {**TINY, "epochs": 200}}
        run_id = server.client.post("/api/v1/runs", json=body).json()["id"]
        last = small_disk / run_id / "checkpoints" / "last.ckpt"
        deadline = time.monotonic() + 120
        while not last.is_file():
            assert time.monotonic() < deadline, "no checkpoint"
            time.sleep(0.05)
        ballast = fill(small_disk)

        failed = server.wait_for(run_id, ("failed", "restarting", "completed"), timeout=120)
        assert failed["status"] == "failed" and failed["restarts"] == 0, failed["error"]
        assert "the disk is full" in failed["error"] and "free space" in failed["error"], failed["error"]
        kept = torch.load(last, weights_only=True)
        rows = json.loads((small_disk / run_id / "metrics.json").read_text())
        assert kept["epoch"] + 1 == len(rows) >= 1
        assert not list(small_disk.rglob(".*.ckpt.*.tmp")), "the failed write left its temp file"

        ballast.unlink()
        assert server.client.post(f"/api/v1/runs/{run_id}/retry").json()["status"] == "queued"
        resumed = server.wait_training(run_id, attempt=2)
        assert resumed["current_epoch"] >= len(rows)
        while server.client.get(f"/api/v1/runs/{run_id}").json()["current_epoch"] <= len(rows):
            time.sleep(0.1)
        server.client.post(f"/api/v1/runs/{run_id}/stop")
        stopped = server.wait_for(run_id, ("stopped", "failed"))
        assert stopped["status"] == "stopped", stopped["error"]
        run_files_hold(small_disk / run_id, stopped["current_epoch"])
    finally:
        server.close()
