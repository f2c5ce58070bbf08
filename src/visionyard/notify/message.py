"""What a notification says: the run, its new and previous status, its headline metric, its error, a link."""

from __future__ import annotations

from typing import Any

from visionyard.config import Settings
from visionyard.db.models import Event, Run
from visionyard.metrics.headlines import headline

KIND = "run.status"


def about(settings: Settings, run: Run, event: Event) -> dict[str, Any]:
    """The JSON body of a webhook for a ``status`` event (apprise gets :func:`title` and :func:`text` of it)."""
    monitored = run.best_metrics.get("monitor") or (run.config.get("validation") or {}).get("monitor")
    metric = monitored or headline(run.task)
    value = run.best_metrics.get(metric, run.final_metrics.get(metric))
    return {
        "kind": KIND,
        "event_id": event.id,
        "at": event.data.get("at") or event.created_at.isoformat(timespec="milliseconds"),
        "run": {
            "id": run.id,
            "name": run.name,
            "model": run.model,
            "dataset": run.dataset,
            "task": run.task,
            "status": event.data["status"],
            "previous_status": event.data.get("previous"),
            "reason": event.data.get("reason"),
            "attempt": event.data.get("attempt"),
            "epoch": run.current_epoch,
            "epochs": run.epochs,
            "headline": {"metric": metric, "value": value} if value is not None else None,
            "error": run.error if event.data["status"] in ("failed", "restarting") else None,
            "url": settings.run_url(run.id),
        },
    }


def title(payload: dict[str, Any]) -> str:
    run = payload["run"]
    return f"visionyard: run {run['name'] or run['id']} {run['status']}"


def text(payload: dict[str, Any]) -> str:
    run = payload["run"]
    lines = [f"{run['model']} on {run['dataset']}: {run['previous_status']} -> {run['status']}"]
    lines.append(f"epoch {run['epoch']}/{run['epochs']}")
    if run["headline"]:
        lines.append(f"{run['headline']['metric']} {run['headline']['value']:.4g}")
    if run["error"]:
        lines.append(f"error: {run['error']}")
    lines.append(run["url"])
    return "\n".join(lines)
