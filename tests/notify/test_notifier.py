"""The notifier against a real SQLite file and a real HTTP receiver: one signed message per status change and
target, retried with backoff and recorded, apprise for other schemes, secrets never shown."""

from __future__ import annotations

import hmac
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import queue_run
from tests.receiver import Receiver
from visionyard.config import Settings
from visionyard.core import lifecycle
from visionyard.db.models import Event, Notification, Run, Sweep
from visionyard.db.session import Database
from visionyard.notify import Notifier, NotifierThread
from visionyard.notify.delivery import EVENT_HEADER, SIGNATURE_HEADER, sign
from visionyard.notify.targets import TargetRejected, check, redact

SECRET = "s3cret"


def settings_for(tmp_path: Path, urls: list[str], **values) -> Settings:
    return Settings(home=tmp_path, notify_urls=urls, notify_secret=SECRET, **{"notify_backoff": 0.05, **values})


def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'v.db'}")
    db.migrate()
    return db


def move(db: Database, run_id: str, *statuses: str, **fields) -> None:
    for status in statuses:
        with db.write() as session:
            lifecycle.move(session, session.get_one(Run, run_id), status, **fields)


def send_all(notifier: Notifier) -> None:
    notifier.enqueue()
    for note in notifier.claim(100):
        notifier.attempt(*note)


def test_each_watched_status_change_is_one_signed_message_per_target(tmp_path: Path):
    with Receiver() as receiver:
        db = database(tmp_path)
        run_id = queue_run(db, "r1", config={"validation": {"monitor": "val_acc"}})
        with db.write() as session:
            session.get_one(Run, run_id).notify = [f"{receiver.url}/ok/own", f"{receiver.url}/ok/server"]
        notifier = Notifier(settings_for(tmp_path, [f"{receiver.url}/ok/server"]), db)
        notifier.enqueue()  # the first look starts at the end of the log: the run's queueing is not news
        with db.write() as session:
            session.get_one(Run, run_id).best_metrics = {"val_acc": 0.75}
        move(db, run_id, "running", "paused", "queued", "running", "completed")
        send_all(notifier)

        server, own = receiver.at("/ok/server"), receiver.at("/ok/own")
        assert [r.json()["run"]["status"] for r in server] == ["paused", "completed"], "a target listed twice once"
        assert [r.json()["run"]["status"] for r in own] == ["paused", "completed"]
        completed = server[-1]
        assert hmac.compare_digest(completed.headers[SIGNATURE_HEADER], sign(completed.body, SECRET))
        assert {r.headers[EVENT_HEADER] for r in receiver.received} == {"run.status"}
        body = completed.json()
        assert body["kind"] == "run.status" and body["run"]["id"] == run_id
        assert body["run"]["previous_status"] == "running" and body["run"]["error"] is None
        assert body["run"]["headline"] == {"metric": "val_acc", "value": 0.75}
        assert body["run"]["url"] == f"http://127.0.0.1:8000/runs/{run_id}"
        with db.session() as session:
            notes = session.scalars(select(Notification)).all()
            assert {(n.status, n.attempts) for n in notes} == {("delivered", 1)} and len(notes) == 4
            events = session.scalars(select(Event).where(Event.kind == "notification")).all()
            assert len(events) == 4 and {e.data["status"] for e in events} == {"delivered"}
            assert {e.data["target"] for e in events} == {redact(receiver.url + "/ok/own")}

        send_all(notifier)  # nothing new: nothing sent again
        assert len(receiver.received) == 4


def test_a_failing_target_is_retried_with_backoff_then_given_up_and_every_try_is_recorded(tmp_path: Path):
    with Receiver() as receiver:
        db = database(tmp_path)
        run_id = queue_run(db, "r1")
        settings = settings_for(tmp_path, [f"{receiver.url}/fail/x"], notify_attempts=3, notify_backoff=0.2)
        notifier = Notifier(settings, db)
        notifier.enqueue()
        move(db, run_id, "running", "failed", error="CUDA out of memory")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(receiver.received) < 3:
            send_all(notifier)
            time.sleep(0.02)
        tries = receiver.at("/fail/x")
        assert len(tries) == 3 and tries[0].json()["run"]["error"] == "CUDA out of memory"
        assert tries[1].at - tries[0].at >= 0.2 and tries[2].at - tries[1].at >= 0.4, "the wait doubles"
        assert len({r.headers["X-Visionyard-Delivery"] for r in tries}) == 1, "one delivery id for all its tries"
        send_all(notifier)
        with db.session() as session:
            note = session.scalars(select(Notification)).one()
            assert (note.status, note.attempts) == ("failed", 3)
            assert note.last_error == f"{redact(receiver.url)} answered 500"
            kinds = [e.data["status"] for e in session.scalars(select(Event).where(Event.kind == "notification"))]
        assert kinds == ["retrying", "retrying", "failed"]


