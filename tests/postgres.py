"""A real PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` on a free loopback port, trust auth."""

from __future__ import annotations

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


class PostgresServer:
    """A fresh cluster on a free loopback port, trust auth; stopped and started again at will."""

    def __init__(self) -> None:
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="visionyard-pg-")), free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "nobody")
        self.data = self.folder / "data"
        self._run(["initdb", "-D", str(self.data), "-U", "visionyard", "--auth=trust"])
        self.url = f"postgresql+psycopg://visionyard@127.0.0.1:{self.port}/postgres"
        """Its SQLAlchemy URL (database ``postgres``)."""

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start"])

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session at once, as a crash or a restart does to its clients."""
        self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"])

    def remove(self) -> None:
        subprocess.run(as_server_user(["pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _run(command: list[str]) -> None:
        subprocess.run(as_server_user(command), check=True, capture_output=True, timeout=120)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A fresh cluster, started and stopped around the block; its SQLAlchemy URL (database ``postgres``)."""
    server = PostgresServer()
    try:
        server.start()
        yield server.url
    finally:
        server.remove()
