"""Worker processes on this host: start, check and kill, safe against pid reuse."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil

from visionyard.config import SERVER_ONLY, Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process the same settings as this one (but the server's own)."""
    kept_out = {f"VISIONYARD_{name.upper()}" for name in SERVER_ONLY}
    env = {k: v for k, v in os.environ.items() if k not in kept_out}
    for name, value in settings.model_dump(mode="json", exclude_none=True, exclude=set(SERVER_ONLY)).items():
        env[f"VISIONYARD_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    env["VISIONYARD_HOME"] = str(settings.root)
    env["VISIONYARD_DATABASE_URL"] = settings.database
    return env


PR_SET_PDEATHSIG = 1
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
"""Looked up before any fork: a child may not load libraries safely before it execs."""


def start_worker(
    settings: Settings, run_id: str, log_file: Path, command: str = "worker", *options: str, tied: bool = False
) -> subprocess.Popen[bytes]:
    """``visionyard worker RUN_ID`` (or ``job JOB_ID``) in its own session, output appended to ``log_file``.

    ``tied``: the worker dies with this process (a Ray actor's worker, whose actor may be killed);
    otherwise it outlives it (the server's, which the next server adopts)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "visionyard", command, run_id, *options],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=settings_env(settings),
            start_new_session=True,
            preexec_fn=die_with_parent if tied else None,
        )


def die_with_parent() -> None:
    """In a new child, before it runs: it is SIGKILLed when its parent dies (Linux; elsewhere nothing)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)


def alive(pid: int | None, host: str | None, started: float | None) -> bool:
    """Is this exact process (not a later one with a reused pid) still running here?"""
    if pid is None or host != socket.gethostname():
        return False
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and (
            started is None or abs(process.create_time() - started) < 1.0
        )
    except psutil.Error:
        return False


def kill_tree(pid: int) -> None:
    """SIGKILL a worker and its data-loader children."""
    try:
        process = psutil.Process(pid)
        family = [*process.children(recursive=True), process]
    except psutil.Error:
        return
    for member in family:
        with contextlib.suppress(psutil.Error):
            member.send_signal(signal.SIGKILL)


def describe_exit(code: int) -> str:
    if code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory?)" if name == "SIGKILL" else " (crash in native code)" if name == "SIGSEGV" else ""
        return f"worker killed by {name}{hint}"
    return f"worker exited with code {code} without recording an outcome"
