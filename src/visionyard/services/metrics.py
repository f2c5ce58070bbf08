"""Per-epoch metrics of a run and their summary (spec/001's summary shape)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.core.runs import get_run
from visionyard.db.models import MetricRow
from visionyard.schemas.runs import MetricsPublic, Summary

LOWER_IS_BETTER = ("loss", "seconds", "error")


def rows(session: Session, run_id: str) -> list[dict[str, Any]]:
    get_run(session, run_id)
    query = select(MetricRow.values).where(MetricRow.run_id == run_id).order_by(MetricRow.epoch)
    return list(session.scalars(query))


def columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        seen.extend(k for k in row if k not in seen)
    return seen


def table(session: Session, run_id: str) -> MetricsPublic:
    """Every epoch's row, and the columns any row has."""
    found = rows(session, run_id)
    return MetricsPublic(run_id=run_id, columns=columns(found), rows=found)


def summary(session: Session, run_id: str) -> Summary:
    """Best value of every metric column (lowest for losses) and the final row."""
    found = rows(session, run_id)
    names = [c for c in columns(found) if c not in ("epoch", "step")]
    best: dict[str, float] = {}
    for name in names:
        values = [r[name] for r in found if isinstance(r.get(name), int | float)]
        if values:
            lower = any(word in name for word in LOWER_IS_BETTER)
            best[f"best_{name}"] = min(values) if lower else max(values)
    return Summary(
        run_id=run_id,
        total_epochs=found[-1]["epoch"] if found else 0,
        total_steps=found[-1]["step"] if found else 0,
        best_metrics=best,
        final_metrics=dict(found[-1]) if found else {},
        available_columns=columns(found),
    )
