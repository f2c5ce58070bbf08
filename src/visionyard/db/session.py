"""The database handle: engine, sessions, serialised write transactions and migrations.

SQLite (the default) runs in WAL mode with a busy timeout, so the API reads while a worker
writes. Reads use :meth:`Database.session`; anything that writes uses :meth:`Database.write`
(``BEGIN IMMEDIATE`` on SQLite); claims and control moves use :meth:`Database.serialised`, which
adds a transaction-level advisory lock on PostgreSQL, so they never race.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from visionyard.common.retry import retry_call

log = logging.getLogger("visionyard.db")
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"
CLAIM_LOCK = 7_311_967
"""PostgreSQL advisory lock key serialising claims."""
VERSION_TABLE = "visionyard_alembic_version"
"""Where Alembic keeps our schema's revision. Optuna's studies share the database and keep theirs in
Alembic's default ``alembic_version``, where ours was until revision 0011 (moved by :meth:`Database.migrate`)."""


def unreachable(exc: BaseException) -> bool:
    """The database did not answer: down, restarting, a dropped connection, SQLite busy past its timeout."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def _answered(exc: BaseException) -> bool:
    return not unreachable(exc)


class Database:
    def __init__(self, url: str, runs_dir: Path | None = None):
        """``runs_dir``: where the run folders are, for the ``run.json`` that each status move rewrites
        (``session.info["runs_dir"]``; without it only the database changes)."""
        self.url = url
        self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=not url.startswith("sqlite"))
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={"runs_dir": runs_dir})

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for read-then-write work: on SQLite it takes the write lock up front, so a
        concurrent writer makes it wait (busy timeout) instead of failing on a stale snapshot."""
        with self.sessions() as session, session.begin():
            session.connection(execution_options={"immediate": True})
            yield session

    @contextmanager
    def serialised(self) -> Iterator[Session]:
        """Like :meth:`write`, and serialised against every other serialised transaction on
        PostgreSQL too (claims and control moves)."""
        with self.write() as session:
            if not self.is_sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
            yield session

    def retrying(self, work: Callable[[Session], T], *, what: str, patience: float, serialised: bool = False) -> T:
        """``work(session)`` in a :meth:`write` (or :meth:`serialised`) transaction, begun again while the
        database is unreachable, for up to ``patience`` seconds: for writes that must not be lost to an
        outage (a worker's events and outcome)."""

        def once() -> T:
            with self.serialised() if serialised else self.write() as session:
                return work(session)

        return retry_call(
            once,
            what=what,
            log=log,
            patience=patience,
            backoff=0.5,
            max_wait=5.0,
            give_up_on=lambda e: not unreachable(e),
        )

    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            ours = _legacy_revision(connection)
            if ours is not None:
                command.stamp(config, ours)
                connection.execute(text("DROP TABLE alembic_version"))
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def _legacy_revision(connection: Connection) -> str | None:
    """Our revision where a database from before revision 0012 keeps it (Alembic's default table, which Optuna
    takes over), if it is there and not moved yet."""
    tables = inspect(connection).get_table_names()
    if "alembic_version" not in tables or VERSION_TABLE in tables:
        return None
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision if revision is not None and revision.isdigit() else None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=15000", "foreign_keys=ON", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
