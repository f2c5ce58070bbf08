"""Per-epoch metrics of a run and their summary (spec/001's summary shape)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.core.runs import get_run
from visionyard.db.models import MetricRow

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


def summarise(run_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Best value of every metric column (lowest for losses) and the final row."""
    names = [c for c in columns(rows) if c not in ("epoch", "step")]
    best: dict[str, float] = {}
    for name in names:
        values = [r[name] for r in rows if isinstance(r.get(name), int | float)]
        if values:
            lower = any(word in name for word in LOWER_IS_BETTER)
            best[f"best_{name}"] = min(values) if lower else max(values)
    return {
        "run_id": run_id,
        "total_epochs": rows[-1]["epoch"] if rows else 0,
        "total_steps": rows[-1]["step"] if rows else 0,
        "best_metrics": best,
        "final_metrics": dict(rows[-1]) if rows else {},
        "available_columns": columns(rows),
    }
