"""Sweep use cases: create one (its space checked against the model's config schema), list and show them, pause,
resume, stop and delete. The trials are queued and accounted for by :mod:`visionyard.services.sweep_driver`."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select

from visionyard.common.errors import Conflict, Invalid, NotFound
from visionyard.common.statuses import RunStatus, SweepStatus
from visionyard.common.tasks import headline
from visionyard.core import lifecycle
from visionyard.db.models import Run, Sweep, utcnow
from visionyard.notify import targets
from visionyard.plugins.validation import resolve_config
from visionyard.schemas.sweeps import SweepAction
from visionyard.services import control, datasets
from visionyard.services.runs import RunPublished, check_fits, delete_run
from visionyard.tuning import space as spaces
from visionyard.tuning import study as studies

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from visionyard.core.context import Context

log = logging.getLogger("visionyard.sweeps")

DEFAULT_TRIALS = 20
ACCEPTED_IN: dict[SweepAction, tuple[SweepStatus, ...]] = {
    "pause": (SweepStatus.RUNNING,),
    "resume": (SweepStatus.PAUSED, SweepStatus.STOPPED),
    "stop": (SweepStatus.RUNNING, SweepStatus.PAUSED),
    "delete": (SweepStatus.COMPLETED, SweepStatus.STOPPED, SweepStatus.FAILED),
}
PENDING = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RESTARTING, RunStatus.PAUSED)
"""A trial's run statuses before it ends."""
HOLDING = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RESTARTING)
"""A trial's run statuses that count against the sweep's parallelism."""


class SweepNotFound(NotFound):
    code = "sweep_not_found"

    def __init__(self, sweep_id: str):
        super().__init__(f"no sweep {sweep_id!r}")


class SweepTransitionError(Conflict):
    code = "transition_not_allowed"

    def __init__(self, sweep: Sweep, action: str, why: str = ""):
        super().__init__(f"cannot {action} sweep {sweep.id}: it is {sweep.status}{why}")


class InvalidSweep(Invalid):
    code = "invalid_sweep"

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")

    def fields(self) -> list[dict[str, str]]:
        return [{"path": self.path, "reason": self.reason}]


@dataclass
class SweepSpec:
    """What a user asks for (the API's body, the CLI's options)."""

    model: str
    dataset: str
    space: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)
    objective: dict[str, Any] | None = None
    """``metric`` and ``direction``; default the task's headline metric."""
    n_trials: int | None = None
    """Default: the grid's size for a grid search, else 20."""
    parallelism: int = 1
    sampler: str = "tpe"
    pruner: str | dict[str, Any] = "none"
    """A pruner's name, or its ``type`` with its options."""
    timeout_s: float | None = None
    name: str | None = None
    notify: list[str] = field(default_factory=list)
    """The sweep's own notification targets (``notify.targets``)."""


def new_sweep_id() -> str:
    return f"sweep-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def create_sweep(ctx: Context, spec: SweepSpec) -> Sweep:
    """Check everything a trial will need (model, dataset, base config, space, objective), make the study and
    the sweep; the driver queues its first trials within a tick."""
    notify = targets.check(spec.notify, "notify")
    entry = ctx.catalog().get(spec.model)
    assert entry.config_schema is not None and entry.metadata is not None
    task = entry.metadata.task_type
    dataset_name, path = datasets.resolve(ctx, spec.dataset)
    check_fits(path, task, spec.model)
    sizes = entry.metadata.supported_image_sizes
    resolved = resolve_config(entry.config_schema, spec.config, None, task, sizes)
    space = spaces.check_space(entry.config_schema, spec.space, spec.config, task, sizes)
    n_trials = _trials(spec, space)
    metric = (spec.objective or {}).get("metric") or headline(task)
    direction = (spec.objective or {}).get("direction") or ("minimize" if metric.endswith("loss") else "maximize")
    sweep = Sweep(
        id=new_sweep_id(),
        name=(spec.name or "").strip() or None,
        status=SweepStatus.RUNNING,
        model=spec.model,
        task=task,
        dataset=dataset_name,
        config=spec.config,
        space=space,
        objective={"metric": metric, "direction": direction},
        n_trials=n_trials,
        parallelism=spec.parallelism,
        timeout_s=spec.timeout_s,
        sampler=spec.sampler,
        pruner=_pruner(spec.pruner),
        seed=resolved["seed"],
        notify=notify,
        started_at=utcnow(),
    )
    studies.create(ctx.db.url, sweep.id, direction)
    try:
        with ctx.db.write() as session:
            session.add(sweep)
            lifecycle.add_event(session, None, "sweep", id=sweep.id, status=sweep.status, previous=None)
    except Exception:
        studies.delete(ctx.db.url, sweep.id)
        raise
    log.info("sweep %s: %d trials of %s on %s", sweep.id, n_trials, spec.model, dataset_name)
    return sweep


