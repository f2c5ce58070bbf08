"""The SSE hub against a real database: replay from any id, from memory or the database, in order."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.scheduler.test_claims import queued_runs
from visionyard.api import events
from visionyard.common.statuses import RunStatus
from visionyard.core import lifecycle
from visionyard.db.session import Database


def write(db: Database, run_id: str, count: int, **data) -> None:
    with db.write() as session:
        for i in range(count):
            lifecycle.add_event(session, run_id, "epoch", epoch=i, **data)


async def collect(hub: events.EventHub, run_id: str, after: int, until: int) -> list[int]:
    ids: list[int] = []
    async for message in hub.stream(run_id, after, finished_at=None):
        ids.append(int(message["id"]))
        if len(ids) == until:
            break
    return ids


@pytest.mark.parametrize("kept", [3, 1000])
def test_streams_replay_every_event_of_their_run_in_order(tmp_path: Path, monkeypatch, kept: int):
    monkeypatch.setattr(events, "KEPT", kept)
    monkeypatch.setattr(events, "POLL_SECONDS", 0.01)
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    db.migrate()
    run_a, run_b = queued_runs(db, 2)
    write(db, run_a, 4)

    async def scenario() -> tuple[list[int], list[int]]:
        hub = events.EventHub(db)
        hub.start()
        try:
            later = asyncio.create_task(collect(hub, run_a, 2, until=8))
            await asyncio.sleep(0.05)
            for _ in range(3):
                write(db, run_b, 2)
                write(db, run_a, 2)
                await asyncio.sleep(0.03)
            replay = await asyncio.wait_for(collect(hub, run_a, 0, until=10), 5)
            return await asyncio.wait_for(later, 5), replay
        finally:
            await hub.stop()

    later, replay = asyncio.run(scenario())
    with db.session() as session:
        expected = [e.id for e in session.query(events.Event).filter_by(run_id=run_a).order_by(events.Event.id)]
    assert replay == expected and len(expected) == 10
    assert later == [i for i in expected if i > 2]


def test_a_stream_opened_on_a_finished_run_waits_for_the_hub_to_reach_its_last_event(tmp_path: Path, monkeypatch):
    """The run is seen finished in the database before the hub has polled its last events."""
    monkeypatch.setattr(events, "POLL_SECONDS", 0.2)
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    db.migrate()
    (run_id,) = queued_runs(db, 1)

    async def scenario() -> list[str]:
        hub = events.EventHub(db)
        hub.start()
        try:
            write(db, run_id, 2)
            with db.write() as session:
                lifecycle.add_event(session, run_id, "status", status=RunStatus.COMPLETED)
                finished_at = lifecycle.last_event_id(session, run_id)
            stream = hub.stream(run_id, 0, finished_at)
            return await asyncio.wait_for(_kinds(stream), 5)
        finally:
            await hub.stop()

    assert asyncio.run(scenario()) == ["epoch", "epoch", "status"]


async def _kinds(stream) -> list[str]:
    return [message["event"] async for message in stream]
