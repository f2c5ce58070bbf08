"""Runs side by side: their configs key by key (the keys that differ marked), best and final metrics, and
every epoch's metrics for overlaying their curves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.common.dotted import flatten
from visionyard.common.errors import Invalid, NotFound
from visionyard.db.models import MetricRow, Run
from visionyard.schemas.runs import ComparedRun, ConfigRow, RunComparison

MISSING = object()
MOST = 10


class CompareRejected(Invalid):
    code = "compare_rejected"


def compare(session: Session, run_ids: list[str]) -> RunComparison:
    """The runs in the order asked (each once, 2 to :data:`MOST`); a run that is not there is a 404 naming it."""
    run_ids = list(dict.fromkeys(run_ids))
    if not 2 <= len(run_ids) <= MOST:
        raise CompareRejected(f"compare 2 to {MOST} different runs, not {len(run_ids)}")
    found = {run.id: run for run in session.scalars(select(Run).where(Run.id.in_(run_ids)))}
    if missing := [run_id for run_id in run_ids if run_id not in found]:
        raise NotFound(f"no run {', '.join(missing)}")
    runs = [found[run_id] for run_id in run_ids]
    histories: dict[str, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
    rows = select(MetricRow.run_id, MetricRow.values).where(MetricRow.run_id.in_(run_ids)).order_by(MetricRow.epoch)
    for run_id, values in session.execute(rows):
        histories[run_id].append(values)
    flat = [flatten(run.config) for run in runs]
    keys = sorted({key for config in flat for key in config})
    return RunComparison(
        runs=[ComparedRun.model_validate(run).model_copy(update={"history": histories[run.id]}) for run in runs],
        config=[_row(key, [config.get(key, MISSING) for config in flat]) for key in keys],
        metrics=sorted({name for run in runs for name in run.final_metrics if name not in ("epoch", "step")}),
    )


def _row(key: str, values: list[Any]) -> ConfigRow:
    differs = any(value != values[0] or (value is MISSING) != (values[0] is MISSING) for value in values)
    return ConfigRow(key=key, values=[None if v is MISSING else v for v in values], differs=differs)
