"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.scheduler.test_claims import claim_contention
from tests.server import free_port
from visionyard.db.models import Base
from visionyard.db.session import Database


def assert_schema_matches_models(db: Database) -> None:
    db.migrate()
    db.migrate()
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_sqlite_schema_matches_the_models(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    assert_schema_matches_models(db)
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as ``nobody`` then (in a folder outside the
    root-only pytest temp tree)."""
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("initdb") is None or shutil.which("pg_ctl") is None, reason="no PostgreSQL server")
def test_postgresql_schema_matches_the_models_and_claims_are_serialised():
    folder, port = Path(tempfile.mkdtemp(prefix="visionyard-pg-")), free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data = folder / "data"
    run = functools.partial(subprocess.run, check=True, capture_output=True, timeout=120)
    run(as_server_user(["initdb", "-D", str(data), "-U", "visionyard", "--auth=trust"]))
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    run(as_server_user(["pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"]))
    try:
        db = Database(f"postgresql+psycopg://visionyard@127.0.0.1:{port}/postgres")
        assert_schema_matches_models(db)
        claim_contention(db)
        db.dispose()
    finally:
        subprocess.run(as_server_user(["pg_ctl", "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
