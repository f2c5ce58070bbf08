"""The GPU pool against a real database file: runs given disjoint GPUs, held in the database while active,
given back when they leave; FIFO with backfill until the run waiting for GPUs has waited long enough."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers import queue_run
from visionyard.common.errors import Invalid
from visionyard.config import Settings
from visionyard.core import devices, lifecycle, recovery
from visionyard.core.claims import claim, claim_next_run
from visionyard.db.models import Run, utcnow
from visionyard.db.session import Database

POOL = [0, 1, 2, 3]


def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    db.migrate()
    return db


def queue(db: Database, run_id: str, hardware: dict, waited_s: float = 0.0) -> str:
    return queue_run(db, run_id, {"hardware": hardware}, utcnow() - timedelta(seconds=waited_s))


def held(db: Database, run_id: str) -> list[int] | None:
    with db.session() as session:
        return session.get_one(Run, run_id).assigned_devices


def finish(db: Database, run_id: str) -> None:
    with db.write() as session:
        lifecycle.move(session, session.get_one(Run, run_id), "completed")


def test_runs_get_disjoint_gpus_kept_in_the_database_and_given_back(tmp_path: Path):
    db = database(tmp_path)
    queue(db, "a", {"devices": 2})
    queue(db, "b", {"devices": 2})
    queue(db, "c", {"devices": 1})
    assert claim_next_run(db, 8, POOL) == "a"
    assert claim_next_run(db, 8, POOL) == "b"
    assert claim_next_run(db, 8, POOL) is None  # all four GPUs are held
    assert (held(db, "a"), held(db, "b")) == ([0, 1], [2, 3])
    finish(db, "a")
    assert held(db, "a") is None
    assert claim_next_run(db, 8, POOL) == "c" and held(db, "c") == [0]


def test_cpu_runs_take_no_gpu_and_named_gpus_wait_for_exactly_those(tmp_path: Path):
    db = database(tmp_path)
    queue(db, "two", {"devices": [2, 3]})
    queue(db, "cpu", {"accelerator": "cpu", "devices": 2})
    queue(db, "three", {"devices": [3]})
    assert claim_next_run(db, 8, POOL) == "two" and held(db, "two") == [2, 3]
    assert claim_next_run(db, 8, POOL) == "cpu" and held(db, "cpu") is None
    assert claim_next_run(db, 8, POOL) is None  # GPU 3 is taken, though 0 and 1 are free


def test_smaller_runs_pass_a_run_waiting_for_gpus_until_it_has_waited_long_enough(tmp_path: Path):
    db = database(tmp_path)
    queue(db, "holder", {"devices": 3})
    assert claim_next_run(db, 8, POOL) == "holder"
    queue(db, "big", {"devices": 2}, waited_s=10)
    queue(db, "small", {"devices": 1}, waited_s=5)
    queue(db, "small-2", {"devices": 1})
    assert claim_next_run(db, 8, POOL, backfill_s=60) == "small"  # big waits, small fits in the one free GPU
    finish(db, "small")
    assert claim_next_run(db, 8, POOL, backfill_s=5) is None  # big has waited 10 s: the GPUs drain to it
    queue(db, "cpu", {"accelerator": "cpu"})
    assert claim_next_run(db, 8, POOL, backfill_s=5) == "cpu"  # a run needing no GPU still passes
    finish(db, "holder")
    assert claim_next_run(db, 8, POOL, backfill_s=5) == "big" and held(db, "big") == [0, 1]


def test_a_dead_worker_gives_its_gpus_back_unless_the_run_restarts(tmp_path: Path):
    db = database(tmp_path)
    settings = Settings(home=tmp_path)
    for run_id, restarts in (("restarts", 1), ("fails", 0)):
        queue(db, run_id, {"devices": 1})
        with db.write() as session:
            session.get_one(Run, run_id).max_restarts = restarts
        assert claim_next_run(db, 8, POOL) == run_id
        with db.write() as session:
            recovery.fail_or_restart(session, settings, session.get_one(Run, run_id), "worker died")
    with db.session() as session:
        statuses = {r.id: (r.status, r.assigned_devices) for r in session.query(Run)}
    assert statuses == {"restarts": ("restarting", [0]), "fails": ("failed", None)}


def test_a_foreground_claim_takes_free_gpus(tmp_path: Path):
    db = database(tmp_path)
    queue(db, "here", {"devices": 2})
    assert claim(db, Run, "here", POOL) and held(db, "here") == [0, 1]


def test_a_run_the_pool_can_never_hold_is_refused():
    devices.check_fits({"hardware": {"devices": 4}}, POOL)
    devices.check_fits({"hardware": {"devices": 9}}, [])  # no pool: the worker says what is missing
    with pytest.raises(Invalid, match="pool has 4"):
        devices.check_fits({"hardware": {"devices": 5}}, POOL)
    with pytest.raises(Invalid, match=r"GPUs \[7\]"):
        devices.check_fits({"hardware": {"devices": [1, 7]}}, POOL)


def test_the_pool_is_the_setting_or_the_visible_gpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,6")
    assert devices.gpu_pool(Settings(home=tmp_path)) == [0, 1]
    assert devices.gpu_pool(Settings(home=tmp_path, gpus=[1, 0, 1])) == [0, 1]
    assert devices.cuda_visible([1]) == "6"  # the worker's GPU named as the server sees it
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert devices.gpu_pool(Settings(home=tmp_path)) == []
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert devices.cuda_visible([0, 2]) == "0,2"
    assert devices.as_visible({"hardware": {"devices": [2, 3], "strategy": "ddp"}}, [2, 3])["hardware"] == {
        "devices": 2,
        "strategy": "ddp",
    }
