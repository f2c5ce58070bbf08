"""Claims against a real database file: order, slots, and no double start under contention."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from tests.helpers import queue_run
from visionyard.core import lifecycle
from visionyard.core.claims import claim, claim_next_job, claim_next_run
from visionyard.db.models import Job, Run, utcnow
from visionyard.db.session import Database


def queued_runs(db: Database, count: int) -> list[str]:
    return [queue_run(db, f"run-{i:03d}") for i in range(count)]


def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'vy.db'}")
    db.migrate()
    return db


def test_runs_are_claimed_in_order_one_slot_at_a_time(tmp_path: Path):
    db = database(tmp_path)
    ids = queued_runs(db, 3)
    assert claim_next_run(db, max_active=1) == ids[0]
    assert claim_next_run(db, max_active=1) is None
    assert claim_next_run(db, max_active=2) == ids[1]
    assert claim(db, Run, ids[0]) is False
    with db.write() as session:
        lifecycle.move(session, session.get_one(Run, ids[0]), "completed")
    assert claim_next_run(db, max_active=2) == ids[2]


def test_each_executor_has_its_slots_and_auto_fills_this_host_first(tmp_path: Path):
    db = database(tmp_path)
    for run_id, asked in (("a", None), ("b", None), ("c", "local"), ("d", "ray"), ("e", None)):
        queue_run(db, run_id, executor=asked)

    def next_claim() -> tuple[str, str] | None:
        run_id = claim_next_run(db, max_active=1, cluster_slots=2, default_executor="auto")
        if run_id is None:
            return None
        with db.session() as session:
            return run_id, session.get_one(Run, run_id).executor

    assert next_claim() == ("a", "local")  # auto: this host's free slot first
    assert next_claim() == ("b", "ray")  # then the cluster
    assert next_claim() == ("d", "ray")  # c waits for this host's one slot; d, asking for the cluster, passes
    assert next_claim() is None  # both cluster slots and the local one are taken
    with db.write() as session:
        lifecycle.move(session, session.get_one(Run, "a"), "completed")
    assert next_claim() == ("c", "local")
    assert claim_next_run(db, max_active=1, cluster_slots=0, default_executor="ray") is None  # e: no cluster slot
    with db.write() as session:
        lifecycle.move(session, session.get_one(Run, "c"), "completed")
        lifecycle.move(session, session.get_one(Run, "b"), "completed")
    queue_run(db, "gpu", config={"hardware": {"accelerator": "cuda"}}, queued_at=utcnow() - timedelta(hours=1))
    assert next_claim() == ("gpu", "ray")  # auto: this host (no GPUs) could never train it, the cluster may


def test_a_job_goes_where_its_run_trained_when_this_server_has_a_cluster(tmp_path: Path):
    db = database(tmp_path)
    for run_id in ("here", "there"):
        queue_run(db, run_id)
        claim_next_run(db, max_active=1, cluster_slots=1, default_executor="ray" if run_id == "there" else "local")
    with db.write() as session:
        for run_id in ("here", "there"):
            lifecycle.move(session, session.get_one(Run, run_id), "completed")
            session.add(Job(id=f"job-{run_id}", run_id=run_id, kind="test", status="queued", params={}))

    def next_job(default_executor: str) -> tuple[str, str] | None:
        job_id = claim_next_job(db, max_running=2, default_executor=default_executor)
        with db.session() as session:
            return (job_id, session.get_one(Job, job_id).executor) if job_id else None

    assert next_job("auto") == ("job-here", "local")
    assert next_job("auto") == ("job-there", "ray")
    with db.write() as session:
        job = session.get_one(Job, "job-there")
        job.status, job.executor = "queued", None
    assert next_job("local") == ("job-there", "local")  # a server without a cluster reads the store itself


def test_concurrent_schedulers_never_start_a_run_twice_or_exceed_the_slots(tmp_path: Path):
    claim_contention(database(tmp_path))


def claim_contention(db: Database) -> None:
    """Four schedulers with their own connections race for 40 queued runs and 3 slots."""
    queued_runs(db, 40)
    claimed: list[str] = []
    lock = threading.Lock()

    def scheduler() -> None:
        own = Database(db.url)
        for _ in range(60):
            run_id = claim_next_run(own, max_active=3)
            if run_id is not None:
                with lock:
                    claimed.append(run_id)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 3 and len(set(claimed)) == 3
    with db.session() as session:
        running = [r.id for r in session.query(Run).filter(Run.status == "running")]
        assert sorted(running) == sorted(claimed)
        assert all(r.attempt == 1 for r in session.query(Run).filter(Run.status == "running"))