def test_a_dead_target_holds_one_sender_for_its_timeout_and_never_the_others(tmp_path: Path):
    with Receiver(hang_s=5) as receiver:
        db = database(tmp_path)
        run_id = queue_run(db, "r1")
        targets = [f"{receiver.url}/hang/x", f"{receiver.url}/ok/y"]
        notifier = Notifier(settings_for(tmp_path, targets, notify_timeout=1, notify_attempts=1), db)
        thread = NotifierThread(notifier, interval=0.05)
        thread.start()
        try:
            time.sleep(0.3)
            started = time.monotonic()
            move(db, run_id, "running", "completed")
            [ok] = receiver.wait("/ok/", 1, timeout=5)
            assert ok.at - started < 1.0, "the live target did not wait for the dead one"
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with db.session() as session:
                    hung = session.scalars(select(Notification).where(Notification.target == targets[0])).one()
                if hung.status == "failed":
                    break
                time.sleep(0.05)
            assert hung.status == "failed" and "ReadTimeout" in hung.last_error
        finally:
            thread.stop()


def test_apprise_takes_the_other_schemes(tmp_path: Path):
    with Receiver() as receiver:
        db = database(tmp_path)
        run_id = queue_run(db, "r1")
        apprise_url = receiver.url.replace("http://", "json://") + "/ok/apprise"
        notifier = Notifier(settings_for(tmp_path, [apprise_url]), db)
        notifier.enqueue()
        move(db, run_id, "running", "stopped")
        send_all(notifier)
        [message] = receiver.wait("/ok/apprise", 1)
        assert "run r1 stopped" in message.json()["title"] and "running -> stopped" in message.json()["message"]


def test_targets_are_checked_and_shown_without_their_secrets():
    assert (
        redact("https://user:pw@hooks.example.com:8443/services/T0/B0/XYZ?token=abc")
        == "https://hooks.example.com:8443/…"
    )
    assert redact("slack://T000/B000/XXXX") == "slack://…"
    assert check([" https://h.example/x "], "notify") == ["https://h.example/x"]
    for bad, reason in (("nope", "no scheme"), ("https:///path", "no host"), ("foo://bar", "apprise")):
        with pytest.raises(TargetRejected, match=reason) as caught:
            check(["https://ok.example/x", bad], "notify")
        assert "notify[1]" in str(caught.value) and "bar" not in str(caught.value).replace("foo://…", "")


def test_the_server_settings_parse_lists_both_ways_and_stay_out_of_workers(tmp_path: Path, monkeypatch):
    from visionyard.scheduler.executors.processes import settings_env

    monkeypatch.setenv("VISIONYARD_NOTIFY_URLS", "https://a.example/x, https://b.example/y")
    monkeypatch.setenv("VISIONYARD_NOTIFY_STATUSES", '["failed"]')
    monkeypatch.setenv("VISIONYARD_NOTIFY_SECRET", SECRET)
    settings = Settings(home=tmp_path)
    assert settings.notify_urls == ["https://a.example/x", "https://b.example/y"]
    assert settings.notify_statuses == ["failed"]
    env = settings_env(settings)
    assert not {"VISIONYARD_NOTIFY_URLS", "VISIONYARD_NOTIFY_SECRET", "VISIONYARD_NOTIFY_STATUSES"} & env.keys()
    assert SECRET not in repr(settings)


def test_a_sweep_is_notified_as_one_and_its_trials_are_not(tmp_path: Path):
    with Receiver() as receiver:
        db = database(tmp_path)
        with db.write() as session:
            session.add(
                Sweep(
                    id="sweep-1",
                    name="lr search",
                    status="running",
                    model="small_cnn",
                    task="classification",
                    dataset="digits",
                    config={},
                    space={},
                    objective={"metric": "val_acc", "direction": "maximize"},
                    n_trials=2,
                    parallelism=1,
                    sampler="tpe",
                    pruner={"type": "none"},
                    seed=42,
                    notify=[f"{receiver.url}/ok/own"],
                )
            )
        trial = queue_run(db, "t0")
        with db.write() as session:
            session.get_one(Run, trial).sweep_id = "sweep-1"
        notifier = Notifier(settings_for(tmp_path, [f"{receiver.url}/ok/server"]), db)
        notifier.enqueue()
        move(db, trial, "running", "completed")
        with db.write() as session:
            sweep = session.get_one(Sweep, "sweep-1")
            sweep.status, sweep.best_value = "completed", 0.9
            lifecycle.add_event(session, None, "sweep", id="sweep-1", status="completed", previous="running")
        send_all(notifier)
        assert [r.json()["kind"] for r in receiver.at("/ok/server")] == ["sweep.status"]
        assert [r.headers[EVENT_HEADER] for r in receiver.received] == ["sweep.status", "sweep.status"]
        body = receiver.at("/ok/own")[0].json()["sweep"]
        assert (body["id"], body["status"], body["previous_status"]) == ("sweep-1", "completed", "running")
        assert body["trials"] == {"completed": 1} and body["best"] == {"metric": "val_acc", "value": 0.9}
        assert body["url"] == "http://127.0.0.1:8000/sweeps/sweep-1"
        with db.session() as session:
            events = session.scalars(select(Event).where(Event.kind == "notification")).all()
            assert {(e.run_id, e.data["sweep_id"], e.data["about"]) for e in events} == {(None, "sweep-1", "completed")}
