"""``visionyard tune``: a sweep, followed in a live table; ``visionyard sweeps ...``: sweeps on a server.

``tune`` drives the sweep from this process (its scheduler and sweep driver, workers as for ``serve``), or with
``--submit`` creates it on a server and follows it there. Ctrl-C stops the sweep (its trials with a
checkpoint); a second Ctrl-C leaves at once (a foreground sweep's workers are then adopted by the next server).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.live import Live
from rich.table import Table

from visionyard.cli.common import err, fail, guarded, out, parse_pairs
from visionyard.cli.remote import DEFAULT_SERVER, Json, Server, Token, call

sweeps_app = typer.Typer(no_args_is_help=True, help="Sweeps on a server (`visionyard serve`).")
POLL_S = 1.0
STATUS_COLOURS = {"completed": "green", "running": "cyan", "pruned": "magenta", "failed": "red", "stopped": "yellow"}


def tune(
    model: Annotated[str, typer.Argument(help="model name (see `visionyard models list`)")],
    data: Annotated[str, typer.Argument(help="dataset name (see `GET /api/v1/datasets`)")],
    space: Annotated[Path, typer.Option(help="YAML or JSON: field path -> {low, high, log, step} | {choices} | {}")],
    trials: Annotated[int | None, typer.Option(help="trials in all (default: the grid's size, else 20)")] = None,
    parallelism: Annotated[int, typer.Option(help="trials training at once")] = 1,
    sampler: Annotated[str, typer.Option(help="tpe, random or grid")] = "tpe",
    pruner: Annotated[str, typer.Option(help="none, median, successive_halving or hyperband")] = "none",
    metric: Annotated[str | None, typer.Option(help="the objective (default: the task's headline metric)")] = None,
    direction: Annotated[str | None, typer.Option(help="maximize or minimize (default: from the metric)")] = None,
    timeout: Annotated[float | None, typer.Option(help="start no trial after this many seconds")] = None,
    epochs: Annotated[int | None, typer.Option(help="epochs of each trial")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="base config dotted.key=value, repeatable")] = [],  # noqa: B006
    config: Annotated[Path | None, typer.Option(help="YAML file with base config values")] = None,
    name: Annotated[str | None, typer.Option(help="the sweep's name")] = None,
    submit: Annotated[bool, typer.Option(help="run the sweep on the server and follow it from here")] = False,
    server: Server = DEFAULT_SERVER,
    token: Token = None,
    as_json: Annotated[bool, typer.Option("--json", help="end stdout with the sweep as one JSON line")] = False,
) -> None:
    """Search the model's config space: trials are runs, the best is shown as they end."""
    body: dict[str, Any] = {
        "model": model,
        "dataset": data,
        "config": _base_config(config, set_, epochs),
        "space": _read_mapping(space),
        "n_trials": trials,
        "parallelism": parallelism,
        "sampler": sampler,
        "pruner": pruner,
        "objective": {"metric": metric, "direction": direction} if metric else None,
        "timeout_s": timeout,
        "name": name,
    }
    body = {k: v for k, v in body.items() if v is not None}
    sweep = _remote(server, token, body) if submit else _foreground(body)
    if as_json:
        print(json.dumps(sweep))
    if sweep["status"] == "failed":
        raise typer.Exit(1)


def _foreground(body: dict[str, Any]) -> dict[str, Any]:
    from visionyard.api.schemas import SweepCreate
    from visionyard.config import Settings
    from visionyard.scheduler.supervisor import Scheduler
    from visionyard.services import sweep_views, sweeps
    from visionyard.services.context import ServiceContext
    from visionyard.services.sweep_driver import SweepDriverThread

    ctx = ServiceContext(Settings())
    request = guarded(lambda: SweepCreate.model_validate(body))
    spec = sweeps.SweepSpec(**request.model_dump(exclude_none=True))

    def create() -> str:
        ctx.db.migrate()
        return sweeps.create_sweep(ctx, spec).id

    sweep_id = guarded(create)
    err.print(f"sweep [bold]{sweep_id}[/] in {ctx.settings.root} (trials' logs: `visionyard runs logs RUN_ID`)")
    scheduler, driver = Scheduler(ctx), SweepDriverThread(ctx)
    scheduler.start()
    driver.start()

    def shown() -> dict[str, Any]:
        with ctx.db.session() as session:
            return sweep_views.shown(session, ctx.db.url, sweep_id).model_dump(mode="json")

    try:
        return _follow(shown, lambda: sweeps.stop(ctx, sweep_id))
    finally:
        driver.stop()
        scheduler.shutdown()


def _remote(server: str, token: str | None, body: dict[str, Any]) -> dict[str, Any]:
    sweep = call(server, token, "POST", "/sweeps", json=body)
    err.print(f"sweep [bold]{sweep['id']}[/] on {server}")
    return _follow(
        lambda: call(server, token, "GET", f"/sweeps/{sweep['id']}"),
        lambda: call(server, token, "POST", f"/sweeps/{sweep['id']}/stop"),
    )


