"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL, beside
Optuna's studies."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.postgres import needs_postgres, postgres_server
from tests.scheduler.test_claims import claim_contention
from visionyard.db.models import Base, Run
from visionyard.db.session import MIGRATIONS, VERSION_TABLE, Database
from visionyard.tuning import study as studies


def assert_schema_matches_models(db: Database) -> None:
    db.migrate()
    db.migrate()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, Base.metadata) == []


def assert_an_old_database_makes_room_for_optuna(db: Database) -> None:
    """A database from before revision 0012 kept our revision in Alembic's default table, which Optuna's
    storage takes: the revision moves to ours, the upgrade goes on from it, and a study then lives beside it."""
    db.migrate()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
        connection.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        connection.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        connection.execute(text("INSERT INTO alembic_version VALUES ('0011')"))
    db.migrate()
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        assert "sweeps" in tables and "alembic_version" not in tables
        assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == "0013"
    study = studies.create(db.url, "coexisting", "maximize")
    study.tell(study.ask(), 1.0)
    db.migrate()  # our migrations leave Optuna's tables and revision alone
    assert studies.load(db.url, "coexisting").best_value == 1.0
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar().startswith("v")


def test_runs_from_before_serve_export_do_not_ask_for_one(tmp_path: Path):
    """Revision 0013 gives every existing run ``serve_export`` false, and takes the column away again."""
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    db.migrate()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
        assert "serve_export" not in {c["name"] for c in inspect(connection).get_columns("runs")}
        connection.execute(
            text(
                "INSERT INTO runs (id, status, model, task, dataset, dataset_path, config, epochs, attempt, restarts,"
                " max_restarts, current_epoch, current_step, best_metrics, final_metrics, warnings, created_at,"
                " updated_at) VALUES ('20260101-000000-aaaaaa', 'completed', 'small_cnn', 'classification', 'd',"
                " '/d', '{}', 1, 0, 0, 2, 1, 1, '{}', '{}', '[]', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    db.migrate()
    with db.session() as session:
        assert session.get_one(Run, "20260101-000000-aaaaaa").serve_export is False
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
        assert "serve_export" not in {c["name"] for c in inspect(connection).get_columns("runs")}


def test_sqlite_schema_matches_the_models(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    assert_schema_matches_models(db)
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_an_old_sqlite_database_makes_room_for_optuna(tmp_path: Path):
    assert_an_old_database_makes_room_for_optuna(Database(f"sqlite:///{tmp_path / 'vy.db'}"))


@pytest.mark.postgres
@needs_postgres
def test_postgresql_schema_matches_the_models_claims_are_serialised_and_optuna_fits():
    with postgres_server() as url:
        db = Database(url)
        assert_schema_matches_models(db)
        claim_contention(db)
        db.dispose()
    with postgres_server() as url:
        db = Database(url)
        assert_an_old_database_makes_room_for_optuna(db)
        db.dispose()
