"""``visionyard export RUN --format F`` and ``visionyard benchmark RUN``: export jobs recorded like the
server's and executed in this process, and the run's benchmark table."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from visionyard.cli.common import AsJson, Checkpoint, context, err, guarded, out, parse_pairs, run_job_here
from visionyard.common.statuses import JobStatus
from visionyard.core.jobs import job_folder

Options = Annotated[
    list[str] | None,
    typer.Option("--option", "-o", help="a format option as key=value (repeatable), e.g. -o opset=13"),
]


def export(
    run_id: Annotated[str, typer.Argument(help="a trained run")],
    format: Annotated[str, typer.Option("--format", "-f", help="onnx, onnx_int8, torchscript, openvino, ...")],
    checkpoint: Checkpoint = "best",
    option: Options = None,
    as_json: AsJson = False,
) -> None:
    """Export a checkpoint, check it against the PyTorch model and benchmark both."""
    ctx = context()
    result = _export_here(ctx, run_id, format, checkpoint, parse_pairs(option or [], "--option"))
    if as_json:
        print(json.dumps(result, default=str))
    else:
        _print_export(result)
    if result["status"] != JobStatus.COMPLETED:
        raise typer.Exit(1)


def benchmark(
    run_id: Annotated[str, typer.Argument(help="a trained run")],
    format: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="export these first (default: every available format)")
    ] = None,
    checkpoint: Checkpoint = "best",
    existing: Annotated[bool, typer.Option("--existing", help="only show the exports already made")] = False,
    as_json: AsJson = False,
) -> None:
    """The run's benchmark table: each format's size, metric and speed next to the PyTorch model's."""
    from visionyard.common.export_formats import available_formats
    from visionyard.services import exports

    ctx = context()
    if not existing:
        for name in format or available_formats():
            result = _export_here(ctx, run_id, name, checkpoint, {})
            err.print(f"{name}: {result['status']}" + (f" ({result['error']})" if result["error"] else ""))
    with ctx.db.session() as session:
        table = guarded(lambda: exports.benchmark_table(session, run_id)).model_dump()
    if as_json:
        print(json.dumps(table))
        return
    metric = table["rows"][0]["metric"] if table["rows"] else "metric"
    view = Table("format", "status", "MB", metric, "Δ", "ms/img", "p95 ms", "img/s", title=f"run {run_id}")
    for row in table["rows"]:
        view.add_row(
            row["format"],
            row["status"],
            _number(row["size_mb"], ".1f"),
            _number(row["value"], ".4f"),
            _number(row["metric_delta"], "+.4f"),
            _number(row["ms_per_image"], ".2f"),
            _number(row["p95_ms"], ".2f"),
            _number(row["images_per_s"], ".1f"),
        )
    out.print(view)


def _export_here(ctx: Any, run_id: str, format: str, checkpoint: str, options: dict[str, Any]) -> dict[str, Any]:
    from visionyard.services import exports

    job = guarded(lambda: exports.create_export(ctx, run_id, format, checkpoint, options))
    done = run_job_here(ctx, job, f"export [bold]{job.id}[/] of run {run_id}: {job.params['checkpoint']} to {format}")
    return {**exports.detail(ctx, done).model_dump(), "folder": str(job_folder(ctx.settings, done))}


def _print_export(result: dict[str, Any]) -> None:
    parity, speed = result.get("parity") or {}, result.get("benchmark") or {}
    if result["status"] != JobStatus.COMPLETED:
        err.print(f"[bold red]{result['status']}:[/] {result['error']}")
    if not parity:
        return
    err.print(f"{', '.join(result['files'])} in {result['folder']}")
    table = Table("", "PyTorch", result["format"])
    table.add_row(parity["metric"], _number(parity["pytorch_metric"], ".4f"), _number(parity["export_metric"], ".4f"))
    table.add_row("agreement", "", _number(parity["agreement"], ".4f"))
    table.add_row("max abs diff", "", f"{parity['max_abs_diff']:.3g}")
    for key, label in (("p50_ms", "ms/image p50"), ("p95_ms", "ms/image p95"), ("images_per_s", "images/s")):
        table.add_row(label, _number(speed["pytorch"][key], ".2f"), _number(speed["export"][key], ".2f"))
    table.add_row("size MB", "", _number(result["size_mb"], ".2f"))
    out.print(table)


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)
