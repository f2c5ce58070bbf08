"""What a notification says: the run (or sweep), its new and previous status, its headline metric (or best
objective), its error, a link."""

from __future__ import annotations

from typing import Any

from visionyard.common.tasks import headline
from visionyard.config import Settings
from visionyard.db.models import Event, Run, Sweep

KIND = "run.status"
SWEEP_KIND = "sweep.status"


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


def about_sweep(settings: Settings, sweep: Sweep, event: Event, trials: dict[str, int]) -> dict[str, Any]:
    """The JSON body of a webhook for a sweep's ``sweep`` event; ``trials``: its trials' runs by status."""
    metric = sweep.objective["metric"]
    return {
        "kind": SWEEP_KIND,
        "event_id": event.id,
        "at": event.created_at.isoformat(timespec="milliseconds"),
        "sweep": {
            "id": sweep.id,
            "name": sweep.name,
            "model": sweep.model,
            "dataset": sweep.dataset,
            "status": event.data["status"],
            "previous_status": event.data.get("previous"),
            "n_trials": sweep.n_trials,
            "trials": trials,
            "best": {"metric": metric, "value": sweep.best_value} if sweep.best_value is not None else None,
            "error": sweep.error if event.data["status"] == "failed" else None,
            "url": settings.sweep_url(sweep.id),
        },
    }


def subject(payload: dict[str, Any]) -> dict[str, Any]:
    """The run or the sweep a payload tells of."""
    return payload["sweep"] if payload["kind"] == SWEEP_KIND else payload["run"]


def title(payload: dict[str, Any]) -> str:
    what = subject(payload)
    noun = "sweep" if payload["kind"] == SWEEP_KIND else "run"
    return f"visionyard: {noun} {what['name'] or what['id']} {what['status']}"


def text(payload: dict[str, Any]) -> str:
    if payload["kind"] == SWEEP_KIND:
        return _sweep_text(payload["sweep"])
    run = payload["run"]
    lines = [f"{run['model']} on {run['dataset']}: {run['previous_status']} -> {run['status']}"]
    lines.append(f"epoch {run['epoch']}/{run['epochs']}")
    if run["headline"]:
        lines.append(f"{run['headline']['metric']} {run['headline']['value']:.4g}")
    if run["error"]:
        lines.append(f"error: {run['error']}")
    lines.append(run["url"])
    return "\n".join(lines)


def _sweep_text(sweep: dict[str, Any]) -> str:
    ended = sum(sweep["trials"].values())
    counts = ", ".join(f"{count} {status}" for status, count in sorted(sweep["trials"].items()))
    lines = [f"{sweep['model']} on {sweep['dataset']}: {sweep['previous_status']} -> {sweep['status']}"]
    lines.append(f"{ended}/{sweep['n_trials']} trials ({counts})" if counts else f"0/{sweep['n_trials']} trials")
    if sweep["best"]:
        lines.append(f"best {sweep['best']['metric']} {sweep['best']['value']:.4g}")
    if sweep["error"]:
        lines.append(f"error: {sweep['error']}")
    lines.append(sweep["url"])
    return "\n".join(lines)
