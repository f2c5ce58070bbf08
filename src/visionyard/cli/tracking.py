"""``visionyard tracking sync|status``: the MLflow mirror from the command line (docs/tracking.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from visionyard.cli.common import context, err, out

tracking_app = typer.Typer(no_args_is_help=True, help="The MLflow mirror (VISIONYARD_MLFLOW_TRACKING_URI).")


def _mirror():  # type: ignore[no-untyped-def]
    from visionyard.tracking import TrackingMirror, TrackingUnavailable

    ctx = context()
    try:
        return TrackingMirror(ctx.settings, ctx.db)
    except TrackingUnavailable as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


@tracking_app.command()
def sync(
    from_start: Annotated[
        bool, typer.Option("--from-start", help="replay the whole event log (a new or emptied MLflow store)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON line")] = False,
) -> None:
    """Mirror the events not yet in MLflow, then exit (a running server does this by itself)."""
    from visionyard.tracking import MirrorUnavailable

    mirror = _mirror()
    if from_start:
        mirror.rewind(0)
    try:
        done = mirror.drain()
    except MirrorUnavailable as exc:
        err.print(f"[bold red]error:[/] MLflow is not reachable: {exc}", highlight=False)
        raise typer.Exit(1) from None
    cursor, newest, _ = mirror.position()
    if as_json:
        print(json.dumps({"events": done, "cursor": cursor, "newest": newest}))
    else:
        out.print(f"{done} events mirrored to {mirror.settings.mlflow_tracking_uri} (cursor at {cursor})")


@tracking_app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="print one JSON line")] = False) -> None:
    """Where the mirror stands: its cursor and the newest event."""
    mirror = _mirror()
    cursor, newest, pending = mirror.position()
    record = {
        "tracking_uri": mirror.settings.mlflow_tracking_uri,
        "experiment": mirror.settings.mlflow_experiment,
        "cursor": cursor,
        "newest": newest,
        "pending": pending,
    }
    if as_json:
        print(json.dumps(record))
    else:
        for key, value in record.items():
            out.print(f"{key}: {value}", highlight=False)
