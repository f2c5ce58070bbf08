"""Claiming queued runs and jobs: oldest first, within their slots, each in one serialised transaction,
so two schedulers (or a scheduler and the foreground CLI) never claim one twice."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visionyard.common.statuses import JobStatus, RunStatus
from visionyard.core import devices, lifecycle
from visionyard.db.models import Job, Run, utcnow
from visionyard.db.session import Database


def claim_next_run(
    db: Database,
    max_active: int,
    pool: Sequence[int] = (),
    backfill_s: float = 0.0,
    cluster_slots: int = 0,
    default_executor: str = "local",
) -> str | None:
    """Move the next runnable run to ``running`` and return its id, or None.

    A run restarting after a crash keeps its slot, its executor and its GPUs and goes first once its
    backoff has passed. A queued run goes to the executor it names, else ``default_executor`` (``auto``: a
    free local slot first, else the cluster; always the cluster for a run this host's GPUs could never
    hold), which needs a free slot: ``max_active`` on this host,
    ``cluster_slots`` on the Ray cluster. A local run that trains on GPUs needs as many free GPUs of
    ``pool`` as it asks for, which it is given (the cluster places its own). Runs are taken oldest first;
    a run waiting for GPUs or a slot lets the runs behind it pass (backfill) until it has waited
    ``backfill_s`` seconds for GPUs, then only runs needing no GPU pass it, so the GPUs drain to it
    (``backfill_s=0``: strict FIFO for GPU runs).
    """
    now = utcnow()
    if not _any_waiting(db, Run, (RunStatus.QUEUED, RunStatus.RESTARTING)):
        return None
    with db.serialised() as session:
        run = session.scalar(
            select(Run)
            .where(Run.status == RunStatus.RESTARTING, Run.not_before <= now)
            .order_by(Run.not_before, Run.id)
            .limit(1)
        )
        if run is not None:
            _claim_run(session, run, "claimed")
            return run.id
        free = _free_slots(session, {"local": max_active, "ray": cluster_slots})
        if not any(free.values()):
            return None
        queued = session.scalars(select(Run).where(Run.status == RunStatus.QUEUED).order_by(Run.queued_at, Run.id))
        free_gpus = set(pool) - held_gpus(session)
        draining = False
        for candidate in queued:
            wanted = candidate.requested_executor or default_executor
            if wanted == "auto" and not devices.fits_here(candidate.config, pool):
                wanted = "ray"
            where = _placed(wanted, free)
            if where is None:
                continue
            asked = devices.wanted(candidate.config, pool) if where == "local" else 0
            given = devices.pick(asked, free_gpus)
            if given is not None and not (draining and given):
                _claim_run(session, candidate, "claimed", assigned_devices=given or None, executor=where)
                return candidate.id
            if given is None and (now - (candidate.queued_at or now)).total_seconds() >= backfill_s:
                draining = True
        return None


def _free_slots(session: Session, slots: dict[str, int]) -> dict[str, int]:
    """Free slots per executor (an active run from before executors were recorded holds a local one)."""
    active = session.execute(
        select(Run.executor, func.count()).where(Run.status.in_(lifecycle.ACTIVE)).group_by(Run.executor)
    )
    free = dict(slots)
    for executor, count in active:
        name = executor or "local"
        free[name] = free.get(name, 0) - count
    return {name: max(0, count) for name, count in free.items()}


def _placed(wanted: str, free: dict[str, int]) -> str | None:
    """The executor a queued run goes to now (``auto``: local first), or None while it has no free slot."""
    for name in ("local", "ray") if wanted == "auto" else (wanted,):
        if free.get(name, 0) > 0:
            return name
    return None


def held_gpus(session: Session) -> set[int]:
    """The GPUs active runs hold."""
    held = session.scalars(select(Run.assigned_devices).where(Run.status.in_(lifecycle.ACTIVE)))
    return {gpu for gpus in held if gpus for gpu in gpus}


def claim_next_job(db: Database, max_running: int, default_executor: str = "local") -> str | None:
    """Move the oldest queued job to ``running`` when fewer than ``max_running`` run; its id, or None.

    A job goes where its run trained: to the Ray cluster when the run did and this server has one
    (``default_executor`` not ``local``), else to this host."""
    if not _any_waiting(db, Job, (JobStatus.QUEUED,)):
        return None
    with db.serialised() as session:
        if _count(session, Job, (JobStatus.RUNNING,)) >= max_running:
            return None
        job = session.scalar(
            select(Job).where(Job.status == JobStatus.QUEUED).order_by(Job.created_at, Job.id).limit(1)
        )
        if job is None:
            return None
        run = session.get(Run, job.run_id) if job.run_id else None
        on_cluster = default_executor != "local" and run is not None and run.executor == "ray"
        lifecycle.move(session, job, JobStatus.RUNNING, executor="ray" if on_cluster else "local")
        return job.id


def claim(db: Database, kind: type[Run] | type[Job], item_id: str, pool: Sequence[int] = ()) -> bool:
    """Claim one given queued run or job (the foreground CLI), whatever the slots say; a run is given
    the GPUs it asks for if they are free (else it uses what its process sees)."""
    with db.serialised() as session:
        item = session.get(kind, item_id)
        if item is None or item.status != RunStatus.QUEUED:  # a job's queued is spelled alike
            return False
        if isinstance(item, Run):
            given = devices.pick(devices.wanted(item.config, pool), set(pool) - held_gpus(session))
            _claim_run(session, item, "claimed in the foreground", assigned_devices=given or None, executor="local")
        else:
            lifecycle.move(session, item, JobStatus.RUNNING, executor="local")
        return True


def _any_waiting(db: Database, kind: type[Run] | type[Job], statuses: tuple[str, ...]) -> bool:
    """A cheap read first, so an idle scheduler takes no write lock."""
    with db.session() as session:
        return session.scalar(select(kind.id).where(kind.status.in_(statuses)).limit(1)) is not None


def _count(session: Session, kind: type[Run] | type[Job], statuses: tuple[str, ...]) -> int:
    return session.scalar(select(func.count()).where(kind.status.in_(statuses))) or 0


def _claim_run(session: Session, run: Run, reason: str, **fields: object) -> None:
    now = utcnow()
    lifecycle.move(
        session,
        run,
        RunStatus.RUNNING,
        reason=reason,
        attempt=run.attempt + 1,
        started_at=run.started_at or now,
        heartbeat_at=now,
        control=None,
        not_before=None,
        **fields,
    )
