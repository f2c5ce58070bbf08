"""Sweeps as the API and the CLI show them: their runs joined with their study's trials."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy import func, select

from visionyard.common.statuses import RunStatus
from visionyard.db.models import Run, Sweep
from visionyard.schemas.sweeps import SweepList, SweepPublic, SweepSummary, Trial
from visionyard.services.sweeps import actions, get_sweep, trial_counts, trial_runs
from visionyard.tuning import space as spaces
from visionyard.tuning import study as studies

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("visionyard.sweeps")


def listed(session: Session, limit: int, offset: int) -> SweepList:
    total = session.scalar(select(func.count()).select_from(Sweep)) or 0
    query = select(Sweep).order_by(Sweep.created_at.desc(), Sweep.id.desc()).limit(limit).offset(offset)
    sweeps = list(session.scalars(query))
    counts = trial_counts(session, [s.id for s in sweeps])
    items = [SweepSummary.model_validate(_summary(s, counts[s.id])) for s in sweeps]
    return SweepList(items=items, total=total, limit=limit, offset=offset)


def shown(session: Session, url: str, sweep_id: str) -> SweepPublic:
    sweep = get_sweep(session, sweep_id)
    runs = {run.trial_number: run for run in trial_runs(session, sweep.id)}
    frozen = studies.load(url, sweep.id).get_trials(deepcopy=False)
    trials = [_trial(t, runs.get(t.number)) for t in frozen]
    best = _best(sweep, trials)
    return SweepPublic.model_validate(
        {
            **_summary(sweep, trial_counts(session, [sweep.id])[sweep.id]),
            "config": sweep.config,
            "space": sweep.space,
            "trials": trials,
            "best_trial": best,
            "best_config": spaces.trial_config(sweep.config, best.params) if best else None,
            "importances": _importances(url, sweep.id, sum(t.state == TrialState.COMPLETE for t in frozen)),
        }
    )


def _summary(sweep: Sweep, counts: dict[str, int]) -> dict[str, Any]:
    fields = {name: getattr(sweep, name) for name in SweepSummary.model_fields if hasattr(sweep, name)}
    return {**fields, "trial_counts": counts, "actions": actions(sweep)}


def _trial(frozen: FrozenTrial, run: Run | None) -> Trial:
    if run is not None:
        status = RunStatus(run.status)
    else:  # asked but no run yet (queued within a tick), or refused before a run could be made
        status = RunStatus.QUEUED if frozen.state == TrialState.RUNNING else RunStatus.FAILED
    return Trial(
        number=frozen.number,
        run_id=run.id if run else None,
        status=status,
        params=frozen.params,
        value=frozen.value if frozen.state == TrialState.COMPLETE else None,
        epochs=run.current_epoch if run else 0,
        intermediate=dict(frozen.intermediate_values),
        error=frozen.user_attrs.get("error") or (run.error if run else None),
    )


def _best(sweep: Sweep, trials: list[Trial]) -> Trial | None:
    scored = [t for t in trials if t.value is not None]
    if not scored:
        return None
    pick = max if sweep.objective["direction"] == "maximize" else min
    return pick(scored, key=lambda t: (t.value, -t.number) if pick is max else (t.value, t.number))


@functools.lru_cache(maxsize=64)
def _importances(url: str, sweep_id: str, completed: int) -> dict[str, float]:
    """fANOVA importances (cached until another trial completes); none before two trials completed."""
    if completed < 2:
        return {}
    try:
        found = optuna.importance.get_param_importances(studies.load(url, sweep_id))
    except (ValueError, RuntimeError) as exc:  # too few distinct values, a single-parameter space
        log.info("sweep %s: no parameter importances yet: %s", sweep_id, exc)
        return {}
    return {name: round(float(value), 6) for name, value in found.items()}
