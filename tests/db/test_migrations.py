"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.postgres import needs_postgres, postgres_server
from tests.scheduler.test_claims import claim_contention
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


@pytest.mark.postgres
@needs_postgres
def test_postgresql_schema_matches_the_models_and_claims_are_serialised():
    with postgres_server() as url:
        db = Database(url)
        assert_schema_matches_models(db)
        claim_contention(db)
        db.dispose()
