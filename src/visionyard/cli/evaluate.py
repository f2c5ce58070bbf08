"""The CLI verbs Ultralytics users know, on a trained run: ``val``, ``test`` and ``predict``.

``val`` and ``test`` are test jobs recorded like the server's and executed in this process;
``predict`` loads the checkpoint here. Results stay in the run folder, browsable through the API.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from visionyard.cli.common import AsJson, Checkpoint, context, err, fail, guarded, out, run_job_here
from visionyard.common.statuses import JobStatus
from visionyard.common.tasks import task_spec
from visionyard.core.jobs import job_folder
from visionyard.core.runs import get_run


def val(
    run_id: Annotated[str, typer.Argument(help="a trained run")],
    checkpoint: Checkpoint = "best",
    as_json: AsJson = False,
) -> None:
    """Validate a checkpoint on the run's validation split, with per-image results."""
    _test_here(run_id, None, checkpoint, "val", as_json)


def test(
    run_id: Annotated[str, typer.Argument(help="a trained run")],
    data: Annotated[str | None, typer.Argument(help="a dataset with the same classes (default: the run's)")] = None,
    checkpoint: Checkpoint = "best",
    split: Annotated[str | None, typer.Option(help="test (default), val or train")] = None,
    as_json: AsJson = False,
) -> None:
    """Test a checkpoint on a dataset's test split, with per-image results."""
    _test_here(run_id, data, checkpoint, split, as_json)


def predict(
    run_id: Annotated[str, typer.Argument(help="a trained run")],
    images: Annotated[list[Path], typer.Argument(help="image files (change detection: before/after pairs)")],
    checkpoint: Checkpoint = "best",
    score_threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="smallest detection score kept")] = 0.25,
    save_overlay: Annotated[Path | None, typer.Option(help="write each image with its predictions drawn here")] = None,
    export: Annotated[str | None, typer.Option(help="predict with this completed export of the run")] = None,
    runtime: Annotated[
        str, typer.Option(help="auto (the fastest export that passed its parity check, else torch), torch, onnx, ...")
    ] = "auto",
    as_json: AsJson = False,
) -> None:
    """Predict images with a checkpoint of a run (or one of its exports), in this process."""
    from visionyard.services.predictions import PredictOptions
    from visionyard.services.predictions import predict as predict_images
    from visionyard.worker.predictor import ModelCache, Predictor

    ctx = context()
    uploads = _uploads(ctx, run_id, images)
    options = guarded(lambda: PredictOptions(checkpoint, score_threshold, save_overlay is not None, export, runtime))
    result = guarded(lambda: predict_images(ctx, run_id, uploads, options, Predictor(ModelCache(ctx.catalog()))))
    if save_overlay is not None:
        save_overlay.mkdir(parents=True, exist_ok=True)
        for entry in result["predictions"]:
            target = save_overlay / f"{Path(entry['files'][-1]).stem}.png"
            target.write_bytes(base64.b64decode(entry.pop("overlay_png")))
            err.print(f"overlay -> {target}")
    if as_json:
        print(json.dumps(result))
        return
    table = Table("image", "prediction", title=f"run {run_id}, {result['checkpoint']} (epoch {result['epoch']})")
    for entry in result["predictions"]:
        table.add_row(" + ".join(entry["files"]), _describe(result["task"], entry))
    out.print(table)


def _test_here(run_id: str, data: str | None, checkpoint: str, split: str | None, as_json: bool) -> None:
    from visionyard.services import jobs

    ctx = context()
    spec = jobs.TestSpec(checkpoint=checkpoint, dataset=data, split=split)
    job = guarded(lambda: jobs.create_test(ctx, run_id, spec))
    p = job.params
    started = f"test [bold]{job.id}[/] of run {run_id}: {p['checkpoint']} on {p['dataset']}/{p['split']}"
    done = run_job_here(ctx, job, started)
    status, result, error, folder = done.status, dict(done.result), done.error, job_folder(ctx.settings, done)
    if as_json:
        print(json.dumps({"id": job.id, "status": status, "error": error, "folder": str(folder), **result}))
    elif status == JobStatus.COMPLETED:
        table = Table("metric", "value", title=f"{result['count']} images; per-image results in {folder}")
        for name, value in result["metrics"].items():
            table.add_row(name, f"{value:.4f}")
        out.print(table)
    if status != JobStatus.COMPLETED:
        err.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(1)


def _uploads(ctx: Any, run_id: str, images: list[Path]) -> dict[str, list[tuple[str, bytes]]]:

    with ctx.db.session() as session:
        task = guarded(lambda: get_run(session, run_id).task)
    try:
        files = [(str(p), p.read_bytes()) for p in images]
    except OSError as exc:
        raise fail(f"cannot read {exc.filename}: {exc.strerror}") from None
    inputs = task_spec(task).inputs
    if len(inputs) > 1:  # the images of each sample in turn: before, after, before, after...
        return {name: files[i :: len(inputs)] for i, name in enumerate(inputs)}
    return {"files": files}


def _describe(task: str, entry: dict[str, Any]) -> str:
    target = task_spec(task).target
    if target == "label":
        return f"{entry['class_name']} ({entry['confidence']:.2f})"
    if target in ("boxes", "instances"):
        found = ", ".join(f"{n} {s:.2f}" for n, s in zip(entry["class_names"], entry["scores"], strict=True))
        return f"{len(entry['scores'])} objects: {found}" if found else "nothing found"
    if target == "mask":
        return ", ".join(f"{name} {share:.0%}" for name, share in entry["class_fractions"].items())
    return f"{entry['changed_fraction']:.1%} changed"
