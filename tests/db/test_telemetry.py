"""Progress and system samples stay bounded in the event log however long a run trains."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from tests.scheduler.test_claims import database, queued_runs
from visionyard.core import telemetry
from visionyard.db.models import Event, Run, utcnow


def test_system_samples_past_the_cap_are_thinned_in_their_older_half(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(telemetry, "SYSTEM_KEPT", 10)
    db = database(tmp_path)
    [run_id] = queued_runs(db, 1)
    for number in range(30):
        with db.write() as session:
            telemetry.record_system(session, run_id, {"n": number})
    with db.session() as session:
        kept = [s["n"] for s in telemetry.system_samples(session, run_id)]
    assert len(kept) < 10 and kept[-3:] == [27, 28, 29] and kept[0] == 0
    assert kept == sorted(kept)


def test_progress_keeps_the_latest_on_the_run_and_a_minute_of_events(tmp_path: Path):
    db = database(tmp_path)
    [run_id] = queued_runs(db, 1)
    for step in (1, 2):
        with db.write() as session:
            telemetry.record_progress(session, session.get_one(Run, run_id), {"step": step})
    with db.write() as session:  # the first report was long ago
        first = session.scalars(select(Event.id).where(Event.kind == "progress").order_by(Event.id)).first()
        session.execute(update(Event).where(Event.id == first).values(created_at=utcnow() - timedelta(minutes=5)))
    with db.write() as session:
        telemetry.record_progress(session, session.get_one(Run, run_id), {"step": 3})
    with db.session() as session:
        steps = [e.data["step"] for e in session.scalars(select(Event).where(Event.kind == "progress"))]
        assert steps == [2, 3] and session.get_one(Run, run_id).progress == {"step": 3}