def _trials(spec: SweepSpec, space: dict[str, dict[str, Any]]) -> int:
    if spec.sampler != "grid":
        return spec.n_trials or DEFAULT_TRIALS
    size = spaces.grid_size(space)
    if spec.n_trials is not None and spec.n_trials > size:
        raise InvalidSweep("n_trials", f"the grid has {size} points; ask for at most that many trials")
    return spec.n_trials or size


def _pruner(given: str | dict[str, Any]) -> dict[str, Any]:
    spec = {"type": given} if isinstance(given, str) else given
    try:
        return TypeAdapter(studies.PrunerSpec).validate_python(spec).model_dump()
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"][1:])
        raise InvalidSweep(f"pruner.{where}" if where else "pruner", error["msg"]) from None


def get_sweep(session: Session, sweep_id: str) -> Sweep:
    sweep = session.get(Sweep, sweep_id) if len(sweep_id) <= 64 else None
    if sweep is None:
        raise SweepNotFound(sweep_id)
    return sweep


def actions(sweep: Sweep) -> list[SweepAction]:
    """What can be done with the sweep now (delete once its last trial is accounted for)."""
    return [
        action
        for action, statuses in ACCEPTED_IN.items()
        if sweep.status in statuses and (action != "delete" or sweep.finished_at is not None)
    ]


def trial_runs(session: Session, sweep_id: str, statuses: tuple[str, ...] = ()) -> list[Run]:
    query = select(Run).where(Run.sweep_id == sweep_id).order_by(Run.trial_number)
    return list(session.scalars(query.where(Run.status.in_(statuses)) if statuses else query))


def trial_counts(session: Session, sweep_ids: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {sweep_id: {} for sweep_id in sweep_ids}
    rows = session.execute(
        select(Run.sweep_id, Run.status, func.count())
        .where(Run.sweep_id.in_(sweep_ids))
        .group_by(Run.sweep_id, Run.status)
    )
    for sweep_id, status, count in rows:
        counts[sweep_id][status] = count
    return counts


def pause(ctx: Context, sweep_id: str) -> Sweep:
    """Queued trials pause at once; running ones at the end of the epoch they are in. No trial starts meanwhile."""
    with ctx.db.serialised() as session:
        sweep = _accepting(session, sweep_id, "pause")
        for run in trial_runs(session, sweep.id, (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RESTARTING)):
            control.pause_in(session, run, at_epoch_end=True)
        move(session, sweep, SweepStatus.PAUSED)
        return sweep


def resume(ctx: Context, sweep_id: str) -> Sweep:
    """The same study goes on: a paused sweep's paused trials are queued again; a stopped sweep asks for the
    trials it has left (its stopped trials stay failed in the study)."""
    with ctx.db.serialised() as session:
        sweep = _accepting(session, sweep_id, "resume")
        if sweep.status == SweepStatus.PAUSED:
            for run in trial_runs(session, sweep.id, (RunStatus.PAUSED,)):
                control.requeue_in(session, run, "resume of its sweep")
        move(session, sweep, SweepStatus.RUNNING, error=None, finished_at=None, started_at=sweep.started_at or utcnow())
        return sweep


def stop(ctx: Context, sweep_id: str) -> Sweep:
    """Every trial not ended yet is stopped (a running one at its next step, with a checkpoint)."""
    with ctx.db.serialised() as session:
        sweep = _accepting(session, sweep_id, "stop")
        stop_trials(session, sweep, "stopped with its sweep")
        move(session, sweep, SweepStatus.STOPPED)
        return sweep


def stop_trials(session: Session, sweep: Sweep, reason: str) -> None:
    for run in trial_runs(session, sweep.id, PENDING):
        if run.control != "stop":
            control.stop_in(session, run, reason)


def delete_sweep(ctx: Context, sweep_id: str) -> None:
    """Remove an ended sweep, its study and its trials' runs (a run published to the registry stays)."""
    with ctx.db.session() as session:
        sweep = _accepting(session, sweep_id, "delete")
        if sweep.finished_at is None:
            raise SweepTransitionError(sweep, "delete", " and its trials are still ending")
        run_ids = [run.id for run in trial_runs(session, sweep.id)]
    for run_id in run_ids:
        try:
            delete_run(ctx, run_id)
        except RunPublished as exc:
            log.info("sweep %s: %s", sweep_id, exc)
    studies.delete(ctx.db.url, sweep_id)
    with ctx.db.write() as session:
        session.delete(get_sweep(session, sweep_id))


def _accepting(session: Session, sweep_id: str, action: SweepAction) -> Sweep:
    sweep = get_sweep(session, sweep_id)
    if sweep.status not in ACCEPTED_IN[action]:
        raise SweepTransitionError(sweep, action)
    return sweep


def move(session: Session, sweep: Sweep, status: SweepStatus, **fields: Any) -> None:
    """A sweep's status change, with its event (the run log's ``sweep`` events)."""
    previous, sweep.status = sweep.status, status
    for key, value in fields.items():
        setattr(sweep, key, value)
    lifecycle.add_event(session, None, "sweep", id=sweep.id, status=status, previous=previous)
