"""Following the event log: the cursor and the gaps PostgreSQL can leave for a moment."""

from __future__ import annotations

from visionyard.db import event_log
from visionyard.db.event_log import GAP_GRACE, until_fresh_gap
from visionyard.db.models import Event, utcnow
from visionyard.db.session import Database


def test_a_fresh_gap_in_event_ids_is_waited_for_and_an_old_one_passed():
    now, old = utcnow(), utcnow() - 2 * GAP_GRACE
    events = [Event(id=i, created_at=at) for i, at in ((1, old), (2, old), (4, now), (5, now))]
    assert [e.id for e in until_fresh_gap(events, 0)] == [1, 2], "3 may still commit (PostgreSQL)"
    events[2].created_at = old
    assert [e.id for e in until_fresh_gap(events, 0)] == [1, 2, 4, 5], "3 was rolled back long ago"
    assert until_fresh_gap([Event(id=7, created_at=now)], 5) == []


def test_a_cursor_moves_forward_only_unless_sent_back(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'v.db'}")
    db.migrate()
    with db.write() as session:
        assert event_log.position(session, "f") is None
        session.add_all([Event(run_id=None, kind="k", data={}) for _ in range(3)])
    with db.write() as session:
        event_log.move_to(session, "f", 2)
    with db.write() as session:
        event_log.move_to(session, "f", 1)
        assert event_log.position(session, "f") == 2
        assert [e.id for e in event_log.events_after(session, 2, 10)] == [3]
    with db.write() as session:
        event_log.move_to(session, "f", 0, back=True)
        assert event_log.position(session, "f") == 0
