"""Request bodies of the native API (pydantic, ``extra="forbid"``); the responses are in ``visionyard.schemas``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from visionyard.schemas.registry import MAX_VERSION
from visionyard.tuning.study import NoPruner, PrunerSpec


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
TAGS = Field(default_factory=list, max_length=20, description="labels to find and group runs by (at most 20)")
NOTE = Field(None, max_length=10_000, description="what the run is for, what was seen (plain text or Markdown)")


class RunCreate(Input):
    model: str = Field(min_length=1, max_length=200, description="a model name from /api/v1/models")
    dataset: str = Field(min_length=1, max_length=1024, description="a dataset name from /api/v1/datasets")
    config: dict[str, Any] = Field(default_factory=dict, description="config values, nested or dotted keys")
    preset: str | None = Field(None, max_length=100)
    base_run: str | None = Field(None, max_length=64, description="start from this run's best weights")
    base_model: str | None = Field(
        None, max_length=200, description="start from a published version: name, name:3 or name@production"
    )
    name: str | None = Field(None, max_length=200)
    tags: list[Tag] = TAGS
    note: str | None = NOTE
    max_restarts: int | None = Field(None, ge=0, le=20, description="restarts after a worker dies")
    executor: Literal["local", "ray"] | None = Field(
        None, description="train on this host or on the Ray cluster; default: where the server's setting sends it"
    )
    notify: list[Annotated[str, Field(min_length=1, max_length=2048)]] = Field(
        default_factory=list,
        max_length=10,
        description="where this run's status changes are sent too: http(s) webhooks or apprise URLs (never shown "
        "back in full)",
    )
    serve_export: bool = Field(
        False,
        description="make an ONNX export for serving when the run completes: an export job of its best checkpoint "
        "is queued (default options); once it passes its parity check, predictions use it by default",
    )


class RunLabels(Input):
    """The labels to change; those left out stay as they are (an empty name or note clears it)."""

    name: str | None = Field(None, max_length=200)
    tags: list[Tag] | None = Field(None, max_length=20, description="the run's tags, all of them")
    note: str | None = NOTE


class ResumeRequest(Input):
    epochs: int | None = Field(None, ge=1, le=100_000, description="raise to extend the run")


class TestCreate(Input):
    checkpoint: str = Field("best", max_length=200, description="best, last, epoch:N or a checkpoint file name")
    dataset: str | None = Field(None, max_length=4096, description="another dataset with the same classes")
    split: Literal["test", "val", "train"] | None = Field(None, description="default: the dataset's test split")
    score_threshold: float = Field(0.25, ge=0.0, le=1.0, description="detections counted from this score")


class ExportCreate(Input):
    format: str = Field(min_length=1, max_length=50, description="a format from /api/v1/exports/formats")
    checkpoint: str = Field("best", min_length=1, max_length=200, description="best, last, epoch:N or a file name")
    options: dict[str, Any] = Field(default_factory=dict, description="the format's options")


class PublishRequest(Input):
    run_id: str = Field(min_length=1, max_length=64, description="the run whose checkpoint is published")
    checkpoint: str = Field("best", max_length=200, description="best, last, epoch:N or a checkpoint file name")
    description: str | None = Field(None, max_length=2000)
    alias: str | None = Field(None, max_length=64, description="also point this alias at the new version")
    actor: str | None = Field(None, max_length=100, description="who publishes (recorded in the alias history)")


class AliasRequest(Input):
    version: int = Field(ge=1, le=MAX_VERSION, description="the version the alias points at")
    reason: str | None = Field(None, max_length=500)
    actor: str | None = Field(None, max_length=100, description="who moves the alias (recorded)")


class SweepObjective(Input):
    metric: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9_./-]*$", description="an epoch metric: val_acc"
    )
    direction: Literal["maximize", "minimize"] | None = Field(
        None, description="default: minimize a loss, else maximize"
    )


class SweepCreate(Input):
    model: str = Field(min_length=1, max_length=200, description="a model name from /api/v1/models")
    dataset: str = Field(min_length=1, max_length=1024, description="a dataset name from /api/v1/datasets")
    config: dict[str, Any] = Field(default_factory=dict, description="the base config of every trial")
    space: dict[str, dict[str, Any]] = Field(
        min_length=1,
        max_length=50,
        description='field path -> {"low", "high", "log", "step"}, {"choices": [...]} or {} (the field\'s own bounds '
        "or options): lr, optimizer.type, model.dropout",
    )
    objective: SweepObjective | None = Field(None, description="default: the task's headline metric")
    n_trials: int | None = Field(None, ge=1, le=10_000, description="default: the grid's size for grid, else 20")
    parallelism: int = Field(1, ge=1, le=256, description="trials that may hold run slots at once")
    sampler: Literal["tpe", "random", "grid"] = "tpe"
    pruner: Annotated[PrunerSpec, BeforeValidator(lambda v: {"type": v} if isinstance(v, str) else v)] = Field(
        default_factory=NoPruner,
        description="its type (none, median, successive_halving, hyperband) with its options; a name alone will do",
    )
    timeout_s: float | None = Field(None, gt=0, le=365 * 86_400, description="start no trial after this long")
    name: str | None = Field(None, max_length=200)
    notify: list[Annotated[str, Field(min_length=1, max_length=2048)]] = Field(
        default_factory=list,
        max_length=10,
        description="where the sweep's status changes are sent too (its trials are not notified one by one)",
    )


class SuggestionCreate(Input):
    model: str = Field(min_length=1, max_length=200)
    dataset: str = Field(min_length=1, max_length=1024)
    config: dict[str, Any] = Field(default_factory=dict, description="the new run's config, as for a run")
    what: Literal["lr", "batch_size"] = Field(description="the learning rate, or the largest batch that fits")
