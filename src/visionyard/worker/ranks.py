"""The other ranks of a run trained on several devices of this host.

The process that executes the run is rank zero: it alone reports, writes run.json and answers control
requests. Ranks 1..N-1 are ``python -m visionyard.worker.rank SPEC`` processes started beside it with
the environment Lightning reads for processes created outside it (``LOCAL_RANK``, ``WORLD_SIZE``,
``MASTER_ADDR``/``MASTER_PORT``), so Lightning launches nothing itself and the same code runs on the CPU
(gloo) and on GPUs (NCCL). Their output goes to ``logs/rank-N.log``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from visionyard.core.requests import RunRequest
from visionyard.scheduler.executors.processes import die_with_parent
from visionyard.storage.atomic import write_json
from visionyard.storage.run_folder import RunFolder

log = logging.getLogger("visionyard.worker")
SPEC = "ranks.json"
RANK_VARIABLES = ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "NODE_RANK", "LOCAL_RANK", "RANK")
EXIT_WAIT_S = 60.0


@contextmanager
def other_ranks(request: RunRequest, world: int) -> Iterator[None]:
    """Ranks 1..world-1 running while the block (rank zero's training) runs; nothing when ``world`` is 1."""
    if world == 1:
        yield
        return
    shared = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "WORLD_SIZE": str(world), "NODE_RANK": "0"}
    spec = request.folder.root / SPEC
    write_json(spec, _spec(request))
    children = [_start(request.folder, spec, rank, shared) for rank in range(1, world)]
    saved = {name: os.environ.get(name) for name in RANK_VARIABLES}
    os.environ.update({**shared, "LOCAL_RANK": "0", "RANK": "0"})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for child in children:
            _finish(child)
        spec.unlink(missing_ok=True)


def _spec(request: RunRequest) -> dict[str, object]:
    return {
        "root": str(request.folder.root),
        "model": request.model,
        "dataset": str(request.dataset),
        "config": request.config,
        "resume": request.resume,
        "base_checkpoint": str(request.base_checkpoint) if request.base_checkpoint else None,
    }


def read_spec(path: Path) -> RunRequest:
    spec = json.loads(path.read_text())
    base = spec["base_checkpoint"]
    return RunRequest(
        folder=RunFolder(Path(spec["root"])),
        model=spec["model"],
        dataset=Path(spec["dataset"]),
        config=spec["config"],
        resume=spec["resume"],
        base_checkpoint=Path(base) if base else None,
        progress=False,
    )


def _start(folder: RunFolder, spec: Path, rank: int, shared: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, **shared, "LOCAL_RANK": str(rank), "RANK": str(rank)}
    folder.log_file.parent.mkdir(parents=True, exist_ok=True)
    with (folder.log_file.parent / f"rank-{rank}.log").open("ab") as output:
        command = [sys.executable, "-m", "visionyard.worker.rank", str(spec)]
        return subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_tied
        )


def _tied() -> None:
    """In a new rank, before it runs: Ctrl-C is rank zero's to handle (it pauses the run and the ranks with
    it), and the rank dies with its parent (Linux), so none is left waiting in a collective."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


def _finish(child: subprocess.Popen[bytes]) -> None:
    """Wait for a rank to end after training (it has no more collectives to join); kill it if it does not."""
    try:
        child.wait(timeout=EXIT_WAIT_S)
    except subprocess.TimeoutExpired:
        log.warning("rank process %d did not exit; killing it", child.pid)
        child.kill()
        child.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
