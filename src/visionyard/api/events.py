"""Live events for SSE: one poller per API process watches the event log and wakes the streams.

The event log (``events`` table) is written by workers and services in other processes; the hub
polls its newest id, and each stream then reads its own run's events after the id it last sent.
So a stream resumed with ``Last-Event-ID`` replays exactly what it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from anyio import to_thread
from sqlalchemy import func, select

from visionyard.db.models import Event
from visionyard.db.session import Database
from visionyard.services.lifecycle import FINISHED

log = logging.getLogger("visionyard.api")
POLL_SECONDS = 0.1
BATCH = 500


class EventHub:
    def __init__(self, db: Database):
        self.db = db
        self.latest = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        while True:
            try:
                latest = await to_thread.run_sync(self._newest)
            except Exception:
                log.exception("polling the event log failed; trying again")
                await asyncio.sleep(1.0)
                continue
            if latest != self.latest:
                self.latest = latest
                changed, self._changed = self._changed, asyncio.Event()
                changed.set()
            await asyncio.sleep(POLL_SECONDS)

    def _newest(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.max(Event.id))) or 0

    async def wait_beyond(self, seen: int, timeout: float) -> None:
        """Until an event newer than ``seen`` exists (each poll that finds one swaps the Event)."""
        if self.latest > seen:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._changed.wait()

    def read(self, run_id: str, after: int) -> list[Event]:
        with self.db.session() as session:
            query = select(Event).where(Event.run_id == run_id, Event.id > after).order_by(Event.id).limit(BATCH)
            return list(session.scalars(query))

    async def stream(self, run_id: str, after: int, run_finished: bool) -> AsyncIterator[dict[str, Any]]:
        """SSE messages for one run from ``after`` on; ends once the run has finished."""
        while True:
            mark = self.latest
            events = await to_thread.run_sync(self.read, run_id, after)
            for event in events:
                after = event.id
                yield {"id": str(event.id), "event": event.kind, "data": json.dumps(_payload(event))}
                if event.kind == "status":
                    run_finished = event.data.get("status") in FINISHED
            if len(events) == BATCH:
                continue
            if run_finished:
                return
            await self.wait_beyond(mark, timeout=15.0)


def _payload(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "run_id": event.run_id,
        "kind": event.kind,
        "at": event.created_at.isoformat(),
        **event.data,
    }