def _follow(shown: Callable[[], dict[str, Any]], stop: Callable[[], Any]) -> dict[str, Any]:
    """The sweep in a live table until every trial is accounted for; Ctrl-C stops it, a second one leaves."""
    sweep = shown()
    stopping = False
    with Live(trials_table(sweep), console=err, refresh_per_second=2) as live:
        while sweep["finished_at"] is None:
            try:
                time.sleep(POLL_S)
                sweep = shown()
                live.update(trials_table(sweep))
            except KeyboardInterrupt:
                if stopping:
                    err.print("[yellow]left the sweep; its trials end on their own[/]")
                    break
                err.print("[yellow]stopping the sweep: its trials stop with a checkpoint (Ctrl-C again to leave)[/]")
                stop()
                stopping = True
    _print_best(sweep)
    return sweep


def trials_table(sweep: dict[str, Any]) -> Table:
    params = list(sweep["space"])
    objective = sweep["objective"]
    table = Table(
        "trial",
        "status",
        *params,
        objective["metric"],
        "epochs",
        title=f"sweep {sweep['id']} ({sweep['status']}): {len(sweep['trials'])}/{sweep['n_trials']} trials",
        caption=_best_line(sweep),
    )
    best = (sweep.get("best_trial") or {}).get("number")
    for trial in sweep["trials"]:
        colour = STATUS_COLOURS.get(trial["status"], "white")
        value = "" if trial["value"] is None else f"{trial['value']:.4g}"
        table.add_row(
            f"[bold]{trial['number']}[/]" if trial["number"] == best else str(trial["number"]),
            f"[{colour}]{trial['status']}[/]",
            *(_shown(trial["params"].get(p)) for p in params),
            value,
            str(trial["epochs"]),
        )
    return table


def _best_line(sweep: dict[str, Any]) -> str:
    best = sweep.get("best_trial")
    if not best:
        return "no trial completed yet"
    return f"best: trial {best['number']}, {sweep['objective']['metric']} {best['value']:.4g}"


def _print_best(sweep: dict[str, Any]) -> None:
    err.print(f"sweep {sweep['id']}: {sweep['status']}; {_best_line(sweep)}")
    best = sweep.get("best_trial")
    if best:
        shown = ", ".join(f"{k}={_shown(v)}" for k, v in best["params"].items())
        err.print(f"best params: {shown} (run {best['run_id']})")
    if sweep.get("error"):
        err.print(f"[red]{sweep['error']}[/]")


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _base_config(config: Path | None, assignments: list[str], epochs: int | None) -> dict[str, Any]:
    base = _read_mapping(config) if config else {}
    if epochs is not None:
        base["epochs"] = epochs
    return {**base, **parse_pairs(assignments, "--set")}


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise fail(f"cannot read {path}: {exc}") from None
    if not isinstance(loaded, dict):
        raise fail(f"{path} must hold a mapping")
    return loaded


@sweeps_app.command("list")
def list_sweeps(server: Server = DEFAULT_SERVER, token: Token = None, as_json: Json = False) -> None:
    """Sweeps, newest first."""
    page = call(server, token, "GET", "/sweeps")
    if as_json:
        print(json.dumps(page["items"]))
        return
    table = Table("id", "status", "model", "dataset", "objective", "trials", "best")
    for sweep in page["items"]:
        done = sum(sweep["trial_counts"].values())
        best = "" if sweep["best_value"] is None else f"{sweep['best_value']:.4g}"
        objective = f"{sweep['objective']['metric']} ({sweep['objective']['direction']})"
        trials = f"{done}/{sweep['n_trials']}"
        table.add_row(sweep["id"], sweep["status"], sweep["model"], sweep["dataset"], objective, trials, best)
    out.print(table)


@sweeps_app.command("show")
def show(sweep_id: str, server: Server = DEFAULT_SERVER, token: Token = None, as_json: Json = False) -> None:
    """A sweep's trials and its best."""
    sweep = call(server, token, "GET", f"/sweeps/{sweep_id}")
    if as_json:
        print(json.dumps(sweep))
        return
    out.print(trials_table(sweep))


def _action(name: str, help_text: str) -> None:
    @sweeps_app.command(name, help=help_text)
    def command(sweep_id: str, server: Server = DEFAULT_SERVER, token: Token = None, as_json: Json = False) -> None:
        sweep = call(server, token, "POST", f"/sweeps/{sweep_id}/{name}")
        if as_json:
            print(json.dumps(sweep))
            return
        out.print(f"sweep {sweep['id']}: {sweep['status']}")


_action("pause", "Pause: queued trials now, running ones at their epoch's end; no trial starts.")
_action("resume", "Go on with the same study.")
_action("stop", "Stop every trial not ended yet.")


@sweeps_app.command("delete")
def delete(
    sweep_id: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="delete without asking first")] = False,
    server: Server = DEFAULT_SERVER,
    token: Token = None,
) -> None:
    """Delete an ended sweep, its study and its trials' runs (runs published to the registry stay)."""
    if not yes:
        sweep = call(server, token, "GET", f"/sweeps/{sweep_id}")
        named = f" ({sweep['name']})" if sweep["name"] else ""
        question = f"Delete sweep {sweep_id}{named} and the runs of its {len(sweep['trials'])} trials?"
        typer.confirm(question, abort=True, err=True)
    call(server, token, "DELETE", f"/sweeps/{sweep_id}")
    out.print(f"sweep {sweep_id}: deleted")
