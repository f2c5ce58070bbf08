"""A real PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` on a free loopback port, trust auth."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server import free_port

needs_postgres = pytest.mark.skipif(
    shutil.which("initdb") is None or shutil.which("pg_ctl") is None, reason="no PostgreSQL server"
)


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as ``nobody`` then (in a folder outside the
    root-only pytest temp tree)."""
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh cluster, started and stopped around the block; its SQLAlchemy URL (database ``postgres``)."""
    folder, port = Path(tempfile.mkdtemp(prefix="visionyard-pg-")), free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data = folder / "data"
    run = functools.partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run(as_server_user(["initdb", "-D", str(data), "-U", "visionyard", "--auth=trust"]))
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
    run(as_server_user(["pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"]))
    try:
        yield f"postgresql+psycopg://visionyard@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_server_user(["pg_ctl", "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
