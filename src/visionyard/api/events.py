"""Live events for SSE: one poller per API process reads the event log for every stream.

The event log (``events`` table) is written by workers and services in other processes. The hub
polls it, keeps the newest events in memory (per run, bounded) and wakes the streams; a stream
that is caught up reads from memory, one that replays older history (``Last-Event-ID``) reads the
database until it is. Either way it gets every event after the id it last sent, in order.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass

from anyio import to_thread
from sqlalchemy import func, select

from visionyard.api.errors import ApiError
from visionyard.core.lifecycle import FINISHED
from visionyard.db.models import Event
from visionyard.db.session import Database, unreachable
from visionyard.services import run_records

log = logging.getLogger("visionyard.api")
POLL_SECONDS = 0.1
BATCH = 500
KEPT = 20_000
"""Events held in memory for caught-up streams."""


@dataclass(frozen=True)
class Message:
    id: int
    run_id: str | None
    kind: str
    finished: bool | None
    """For status events: whether the run has finished with it."""
    sse: dict[str, str]

    @classmethod
    def of(cls, event: Event) -> Message:
        payload = {"id": event.id, "run_id": event.run_id, "kind": event.kind, "at": event.created_at.isoformat()}
        finished = event.data.get("status") in FINISHED if event.kind == "status" else None
        sse = {"id": str(event.id), "event": event.kind, "data": json.dumps({**payload, **event.data})}
        return cls(event.id, event.run_id, event.kind, finished, sse)


class EventHub:
    def __init__(self, db: Database, max_streams: int = 256):
        self.db = db
        self.max_streams, self.streams = max_streams, 0
        self.latest = 0
        self.floor = 0
        """Every event with a larger id than this is in memory."""
        self._by_run: dict[str | None, list[Message]] = {}
        self._order: deque[Message] = deque()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.latest = self.floor = self._newest()
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        outage = False
        while True:
            try:
                fresh = await to_thread.run_sync(self._read, self.latest)
            except Exception as exc:
                if not unreachable(exc):
                    log.exception("polling the event log failed; trying again")
                elif not outage:  # one line per outage, not one a second
                    log.warning("the database is unreachable; event streams wait for it: %s", exc)
                outage = outage or unreachable(exc)
                await asyncio.sleep(1.0)
                continue
            if outage:
                log.info("event streams: the database answers again")
                outage = False
            if fresh:
                self._keep(fresh)
                changed, self._changed = self._changed, asyncio.Event()
                changed.set()
            if len(fresh) < BATCH:
                await asyncio.sleep(POLL_SECONDS)

    def _keep(self, messages: list[Message]) -> None:
        for message in messages:
            self._by_run.setdefault(message.run_id, []).append(message)
            self._order.append(message)
        while len(self._order) > KEPT:
            oldest = self._order.popleft()
            self._by_run[oldest.run_id].pop(0)
            self.floor = oldest.id
        self.latest = messages[-1].id

    def _newest(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.max(Event.id))) or 0

    def _read(self, after: int, run_id: str | None = None) -> list[Message]:
        with self.db.session() as session:
            return [Message.of(e) for e in run_records.events_after(session, after, BATCH, run_id)]

    async def _next(self, run_id: str, after: int) -> list[Message]:
        if after >= self.floor:
            kept = self._by_run.get(run_id, [])
            return kept[bisect.bisect_right(kept, after, key=lambda m: m.id) :]
        return await to_thread.run_sync(self._read, after, run_id)

    async def _wait_beyond(self, seen: int, timeout: float) -> None:
        """Until the hub holds an event newer than ``seen``."""
        if self.latest > seen:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._changed.wait()

    def admit(self) -> None:
        """Refuse a new stream while ``max_streams`` are open (``VISIONYARD_SSE_MAX_CLIENTS``)."""
        if self.streams >= self.max_streams:
            raise ApiError(
                503, "too_many_streams", f"{self.streams} event streams are open, the most this server keeps"
            )

    async def stream(self, run_id: str, after: int, finished_at: int | None) -> AsyncIterator[dict[str, str]]:
        """SSE messages for one run from ``after`` on; ends once the run has finished.

        ``finished_at`` is the id of the run's last event when it was seen finished (None while it
        runs): the hub may not have polled that far yet, so the stream goes on until it has."""
        self.streams += 1
        try:
            async for message in self._messages(run_id, after, finished_at):
                yield message
        finally:
            self.streams -= 1

    async def _messages(self, run_id: str, after: int, finished_at: int | None) -> AsyncIterator[dict[str, str]]:
        cursor = after
        while True:
            mark = self.latest
            messages = await self._next(run_id, cursor)
            for message in messages:
                cursor = message.id
                yield message.sse
                if message.finished is not None:
                    finished_at = message.id if message.finished else None
            if len(messages) == BATCH:
                continue
            cursor = max(cursor, mark)  # that read saw all of this run's events up to the mark
            if finished_at is not None and cursor >= finished_at:
                return
            await self._wait_beyond(mark, timeout=15.0)
