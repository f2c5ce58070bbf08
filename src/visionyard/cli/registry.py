"""``visionyard registry ...``: publish run checkpoints as model versions, list and inspect them,
move aliases, download a version; and ``visionyard storage`` for disk use. Works on this HOME."""

from __future__ import annotations

import getpass
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.table import Table

from visionyard.cli.common import AsJson, Checkpoint, context, guarded, out

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

registry_app = typer.Typer(no_args_is_help=True, help="The model registry: published versions and their aliases.")
Reference = Annotated[str, typer.Argument(help="NAME, NAME:VERSION or NAME@ALIAS (default: the latest version)")]
Actor = Annotated[str, typer.Option(help="who does it (recorded in the alias history)")]
USER = getpass.getuser()
Shown = TypeVar("Shown", bound=BaseModel)


def _print_json(value: BaseModel | list[BaseModel]) -> None:
    shown = [v.model_dump() for v in value] if isinstance(value, list) else value.model_dump()
    print(json.dumps(shown, default=str))


@registry_app.command()
def publish(
    run_id: Annotated[str, typer.Argument(help="a run with a checkpoint")],
    name: Annotated[str, typer.Argument(help="the registered model name (created if new)")],
    checkpoint: Checkpoint = "best",
    alias: Annotated[str | None, typer.Option(help="also point this alias at the new version")] = None,
    description: Annotated[str | None, typer.Option(help="a note kept with the version")] = None,
    actor: Actor = USER,
    as_json: AsJson = False,
) -> None:
    """Publish a run's checkpoint as the next version of NAME."""
    from visionyard.services import model_registry, model_versions

    ctx = context()
    spec = model_registry.PublishSpec(run_id, name, checkpoint, description, alias, actor)
    version = guarded(lambda: model_registry.publish(ctx, spec))
    with ctx.db.session() as session:
        detail = model_versions.version_detail(session, name, version.version)
    if as_json:
        _print_json(detail)
        return
    shown = f" as {alias}" if alias else ""
    out.print(f"published run {run_id} ({detail.checkpoint}, epoch {detail.epoch}) as {name} v{version.version}{shown}")


@registry_app.command("list")
def list_models(as_json: AsJson = False) -> None:
    """Registered models with their versions, aliases and runs."""
    from visionyard.services import model_versions

    ctx = context()
    with ctx.db.session() as session:
        models = model_versions.list_models(session)
    if as_json:
        _print_json(models)
        return
    table = Table("model", "version", "aliases", "run", "epoch", "metrics", "dataset fingerprint", "published")
    for model in models:
        for version in model.versions:
            table.add_row(
                f"{model.name} ({model.model})",
                str(version.version),
                ", ".join(version.aliases),
                version.run_id,
                str(version.epoch),
                _metrics(version.metrics),
                (version.dataset_fingerprint or "")[:19],
                f"{version.created_at:%Y-%m-%d %H:%M} by {version.created_by}",
            )
    out.print(table if models else "nothing published yet: `visionyard registry publish RUN NAME`")


@registry_app.command()
def show(reference: Reference, as_json: AsJson = False) -> None:
    """One version: its run, metrics, dataset, exports and config."""
    from visionyard.services import model_versions

    name, detail = _look_up(reference, model_versions.version_detail)
    if as_json:
        _print_json(detail)
        return
    out.print(f"[bold]{name} v{detail.version}[/] {', '.join(detail.aliases)}")
    for key in ("task", "model", "run_id", "checkpoint", "epoch", "dataset", "dataset_fingerprint", "sha256"):
        out.print(f"  {key}: {getattr(detail, key)}")
    out.print(f"  metrics: {_metrics(detail.metrics)}")
    for export in detail.exports:
        out.print(f"  export {export.id}: {export.format} {export.status}")


@registry_app.command("best-epoch")
def best_epoch(reference: Reference, as_json: AsJson = False) -> None:
    """The best epoch of the version's run on its monitored metric."""
    from visionyard.services import model_versions

    name, best = _look_up(reference, model_versions.best_epoch)
    if as_json:
        _print_json(best)
        return
    scored = f"{best.monitor}={best.value:.4g}"
    out.print(f"{name} v{best.version}: epoch {best.epoch} of run {best.run_id}, {scored}")


