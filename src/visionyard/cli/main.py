"""The ``visionyard`` command line (Typer)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from visionyard.cli import evaluate as evaluate_commands
from visionyard.cli import export as export_commands
from visionyard.cli import registry as registry_commands
from visionyard.cli import tracking as tracking_commands
from visionyard.cli import tune as tune_commands
from visionyard.cli.common import err, fail, guarded, out, parse_pairs
from visionyard.cli.registry import registry_app
from visionyard.cli.remote import DEFAULT_SERVER, runs_app
from visionyard.common.statuses import JobStatus, RunStatus
from visionyard.config import Settings
from visionyard.core.devices import gpu_pool
from visionyard.core.runs import get_run
from visionyard.services.context import ServiceContext

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Train image models from a plugin catalog.")
models_app = typer.Typer(no_args_is_help=True, help="The model catalog.")
app.add_typer(models_app, name="models")
app.add_typer(runs_app, name="runs")
app.add_typer(registry_app, name="registry")
app.add_typer(tracking_commands.tracking_app, name="tracking")
app.add_typer(tune_commands.sweeps_app, name="sweeps")


@app.command()
def train(
    model: Annotated[str, typer.Argument(help="model name (see `visionyard models list`)")] = "",
    data: Annotated[str, typer.Argument(help="dataset name under the data folder, or a path")] = "",
    epochs: Annotated[int | None, typer.Option(help="epochs to train")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="images per batch")] = None,
    lr: Annotated[float | None, typer.Option(help="learning rate")] = None,
    preset: Annotated[str | None, typer.Option(help="a preset of the model")] = None,
    set_: Annotated[list[str], typer.Option("--set", help="dotted.key=value, repeatable")] = [],  # noqa: B006
    config: Annotated[Path | None, typer.Option(help="YAML file with config values")] = None,
    resume: Annotated[str | None, typer.Option(help="continue this run from its last checkpoint")] = None,
    base_run: Annotated[str | None, typer.Option("--base-run", help="start from this run's best weights")] = None,
    base_model: Annotated[
        str | None, typer.Option("--base-model", help="start from a published version: NAME, NAME:3 or NAME@ALIAS")
    ] = None,
    serve_export: Annotated[
        bool, typer.Option("--serve-export", help="make an ONNX export for serving when the run completes")
    ] = False,
    submit: Annotated[bool, typer.Option(help="queue the run on the server instead of training here")] = False,
    server: Annotated[str, typer.Option(envvar="VISIONYARD_SERVER", help="server URL for --submit")] = DEFAULT_SERVER,
    as_json: Annotated[bool, typer.Option("--json", help="end stdout with one JSON line")] = False,
) -> None:
    """Train in the foreground (the run is recorded like any other). Ctrl-C stops with a checkpoint.

    With --serve-export the run's ONNX export for serving is made here too once it completes (unless a running
    server takes it first); its parity check decides whether it serves."""
    user = _user_config(config, set_, epochs=epochs, batch_size=batch_size, lr=lr)
    if submit:
        _submit(server, model, data, user, preset, (base_run, base_model), as_json, serve_export)
        return
    from visionyard.engine.reporting import FlagControl
    from visionyard.services.runs import train_claimed

    with _warnings_shown():
        ctx, run_id = _foreground_run(model, data, user, preset, (base_run, base_model), resume, serve_export)
        folder = ctx.settings.runs_dir / run_id
        err.print(f"run [bold]{run_id}[/] -> {folder}")
        control = FlagControl()
        previous = signal.signal(signal.SIGINT, _stop_on_first_interrupt(control))
        try:
            train_claimed(ctx, run_id, local=control, progress=True)
        finally:
            signal.signal(signal.SIGINT, previous)
    if ctx.settings.mlflow_tracking_uri:
        from visionyard.tracking import drain_once

        err.print(drain_once(ctx.settings, ctx.db), highlight=False)
    with ctx.db.session() as session:
        run = get_run(session, run_id)
        outcome = {
            "status": run.status,
            "epochs_completed": run.current_epoch,
            "best_metrics": run.best_metrics,
            "final_metrics": run.final_metrics,
            "warnings": run.warnings,
            "error": run.error,
        }
        serving = run.serve_export and run.status == RunStatus.COMPLETED
    _print_outcome(run_id, outcome)
    if serving:
        outcome["serve_export"] = _serve_export_here(ctx, run_id)
    if as_json:
        print(json.dumps({"run_id": run_id, "run_dir": str(folder), **outcome}))
    if outcome["status"] in (RunStatus.FAILED, RunStatus.RESTARTING):
        raise typer.Exit(1)


Bases = tuple[str | None, str | None]
"""The base run and the published base version a new run starts from (either may be unset)."""


def _foreground_run(
    model: str,
    data: str,
    user: dict[str, Any],
    preset: str | None,
    bases: Bases,
    resume: str | None,
    serve_export: bool = False,
) -> tuple[Any, str]:
    """Record the run (new, or an old one queued again) and claim it for this process."""
    from visionyard.core.claims import claim
    from visionyard.core.context import Context
    from visionyard.core.runs import RunSetupError
    from visionyard.db.models import Run
    from visionyard.services import control, runs

    ctx = Context(Settings())

    def record() -> str:
        ctx.db.migrate()
        if resume:
            if model or data or preset or any(bases) or serve_export:
                raise RunSetupError("--resume takes no model, dataset, preset, base run or --serve-export")
            return control.resume(ctx, resume, user).id
        if not model or not data:
            raise RunSetupError("give a MODEL and a DATA folder (or --resume RUN_ID)")
        spec = runs.RunSpec(model, data, user, preset, bases[0], base_model=bases[1], serve_export=serve_export)
        return runs.create_run(ctx, spec, local_paths=True).id

    run_id = guarded(record)
    if not claim(ctx.db, Run, run_id, gpu_pool(ctx.settings)):
        raise fail(f"run {run_id} was taken by a running server; follow it with `visionyard runs show {run_id}`")
    return ctx, run_id


def _submit(
    server: str,
    model: str,
    data: str,
    user: dict[str, Any],
    preset: str | None,
    bases: Bases,
    as_json: bool,
    serve_export: bool = False,
) -> None:
    import os

    from visionyard.cli.remote import submit

    if not model or not data:
        raise fail("give a MODEL and a DATA name to submit")
    body = {"model": model, "dataset": data, "config": user, "preset": preset}
    body |= {"base_run": bases[0], "base_model": bases[1]}
    if serve_export:  # a server from before the option refuses the key: sent only when asked for
        body["serve_export"] = True
    run = submit(server, os.environ.get("VISIONYARD_API_TOKEN"), body)
    err.print(f"run [bold]{run['id']}[/] queued on {server}")
    if as_json:
        print(json.dumps(run))


def _serve_export_here(ctx: Any, run_id: str) -> dict[str, Any] | None:
    """Make the run's export for serving, queued as it completed, in this process as a worker would: its id,
    status and error. None where none was queued (the warning logged says why, or one of the same checkpoint
    exists); a running server that claimed it first makes it instead."""
    from visionyard.core.claims import claim
    from visionyard.core.jobs import SERVE_FORMAT
    from visionyard.db.models import Job
    from visionyard.services import exports
    from visionyard.worker.jobs import run_job

    with ctx.db.session() as session:
        queued = [
            job
            for job in exports.list_exports(session, run_id)
            if job.status == JobStatus.QUEUED and job.params["format"] == SERVE_FORMAT
        ]
    if not queued:
        err.print(f"run {run_id}: no new export for serving (see `visionyard runs show {run_id}` for its exports)")
        return None
    job = queued[-1]
    if not claim(ctx.db, Job, job.id):
        err.print(f"export {job.id} for serving: taken by a running server, which makes it")
        return {"id": job.id, "status": JobStatus.RUNNING, "error": None}
    err.print(f"export [bold]{job.id}[/] for serving: {job.params['checkpoint']} to ONNX, then its parity check")
    run_job(ctx, job.id)
    with ctx.db.session() as session:
        done = session.get_one(Job, job.id)
    colour = "green" if done.status == JobStatus.COMPLETED else "red"
    serves = "it serves predictions" if done.status == JobStatus.COMPLETED else done.error
    err.print(f"export {job.id}: [{colour}]{done.status}[/] ({serves})", highlight=False, soft_wrap=True)
    return {"id": done.id, "status": done.status, "error": done.error}


def _user_config(config_file: Path | None, assignments: list[str], **flags: Any) -> dict[str, Any]:
    from visionyard.plugins.validation import deep_merge

    user: dict[str, Any] = {}
    if config_file is not None:
        try:
            loaded = yaml.safe_load(config_file.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise fail(f"cannot read {config_file}: {exc}") from None
        if not isinstance(loaded, dict):
            raise fail(f"{config_file} must hold a mapping of config keys")
        user = loaded
    user = deep_merge(user, {k: v for k, v in flags.items() if v is not None})
    return {**user, **parse_pairs(assignments, "--set")}


def _stop_on_first_interrupt(control: Any) -> Any:
    def handler(signum: int, frame: Any) -> None:
        err.print("\n[yellow]stopping at the next step with a checkpoint (Ctrl-C again to abort)[/]")
        control.request = "stop"
        signal.signal(signal.SIGINT, signal.default_int_handler)

    return handler


@contextlib.contextmanager
def _warnings_shown() -> Iterator[None]:
    """Warnings logged while a foreground run trains (a config the model was not made for, a diverging
    loss) as lines on stderr; the run's log file has them too. The handler goes with the run (a later command
    in the same process, or a closed stderr, never meets it)."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    logging.getLogger("visionyard").addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger("visionyard").removeHandler(handler)


