"""``visionyard runs ...``: commands that talk to a running server over its API."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from visionyard.cli.common import err, out

DEFAULT_SERVER = "http://127.0.0.1:8000"
runs_app = typer.Typer(no_args_is_help=True, help="Runs on a server (`visionyard serve`).")

Server = Annotated[str, typer.Option("--server", envvar="VISIONYARD_SERVER", help="the server's URL")]
Token = Annotated[str | None, typer.Option(envvar="VISIONYARD_API_TOKEN", hidden=True)]
Json = Annotated[bool, typer.Option("--json", help="print JSON")]


def call(server: str, token: str | None, method: str, path: str, **kwargs: Any) -> Any:
    from visionyard.cli.client import ApiClient, ClientError  # httpx stays off `serve`'s start path

    try:
        return ApiClient(server, token).call(method, path, **kwargs)
    except ClientError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@runs_app.command("list")
def list_runs(
    status: Annotated[list[str], typer.Option(help="only runs in this status (repeatable)")] = [],  # noqa: B006
    model: Annotated[str | None, typer.Option(help="only runs of this model")] = None,
    dataset: Annotated[str | None, typer.Option(help="only runs on this dataset")] = None,
    tag: Annotated[list[str], typer.Option(help="only runs with this tag (repeatable: all of them)")] = [],  # noqa: B006
    search: Annotated[str | None, typer.Option("--search", "-q", help="text in the id, the name or the note")] = None,
    where: Annotated[
        list[str], typer.Option(help="a bound: metric:val_acc>0.9, param:optimizer.lr<=0.01 (repeatable)")
    ] = [],  # noqa: B006
    limit: Annotated[int, typer.Option(help="how many")] = 50,
    server: Server = DEFAULT_SERVER,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Runs, newest first, filtered on the server."""
    params = {"status": status, "model": model, "dataset": dataset, "tag": tag, "q": search, "where": where}
    params = {k: v for k, v in params.items() if v not in (None, [])}
    page = call(server, token, "GET", "/runs", params={**params, "limit": limit})
    if as_json:
        print(json.dumps(page["items"]))
        return
    table = Table("id", "status", "model", "dataset", "epoch", "attempt", "best", "tags")
    for run in page["items"]:
        table.add_row(
            run["id"],
            run["status"],
            run["model"],
            run["dataset"],
            f"{run['current_epoch']}/{run['epochs']}",
            str(run["attempt"]),
            _best(run),
            ", ".join(run["tags"]),
        )
    out.print(table)
    if page["total"] > len(page["items"]):
        err.print(f"{len(page['items'])} of {page['total']} runs shown")


@runs_app.command("show")
def show(run_id: str, server: Server = DEFAULT_SERVER, token: Token = None, as_json: Json = False) -> None:
    """A run's status, progress, best metrics and error."""
    run = call(server, token, "GET", f"/runs/{run_id}")
    if as_json:
        print(json.dumps(run))
        return
    for key in ("id", "name", "status", "model", "dataset", "attempt", "created_at", "started_at", "finished_at"):
        out.print(f"[bold]{key}[/]: {run[key]}", highlight=False)
    out.print(f"[bold]epoch[/]: {run['current_epoch']}/{run['epochs']}  [bold]best[/]: {_best(run)}", highlight=False)
    for warning in run["warnings"]:
        err.print(f"[yellow]warning:[/] {warning['message']}", highlight=False)
    if run["error"]:
        err.print(f"[red]{run['error']}[/]", highlight=False)


def _action(name: str, help_text: str) -> None:
    @runs_app.command(name, help=help_text)
    def command(run_id: str, server: Server = DEFAULT_SERVER, token: Token = None, as_json: Json = False) -> None:
        run = call(server, token, "POST", f"/runs/{run_id}/{name}")
        if as_json:
            print(json.dumps(run))
            return
        pending = f" ({run['control']} requested)" if run.get("control") else ""
        out.print(f"run {run['id']}: {run['status']}{pending}")


_action("pause", "Pause at the next step with a checkpoint (`resume` continues).")
_action("resume", "Queue a paused or stopped run again; it continues from its checkpoint.")
_action("stop", "Stop with a checkpoint.")
_action("retry", "Queue a failed run again.")


@runs_app.command("logs")
def logs(
    run_id: str,
    lines: Annotated[int, typer.Option(help="how many lines")] = 100,
    worker: Annotated[bool, typer.Option(help="the worker's own output (crashes) instead")] = False,
    server: Server = DEFAULT_SERVER,
    token: Token = None,
) -> None:
    """The tail of a run's training log."""
    source = "worker" if worker else "training"
    tail = call(server, token, "GET", f"/runs/{run_id}/logs", params={"lines": lines, "source": source})
    print("\n".join(tail["lines"]))


def submit(server: str, token: str | None, body: dict[str, Any]) -> dict[str, Any]:
    return call(server, token, "POST", "/runs", json=body)


def _best(run: dict[str, Any]) -> str:
    best = run.get("best_metrics") or {}
    monitor = best.get("monitor")
    return f"{monitor}={best[monitor]:.4f}" if monitor in best else ""
