"""The MLflow mirror: a follower of the event log that replays each event into MLflow.

Every state change of a run is appended to ``events`` in the transaction that makes it, so following
that log after a cursor (``cursors.name = "mlflow"``) sees every status (a crash the scheduler noticed,
a pause, a stop), every epoch, export and registry change, in order. Training never waits on MLflow
and never fails because of it: an MLflow that cannot be reached holds the cursor until it can.

mlflow is imported only when a mirror is built (``VISIONYARD_MLFLOW_TRACKING_URI`` set).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from visionyard.common.errors import Unavailable
from visionyard.common.retry import retry_call
from visionyard.config import Settings
from visionyard.db import event_log
from visionyard.db.models import Event
from visionyard.db.session import Database
from visionyard.tracking.transient import is_transient

if TYPE_CHECKING:
    from visionyard.tracking.writer import MlflowWriter

log = logging.getLogger("visionyard.tracking")

CURSOR = "mlflow"
ATTEMPTS = 3
"""Tries of an event that MLflow refuses (a 4xx answer, a bad value) before it is skipped."""
RETRY_PAUSE = 0.2
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}
"""MLflow's client retries a request for minutes by default; the mirror retries on its own instead."""


class TrackingUnavailable(Unavailable):
    """Tracking is configured but cannot work here (mlflow is not installed)."""

    code = "tracking_unavailable"


class MirrorUnavailable(Unavailable):
    """MLflow could not be reached or answered with a server error; the event is tried again later."""

    code = "tracking_unavailable"


def check_available() -> None:
    if importlib.util.find_spec("mlflow") is None:
        raise TrackingUnavailable(
            "VISIONYARD_MLFLOW_TRACKING_URI is set but mlflow is not installed: pip install 'visionyard[mlflow]' "
            "(or unset the variable)"
        )


def make_client(tracking_uri: str) -> Any:
    check_available()
    for name, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


class TrackingMirror:
    """Applies the events after the cursor to MLflow; :meth:`apply_pending` is one step of the follower."""

    def __init__(self, settings: Settings, db: Database, client: Any = None):
        uri = settings.mlflow_tracking_uri
        if not uri:
            raise TrackingUnavailable("VISIONYARD_MLFLOW_TRACKING_URI is not set")
        from visionyard.tracking.writer import MlflowWriter

        self.settings, self.db = settings, db
        self.writer: MlflowWriter = MlflowWriter(settings, db, client if client is not None else make_client(uri))

    def apply_pending(self, limit: int = 100) -> int:
        """Apply up to ``limit`` events after the cursor; returns how many were done (applied or skipped).

        Raises :class:`MirrorUnavailable` when MLflow cannot take an event now; the cursor stays before it."""
        done = 0
        for event in self._next_events(limit):
            self._apply(event)
            self._advance(event.id)
            done += 1
        return done

    def drain(self, limit: int = 100) -> int:
        """Apply everything pending (and what arrives meanwhile); returns the number of events done."""
        total = 0
        while count := self.apply_pending(limit):
            total += count
        return total

    def position(self) -> tuple[int, int, int]:
        """(cursor, newest event id, events after the cursor)."""
        with self.db.session() as session:
            after = event_log.position(session, CURSOR) or 0
            newest = session.scalar(select(func.max(Event.id))) or 0
            pending = session.scalar(select(func.count()).where(Event.id > after)) or 0
        return after, newest, pending

    def rewind(self, event_id: int = 0) -> None:
        """Move the cursor back (``visionyard tracking sync --from-start``): events are applied again."""
        with self.db.write() as session:
            event_log.move_to(session, CURSOR, event_id, back=True)

    def _next_events(self, limit: int) -> list[Event]:
        with self.db.session() as session:
            return event_log.events_after(session, event_log.position(session, CURSOR) or 0, limit)

    def _apply(self, event: Event) -> None:
        """Apply one event, tried again when MLflow refuses it; skipped (and logged) when it keeps refusing.
        MLflow or the database down is not the event's fault: the follower waits for them instead."""
        what = f"event {event.id} ({event.kind} of run {event.run_id})"
        try:
            apply = partial(self.writer.apply, event)
            retry_call(apply, what=what, log=log, attempts=ATTEMPTS, backoff=RETRY_PAUSE, give_up_on=is_transient)
        except Exception as exc:
            if is_transient(exc):
                raise MirrorUnavailable(f"{type(exc).__name__}: {exc}") from exc
            log.error("%s skipped after %d attempts: %s", what, ATTEMPTS, exc, exc_info=exc)

    def _advance(self, event_id: int) -> None:
        with self.db.write() as session:
            event_log.move_to(session, CURSOR, event_id)


class MirrorThread(threading.Thread):
    """The mirror in the service: polls the log every ``interval`` seconds, backs off while MLflow is down."""

    def __init__(self, settings: Settings, db: Database, interval: float = 1.0, max_backoff: float = 60.0):
        super().__init__(name="mlflow-mirror", daemon=True)
        self.settings, self.db, self.interval, self.max_backoff = settings, db, interval, max_backoff
        self.mirror: TrackingMirror | None = None
        self._halt = threading.Event()

    def run(self) -> None:
        delay, failing = 0.0, False
        while not self._halt.wait(delay):
            try:
                if self.mirror is None:
                    self.mirror = TrackingMirror(self.settings, self.db)
                while not self._halt.is_set() and self.mirror.apply_pending():
                    pass
                if failing:
                    log.info("MLflow mirror: %s reachable again", self.settings.mlflow_tracking_uri)
                delay, failing = self.interval, False
            except Exception as exc:
                if not failing:
                    level = logging.WARNING if isinstance(exc, MirrorUnavailable) else logging.ERROR
                    log.log(level, "MLflow mirror: %s; retrying with backoff", exc, exc_info=level == logging.ERROR)
                delay, failing = min(max(delay, self.interval) * 2, self.max_backoff), True

    def stop(self, timeout: float = 10.0) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout)


def start_mirror(settings: Settings, db: Database) -> MirrorThread | None:
    """Start the service's mirror when ``VISIONYARD_MLFLOW_TRACKING_URI`` is set (None otherwise)."""
    if not settings.mlflow_tracking_uri:
        return None
    check_available()
    thread = MirrorThread(settings, db)
    thread.start()
    log.info("MLflow mirror to %s started", settings.mlflow_tracking_uri)
    return thread


def drain_once(settings: Settings, db: Database) -> str:
    """Mirror what is pending now (the foreground ``visionyard train``); never raises; says what happened."""
    try:
        done = TrackingMirror(settings, db).drain()
    except (TrackingUnavailable, MirrorUnavailable) as exc:
        return f"MLflow: not mirrored now ({exc}); a server or `visionyard tracking sync` will catch up"
    except Exception as exc:
        log.exception("MLflow mirror failed")
        return f"MLflow: mirror failed ({type(exc).__name__}: {exc}); `visionyard tracking sync` will retry"
    return f"MLflow: {done} events mirrored to {settings.mlflow_tracking_uri}"