def _print_outcome(run_id: str, outcome: dict[str, Any]) -> None:
    status = outcome["status"]
    colour = {RunStatus.COMPLETED: "green", RunStatus.STOPPED: "yellow", RunStatus.PAUSED: "yellow"}.get(status, "red")
    err.print(f"run {run_id}: [{colour}]{status}[/] after {outcome['epochs_completed']} epochs")
    best = outcome["best_metrics"]
    if best:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in best.items() if isinstance(v, float))
        err.print(f"best (epoch {best.get('epoch')}): {shown}")
    for warning in outcome.get("warnings", []):
        err.print(f"[yellow]warning:[/] {warning['message']}", highlight=False, soft_wrap=True)
    if outcome["error"]:
        err.print(f"[red]{outcome['error']}[/]")


@models_app.command("list")
def models_list(
    task: Annotated[str | None, typer.Option(help="classification, detection, ...")] = None,
    framework: Annotated[str | None, typer.Option(help="torchvision, timm, pytorch, ...")] = None,
    refresh: Annotated[bool, typer.Option(help="re-read every plugin, ignoring the cache")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List models, and plugins that failed to load with their error."""
    from visionyard.plugins.catalog import catalog_for

    catalog = catalog_for(Settings(), refresh=refresh)
    entries, broken = catalog.list(task=task, framework=framework), catalog.broken()
    if as_json:
        print(
            json.dumps(
                {
                    "models": [e.metadata.model_dump(mode="json") for e in entries if e.metadata],
                    "broken": [{"name": e.name, "source": e.source.id, "error": e.error} for e in broken],
                }
            )
        )
        return
    table = Table("name", "task", "framework", "batch", "description")
    for e in entries:
        m = e.metadata
        assert m is not None
        table.add_row(m.name, m.task_type, m.framework, str(m.recommended_batch_size or ""), m.description)
    out.print(table)
    for e in broken:
        err.print(f"[red]broken[/] {e.name} ({e.source.id}): {e.error}", soft_wrap=True)


@models_app.command("show")
def models_show(name: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A model's metadata, config fields and presets."""
    from visionyard.plugins.catalog import UnknownModelError, catalog_for

    try:
        entry = catalog_for(Settings()).get(name)
    except UnknownModelError as exc:
        raise fail(str(exc)) from None
    assert entry.metadata is not None and entry.config_schema is not None
    if as_json:
        print(
            json.dumps(
                {
                    "metadata": entry.metadata.model_dump(mode="json"),
                    "config_schema": entry.config_schema.model_dump(mode="json"),
                }
            )
        )
        return
    out.print(entry.metadata.model_dump(exclude_defaults=True))
    table = Table("field", "type", "default", "range / options", "group", "description", title="config fields")
    for f in entry.config_schema.fields:
        span = ", ".join(f.options) if f.options else f"{f.min} .. {f.max}" if f.min is not None else ""
        table.add_row(
            f.name + (" (advanced)" if f.advanced else ""),
            f.type,
            repr(f.default),
            span,
            f.group or "",
            f.description,
        )
    out.print(table)
    for name_, values in entry.config_schema.presets.items():
        out.print(f"preset [bold]{name_}[/]: {values}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    allow_open: Annotated[
        bool, typer.Option("--allow-unauthenticated", help="listen off loopback without a token (not advised)")
    ] = False,
    demo_data: Annotated[bool, typer.Option("--demo/--no-demo", help="write the demo datasets first")] = False,
) -> None:
    """Start the API, the scheduler and its workers."""
    import uvicorn

    from visionyard.api.app import create_app
    from visionyard.common.errors import VisionyardError
    from visionyard.scheduler.executors import executor_for

    settings = Settings()
    if not _is_loopback(host) and not settings.api_token and not allow_open:
        raise fail(f"refusing to listen on {host} without VISIONYARD_API_TOKEN (or pass --allow-unauthenticated)")
    try:
        executor = executor_for(settings)
    except VisionyardError as exc:
        raise fail(f"cannot start the {settings.executor} executor: {exc}") from None
    if demo_data:
        demo(force=False)
    err.print(f"visionyard {settings.root} on http://{host}:{port} (API docs at /docs, executor {settings.executor})")
    app_ = create_app(ServiceContext(settings), executor=executor)
    uvicorn.run(app_, host=host, port=port, log_level="info", access_log=False)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command(hidden=True)
def worker(
    run_id: str,
    placement: Annotated[str | None, typer.Option(help="where this worker runs (JSON, from the executor)")] = None,
) -> None:
    """Train one claimed run (started by the scheduler, or by a Ray actor)."""
    import functools

    from visionyard.services.runs import train_claimed
    from visionyard.worker.service import Placement

    if placement is None:
        _in_worker_process(f"run {run_id}", train_claimed, run_id)
        return
    from visionyard.services.ray_training import train_on_node

    place = Placement.from_json(placement)
    _in_worker_process(f"run {run_id}", functools.partial(train_on_node, place=place), run_id)


@app.command(hidden=True)
def job(
    job_id: str,
    placement: Annotated[str | None, typer.Option(help="where this worker runs (JSON, from the executor)")] = None,
) -> None:
    """Execute one claimed job, a test run or an export (started by the scheduler, or by a Ray actor)."""
    import functools

    from visionyard.worker.jobs import run_job
    from visionyard.worker.service import Placement

    place = Placement.from_json(placement) if placement else None
    _in_worker_process(f"job {job_id}", functools.partial(run_job, place=place), job_id)


def _in_worker_process(label: str, execute: Any, item_id: str) -> None:
    """A scheduler-started worker: native crashes and logs go to its output (worker.log)."""
    import faulthandler
    import logging

    from visionyard.core.context import Context
    from visionyard.worker.service import NotClaimed

    faulthandler.enable()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("visionyard").addHandler(handler)
    try:
        status = execute(Context(), item_id)
    except NotClaimed as exc:
        raise fail(str(exc)) from None
    err.print(f"{label}: {status}")


@app.command(hidden=True)
def predictor(address: str) -> None:
    """Serve predictions on a Unix socket (started by the API; the key comes on stdin)."""
    import logging

    from visionyard.worker.predictor import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(address, bytes.fromhex(sys.stdin.readline().strip()))


app.command()(evaluate_commands.val)
app.command()(evaluate_commands.test)
app.command()(evaluate_commands.predict)
app.command()(tune_commands.tune)
app.command()(export_commands.export)
app.command()(export_commands.benchmark)
app.command()(registry_commands.storage)


@app.command()
def demo(force: Annotated[bool, typer.Option(help="rewrite the demo sets")] = False) -> None:
    """Write the demo datasets under the data folder (nothing is downloaded)."""
    from visionyard.data.demo import write_demo_datasets

    settings = Settings()
    for name, path in write_demo_datasets(settings.data_root, force=force).items():
        err.print(f"demo dataset [bold]{name}[/]: {path}")


def main() -> None:
    # matplotlib (torchmetrics and Ultralytics import it) writes a font cache on import: under HOME, not ~
    os.environ.setdefault("MPLCONFIGDIR", str(Settings().cache_dir / "matplotlib"))
    try:
        app()
    except BrokenPipeError:
        sys.exit(1)
