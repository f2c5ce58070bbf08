"""The notifier: a follower of the event log that turns status changes into notifications and sends them.

Each ``status`` event (a sweep's ``sweep`` event; a sweep's trials are not told of one by one) the user cares
about (``VISIONYARD_NOTIFY_STATUSES``) becomes one ``notifications`` row per target (the server's
``VISIONYARD_NOTIFY_URLS`` and the run's or sweep's own ``notify``) in the transaction that moves the cursor,
so none is lost or made twice across crashes and servers. Rows are sent from a small thread pool
with a timeout and tried again with a doubling delay that lives in the row (``next_at``), not in a sleeping
thread: a retry survives a restart, and a dead endpoint holds one pool thread for one timeout at a time. The
scheduler and the workers never wait for any of it. Every outcome is a ``notification`` event of the run.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from visionyard.config import Settings
from visionyard.db import event_log
from visionyard.db.models import Event, Notification, Run, Sweep, utcnow
from visionyard.db.session import Database, unreachable
from visionyard.notify import message
from visionyard.notify.delivery import DeliveryFailed, send
from visionyard.notify.targets import check, redact

log = logging.getLogger("visionyard.notify")

CURSOR = "notify"
SENDERS = 4
"""Deliveries in flight at once."""
LEASE = timedelta(seconds=60)
"""How long a claimed notification is held by the server sending it (beyond the send's timeout): one
whose server died mid-send is tried again after it."""
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class Notifier:
    """:meth:`enqueue` is one step of following the log, :meth:`claim` and :meth:`attempt` one delivery."""

    def __init__(self, settings: Settings, db: Database):
        self.settings, self.db = settings, db
        self.targets = check(settings.notify_urls, "VISIONYARD_NOTIFY_URLS")
        self.statuses = {str(s) for s in settings.notify_statuses}
        self.secret = settings.notify_secret.get_secret_value() if settings.notify_secret else None

    def enqueue(self, limit: int = 200) -> int:
        """Notifications for the status events after the cursor; returns how many events were read. The first
        call starts at the end of the log: what happened before notifications existed is not sent."""
        with self.db.serialised() as session:  # one server at a time moves the cursor
            after = event_log.position(session, CURSOR)
            if after is None:
                event_log.move_to(session, CURSOR, session.scalar(select(func.max(Event.id))) or 0)
                return 0
            events = event_log.events_after(session, after, limit)
            for event in events:
                self._notifications_of(session, event)
            if events:
                event_log.move_to(session, CURSOR, events[-1].id)
        return len(events)

    def _notifications_of(self, session: Any, event: Event) -> None:
        if event.kind not in ("status", "sweep") or event.data.get("status") not in self.statuses:
            return
        if event.kind == "sweep":
            sweep = session.get(Sweep, event.data["id"])
            if sweep is not None:
                payload = message.about_sweep(self.settings, sweep, event, _trials(session, sweep.id))
                self._add(session, event, payload, sweep.notify, sweep_id=sweep.id)
            return
        run = session.get(Run, event.run_id) if event.run_id else None
        if run is not None and run.sweep_id is None:  # a sweep's trials are told of by the sweep
            self._add(session, event, message.about(self.settings, run, event), run.notify, run_id=run.id)

    def _add(self, session: Any, event: Event, payload: dict[str, Any], own: list[str] | None, **about: str) -> None:
        now = utcnow()
        for target in dict.fromkeys([*self.targets, *(own or [])]):
            session.add(
                Notification(event_id=event.id, target=target, payload=payload, status=PENDING, next_at=now, **about)
            )

    def claim(self, limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        """Up to ``limit`` notifications due now, held for this server (``next_at`` moved past their send)."""
        now = utcnow()
        with self.db.serialised() as session:
            due = session.scalars(
                select(Notification)
                .where(Notification.status == PENDING, Notification.next_at <= now)
                .order_by(Notification.next_at, Notification.id)
                .limit(limit)
            ).all()
            for note in due:
                note.next_at = now + LEASE + timedelta(seconds=self.settings.notify_timeout)
            return [(note.id, note.target, note.payload) for note in due]

    def attempt(self, note_id: int, target: str, payload: dict[str, Any]) -> None:
        """Send one notification once and record how it went (the row, and an event of its run)."""
        error = None
        try:
            send(target, payload, delivery_id=note_id, secret=self.secret, timeout=self.settings.notify_timeout)
        except DeliveryFailed as exc:
            error = str(exc)
        except Exception as exc:  # a bug or a library's surprise: recorded as the try's failure
            log.exception("notification %d to %s failed", note_id, redact(target))
            error = f"{type(exc).__name__} sending to {redact(target)}"
        self._record(note_id, error)

    def _record(self, note_id: int, error: str | None) -> None:
        with self.db.write() as session:
            note = session.get(Notification, note_id)
            if note is None:  # its run or sweep was deleted meanwhile
                return
            note.attempts += 1
            note.last_error = error
            now = utcnow()
            if error is None:
                note.status, note.delivered_at = DELIVERED, now
            elif note.attempts >= self.settings.notify_attempts:
                note.status = FAILED
                log.warning(
                    "notification %d to %s given up after %d tries: %s",
                    note_id,
                    redact(note.target),
                    note.attempts,
                    error,
                )
            else:
                note.next_at = now + timedelta(seconds=self.settings.notify_backoff * 2 ** (note.attempts - 1))
            session.add(
                Event(
                    run_id=note.run_id,
                    kind="notification",
                    data={
                        "id": note.id,
                        **({"sweep_id": note.sweep_id} if note.sweep_id else {}),
                        "target": redact(note.target),
                        "status": note.status if note.status != PENDING else "retrying",
                        "about": message.subject(note.payload)["status"],
                        "attempts": note.attempts,
                        "error": error,
                        "next_at": note.next_at.isoformat(timespec="milliseconds") if note.status == PENDING else None,
                    },
                )
            )


def _trials(session: Any, sweep_id: str) -> dict[str, int]:
    """A sweep's trials' runs by status."""
    counted = session.execute(select(Run.status, func.count()).where(Run.sweep_id == sweep_id).group_by(Run.status))
    return {status: count for status, count in counted}


class NotifierThread(threading.Thread):
    """The notifier in the service: follows the log every ``interval`` seconds and keeps the senders busy."""

    def __init__(self, notifier: Notifier, interval: float = 0.5):
        super().__init__(name="notifier", daemon=True)
        self.notifier, self.interval = notifier, interval
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="notify-send")
        self._busy: set[Future[None]] = set()
        self._halt = threading.Event()

    def run(self) -> None:
        failing = False
        while not self._halt.wait(self.interval):
            try:
                while self.notifier.enqueue():
                    pass
                self._send_due()
            except Exception as exc:
                if not failing:
                    log.log(
                        logging.WARNING if unreachable(exc) else logging.ERROR,
                        "notifier: %s; trying again",
                        exc,
                        exc_info=not unreachable(exc),
                    )
                failing = True
                continue
            if failing:
                log.info("notifier: going again")
            failing = False

    def _send_due(self) -> None:
        self._busy = {sending for sending in self._busy if not sending.done()}
        if free := SENDERS - len(self._busy):
            for note_id, target, payload in self.notifier.claim(free):
                self._busy.add(self._senders.submit(self._send, note_id, target, payload))

    def _send(self, note_id: int, target: str, payload: dict[str, Any]) -> None:
        try:
            self.notifier.attempt(note_id, target, payload)
        except Exception:  # the outcome was not recorded (the database is down): the lease runs out, it goes again
            log.exception("notification %d: outcome not recorded", note_id)

    def stop(self, timeout: float = 10.0) -> None:
        self._halt.set()
        self._senders.shutdown(wait=False, cancel_futures=True)
        if self.is_alive():
            self.join(timeout)


def start_notifier(settings: Settings, db: Database) -> NotifierThread:
    """The service's notifier (it also serves runs' own targets when the server has none)."""
    thread = NotifierThread(Notifier(settings, db))
    thread.start()
    if settings.notify_urls:
        log.info("notifications to %s", ", ".join(redact(url) for url in settings.notify_urls))
    return thread
