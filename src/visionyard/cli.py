"""The ``visionyard`` command line (Typer)."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from visionyard.config import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Train image models from a plugin catalog.")
models_app = typer.Typer(no_args_is_help=True, help="The model catalog.")
runs_app = typer.Typer(no_args_is_help=True, help="Training runs.")
app.add_typer(models_app, name="models")
app.add_typer(runs_app, name="runs")
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


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
    as_json: Annotated[bool, typer.Option("--json", help="end stdout with one JSON line")] = False,
) -> None:
    """Train in the foreground. Ctrl-C stops with a checkpoint; `--resume RUN` continues."""
    from visionyard.engine.reporting import FlagControl
    from visionyard.plugins.registry import UnknownModelError
    from visionyard.plugins.validation import ConfigError
    from visionyard.services import runs
    from visionyard.storage.run_folder import InvalidRunId
    from visionyard.worker.execute import execute_run

    settings = Settings()
    try:
        user = _user_config(config, set_, epochs=epochs, batch_size=batch_size, lr=lr)
        registry = runs.registry_for(settings)
        if resume:
            if model or data or preset or base_run:
                raise runs.RunSetupError("--resume takes no model, dataset, preset or base run")
            prepared = runs.prepare_resume(settings, registry, resume, user)
        else:
            if not model or not data:
                raise runs.RunSetupError("give a MODEL and a DATA folder (or --resume RUN_ID)")
            prepared = runs.prepare_run(settings, registry, model, data, user, preset, base_run)
    except ConfigError as exc:
        raise fail("invalid config: " + "; ".join(f"{p.path}: {p.reason}" for p in exc.problems)) from None
    except (UnknownModelError, runs.RunSetupError, InvalidRunId) as exc:
        raise fail(str(exc)) from None

    err.print(f"run [bold]{prepared.folder.run_id}[/] -> {prepared.folder.root}")
    control = FlagControl()
    previous = signal.signal(signal.SIGINT, _stop_on_first_interrupt(control))
    try:
        outcome = execute_run(prepared, settings, registry, control=control)
    finally:
        signal.signal(signal.SIGINT, previous)
    _print_outcome(prepared.folder.run_id, outcome)
    if as_json:
        print(json.dumps({"run_id": prepared.folder.run_id, "run_dir": str(prepared.folder.root), **vars(outcome)}))
    if outcome.status == "failed":
        raise typer.Exit(1)


def _user_config(config_file: Path | None, assignments: list[str], **flags: Any) -> dict[str, Any]:
    from visionyard.plugins.validation import deep_merge, parse_assignments

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
    return {**user, **parse_assignments(assignments)}


def _stop_on_first_interrupt(control: Any) -> Any:
    def handler(signum: int, frame: Any) -> None:
        err.print("\n[yellow]stopping at the next step with a checkpoint (Ctrl-C again to abort)[/]")
        control.request = "stop"
        signal.signal(signal.SIGINT, signal.default_int_handler)

    return handler


def _print_outcome(run_id: str, outcome: Any) -> None:
    colour = {"completed": "green", "stopped": "yellow"}.get(outcome.status, "red")
    err.print(f"run {run_id}: [{colour}]{outcome.status}[/] after {outcome.epochs_completed} epochs")
    if outcome.best_metrics:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in outcome.best_metrics.items() if isinstance(v, float))
        err.print(f"best (epoch {outcome.best_metrics.get('epoch')}): {shown}")
    if outcome.error:
        err.print(f"[red]{outcome.error}[/]")


@models_app.command("list")
def models_list(
    task: Annotated[str | None, typer.Option(help="classification, detection, ...")] = None,
    framework: Annotated[str | None, typer.Option(help="torchvision, timm, pytorch, ...")] = None,
    refresh: Annotated[bool, typer.Option(help="re-read every plugin, ignoring the cache")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List models, and plugins that failed to load with their error."""
    from visionyard.services.runs import registry_for

    registry = registry_for(Settings(), refresh=refresh)
    entries, broken = registry.list(task=task, framework=framework), registry.broken()
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
    from visionyard.plugins.registry import UnknownModelError
    from visionyard.services.runs import registry_for

    try:
        entry = registry_for(Settings()).get(name)
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


@runs_app.command("list")
def runs_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Runs, newest first."""
    from visionyard.services.runs import list_runs

    records = list_runs(Settings())
    if as_json:
        print(json.dumps(records))
        return
    table = Table("id", "status", "model", "dataset", "epochs", "best")
    for r in records:
        best = r.get("best_metrics") or {}
        monitor = best.get("monitor")
        shown = f"{monitor}={best[monitor]:.4f}" if monitor in best else ""
        table.add_row(
            r["id"],
            r["status"],
            r["model"],
            Path(r["dataset"]).name,
            str(r.get("epochs_completed", 0)),
            shown,
        )
    out.print(table)


@app.command()
def demo(force: Annotated[bool, typer.Option(help="rewrite the demo sets")] = False) -> None:
    """Write the demo datasets under the data folder (nothing is downloaded)."""
    from visionyard.data.demo import write_demo_datasets

    settings = Settings()
    for name, path in write_demo_datasets(settings.data_root, force=force).items():
        err.print(f"demo dataset [bold]{name}[/]: {path}")


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        sys.exit(1)
