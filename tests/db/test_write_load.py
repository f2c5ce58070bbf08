"""Load on the embedded database: eight writer processes, a thousand events each, into one SQLite file
while the API's kind of reader polls it. None may see "database is locked", and no event is lost."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from visionyard.core.lifecycle import add_event
from visionyard.db.models import Event
from visionyard.db.session import Database

pytestmark = pytest.mark.slow
WRITERS, EVENTS = 8, 1000


def write_events(url: str, writer: int) -> None:
    db = Database(url)
    for n in range(EVENTS):
        with db.write() as session:
            add_event(session, None, "load", writer=writer, n=n)


def test_eight_writers_of_a_thousand_events_each_never_meet_a_locked_database(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'vy.db'}"
    db = Database(url)
    db.migrate()
    done = threading.Event()
    reads = []

    def poll() -> None:  # as the event hub does, all along
        while not done.is_set():
            with db.session() as session:
                reads.append(session.scalar(select(func.max(Event.id))))

    reader = threading.Thread(target=poll)
    reader.start()
    spawn = multiprocessing.get_context("spawn")
    writers = [spawn.Process(target=write_events, args=(url, w)) for w in range(WRITERS)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=600)
    done.set()
    reader.join()
    assert [p.exitcode for p in writers] == [0] * WRITERS  # a locked database would have raised in a writer
    with db.session() as session:
        rows = session.execute(select(Event.data).where(Event.kind == "load")).scalars().all()
    assert sorted((r["writer"], r["n"]) for r in rows) == [(w, n) for w in range(WRITERS) for n in range(EVENTS)]
    assert len(reads) > 10