@registry_app.command()
def alias(
    name: Annotated[str, typer.Argument(help="a registered model")],
    alias_name: Annotated[str, typer.Argument(metavar="ALIAS", help="staging, production or any name")],
    version: Annotated[int, typer.Argument(help="the version it points at")],
    reason: Annotated[str | None, typer.Option(help="why (recorded)")] = None,
    actor: Actor = USER,
) -> None:
    """Set or move an alias to a version."""
    from visionyard.services import aliases

    change = guarded(lambda: aliases.set_alias(context(), name, alias_name, version, actor, reason))
    moved = f"from v{change.from_version} " if change.from_version else ""
    out.print(f"{name}@{alias_name}: {moved}to v{change.to_version}")


@registry_app.command()
def unalias(
    name: Annotated[str, typer.Argument(help="a registered model")],
    alias_name: Annotated[str, typer.Argument(metavar="ALIAS")],
    reason: Annotated[str | None, typer.Option(help="why (recorded)")] = None,
    actor: Actor = USER,
) -> None:
    """Remove an alias."""
    from visionyard.services import aliases

    change = guarded(lambda: aliases.remove_alias(context(), name, alias_name, actor, reason))
    out.print(f"{name}@{alias_name} removed (was v{change.from_version})")


@registry_app.command()
def history(name: Annotated[str, typer.Argument(help="a registered model")], as_json: AsJson = False) -> None:
    """Every alias change of a model: who, when, from which version to which."""
    from visionyard.services import aliases

    ctx = context()
    with ctx.db.session() as session:
        changes = guarded(lambda: aliases.alias_history(session, name))
    if as_json:
        _print_json(changes)
        return
    table = Table("when", "alias", "from", "to", "by", "reason")
    for change in changes:
        table.add_row(
            f"{change.at:%Y-%m-%d %H:%M:%S}",
            change.alias,
            _version(change.from_version),
            _version(change.to_version),
            change.actor,
            change.reason or "",
        )
    out.print(table)


@registry_app.command()
def download(
    reference: Reference,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write (default NAME-vN.ckpt)")] = None,
) -> None:
    """Copy a version's checkpoint out of the registry."""
    from visionyard.services import model_versions

    ctx = context()
    name, ref = model_versions.parse_reference(reference)
    with ctx.db.session() as session:
        version, path = guarded(lambda: model_versions.version_file(ctx.settings, session, name, ref))
    target = output or Path(f"{name}-v{version.version}.ckpt")
    shutil.copyfile(path, target)
    out.print(f"{name} v{version.version} -> {target} ({version.size / 1e6:.1f} MB, sha256 {version.sha256[:12]})")


def storage(as_json: AsJson = False) -> None:
    """Disk use under HOME: per area, in total, and the largest runs."""
    from visionyard.config import Settings
    from visionyard.services import disk

    usage = disk.usage(Settings())
    if as_json:
        _print_json(usage)
        return
    table = Table("area", "MB", title=f"{usage.home} (free {usage.free / 1e9:.1f} GB)")
    for area, size in usage.areas.items():
        table.add_row(area, f"{size / 1e6:.1f}")
    table.add_row("[bold]total[/]", f"{usage.total / 1e6:.1f}")
    out.print(table)
    runs = Table("run", "MB", title="largest runs")
    for run in usage.runs[:10]:
        runs.add_row(run.run_id, f"{run.bytes / 1e6:.1f}")
    out.print(runs)


def _look_up(reference: str, query: Callable[[Session, str, str], Shown]) -> tuple[str, Shown]:
    """``query`` answered for the version ``reference`` names (``name``, ``name:3``, ``name@alias``)."""
    from visionyard.services import model_versions

    ctx = context()
    name, ref = model_versions.parse_reference(reference)
    with ctx.db.session() as session:
        return name, guarded(lambda: query(session, name, ref))


def _metrics(values: dict[str, Any]) -> str:
    shown = {k: v for k, v in values.items() if k.startswith("val_") and isinstance(v, int | float)}
    return ", ".join(f"{k}={v:.4g}" for k, v in list(shown.items())[:3])


def _version(number: int | None) -> str:
    return f"v{number}" if number is not None else "-"
