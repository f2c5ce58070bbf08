"""What every command shares: the consoles, the one error exit, the context, and ``key=value`` values."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import yaml
from rich.console import Console

if TYPE_CHECKING:
    from visionyard.core.context import Context
    from visionyard.db.models import Job

out = Console()
err = Console(stderr=True)
T = TypeVar("T")

Checkpoint = Annotated[str, typer.Option(help="best, last, epoch:N or a checkpoint file name")]
AsJson = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """The exit for an error the user can fix: one line on stderr."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def guarded(action: Callable[[], T]) -> T:
    """The action's result; any domain error (``VisionyardError``) becomes one line and exit code 2."""
    from visionyard.common.errors import VisionyardError

    try:
        return action()
    except VisionyardError as exc:
        raise fail(str(exc)) from None


def context() -> Context:
    """This installation's context (settings from the environment), its database migrated."""
    from visionyard.core.context import Context

    ctx = Context()
    ctx.db.migrate()
    return ctx


def parse_pairs(items: Iterable[str], flag: str) -> dict[str, Any]:
    """``key=value`` items (``--set``, ``--option``): values read as YAML scalars or lists (numbers,
    true/false, [1, 2]), anything else as text."""
    values: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise fail(f"{flag} {item}: expected key=value")
        try:
            values[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            raise fail(f"{flag} {key.strip()}: cannot read the value {raw!r}") from None
    return values


def run_job_here(ctx: Context, job: Job, started: str) -> Job:
    """Claim a queued job, run it in this process as a worker would, and answer it finished."""
    from visionyard.core.claims import claim
    from visionyard.db.models import Job
    from visionyard.worker.jobs import run_job

    if not claim(ctx.db, Job, job.id):
        raise fail(f"job {job.id} was taken by a running server")
    err.print(started)
    run_job(ctx, job.id)
    with ctx.db.session() as session:
        return session.get_one(Job, job.id)
