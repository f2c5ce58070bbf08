"""Request and response bodies of the native API (pydantic, ``extra="forbid"`` on input)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from visionyard.common.statuses import RunStatus
from visionyard.core.lifecycle import Action


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    max_restarts: int | None = Field(None, ge=0, le=20, description="restarts after a worker dies")


class ResumeRequest(Input):
    epochs: int | None = Field(None, ge=1, le=100_000, description="raise to extend the run")


class TrainingWarning(BaseModel):
    kind: Literal["loss_rising", "loss_not_finite"]
    epoch: int
    message: str


class RunSummary(BaseModel):
    """A run in a list: everything but its config."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str | None
    status: RunStatus
    model: str
    task: str
    dataset: str
    preset: str | None
    base_run: str | None
    base_version_id: int | None
    dataset_fingerprint: str | None
    tracking_id: str | None = Field(description="the MLflow run mirroring this one")
    epochs: int
    current_epoch: int
    current_step: int
    attempt: int
    restarts: int
    max_restarts: int
    best_metrics: dict[str, Any]
    final_metrics: dict[str, Any]
    warnings: list[TrainingWarning] = Field(description="what training found wrong (a diverging loss); it went on")
    error: str | None
    control: str | None = Field(description="a pending request the worker has not acted on yet")
    queue_position: int | None = Field(None, description="place in the queue (1 = next) while queued")
    actions: list[Action] = Field(
        default_factory=list, description="what can be done with the run now (extend: resume to more epochs)"
    )
    worker_pid: int | None
    heartbeat_at: datetime | None
    created_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class RunPublic(RunSummary):
    config: dict[str, Any] = Field(description="the resolved run config")


class RunList(BaseModel):
    items: list[RunSummary]
    total: int
    limit: int
    offset: int


class MetricsPublic(BaseModel):
    run_id: str
    columns: list[str]
    rows: list[dict[str, Any]]


class Summary(BaseModel):
    run_id: str
    total_epochs: int
    total_steps: int
    best_metrics: dict[str, float]
    final_metrics: dict[str, Any]
    available_columns: list[str]


class CheckpointPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    path: str
    epoch: int
    step: int
    metrics: dict[str, Any] | None
    size: int
    created_at: datetime


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    data: dict[str, Any]
    created_at: datetime


class LogTail(BaseModel):
    run_id: str
    source: str
    lines: list[str]


class TestCreate(Input):
    checkpoint: str = Field("best", max_length=200, description="best, last, epoch:N or a checkpoint file name")
    dataset: str | None = Field(None, max_length=4096, description="another dataset with the same classes")
    split: Literal["test", "val", "train"] | None = Field(None, description="default: the dataset's test split")
    score_threshold: float = Field(0.25, ge=0.0, le=1.0, description="detections counted from this score")


class ExportCreate(Input):
    format: str = Field(min_length=1, max_length=50, description="a format from /api/v1/exports/formats")
    checkpoint: str = Field("best", min_length=1, max_length=200, description="best, last, epoch:N or a file name")
    options: dict[str, Any] = Field(default_factory=dict, description="the format's options")


class RecordPage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class PublishRequest(Input):
    run_id: str = Field(min_length=1, max_length=64, description="the run whose checkpoint is published")
    checkpoint: str = Field("best", max_length=200, description="best, last, epoch:N or a checkpoint file name")
    description: str | None = Field(None, max_length=2000)
    alias: str | None = Field(None, max_length=64, description="also point this alias at the new version")
    actor: str | None = Field(None, max_length=100, description="who publishes (recorded in the alias history)")


class AliasRequest(Input):
    version: int = Field(ge=1, description="the version the alias points at")
    reason: str | None = Field(None, max_length=500)
    actor: str | None = Field(None, max_length=100, description="who moves the alias (recorded)")


class RunOfVersion(BaseModel):
    id: str
    name: str | None
    status: str
    epochs: int
    current_epoch: int
    best_metrics: dict[str, Any]
    started_at: datetime | None
    finished_at: datetime | None


class ModelVersionPublic(BaseModel):
    name: str
    version: int
    aliases: list[str]
    task: str
    model: str
    run_id: str
    run: RunOfVersion | None = Field(description="the training run (spec/000 TrainingRun)")
    checkpoint: str = Field(description="the run's checkpoint it was copied from")
    epoch: int
    metrics: dict[str, Any] = Field(description="the metrics of the published epoch")
    classes: list[str]
    dataset: str
    dataset_fingerprint: str | None = Field(description="sha256 over the dataset's file names, sizes and contents")
    size: int
    sha256: str
    description: str | None
    created_by: str
    created_at: datetime
    tracking_version: str | None = Field(description="the MLflow registry version mirroring this one")


class ExportOfVersion(BaseModel):
    id: str
    format: str | None
    status: str
    result: dict[str, Any]


class ModelVersionDetail(ModelVersionPublic):
    config: dict[str, Any]
    exports: list[ExportOfVersion] = Field(description="exports made from the same checkpoint")


class TrainedModelPublic(BaseModel):
    name: str
    task: str
    model: str
    description: str | None
    created_at: datetime
    latest_version: int | None
    aliases: dict[str, int] = Field(description="alias -> version")
    versions: list[ModelVersionPublic]


class AliasChangePublic(BaseModel):
    alias: str
    from_version: int | None
    to_version: int | None = Field(description="null when the alias was removed")
    actor: str
    reason: str | None
    at: datetime


class BestEpoch(BaseModel):
    name: str
    version: int
    run_id: str
    monitor: str
    mode: str
    epoch: int
    value: float
    metrics: dict[str, Any]
    published_epoch: int


class ServedExport(BaseModel):
    id: str
    format: str


class Predictions(BaseModel):
    run_id: str
    checkpoint: str
    epoch: int | None
    export: ServedExport | None = Field(description="the export that answered, when not the checkpoint")
    task: str
    cached: bool = Field(description="the model was already loaded")
    timings: dict[str, float]
    predictions: list[dict[str, Any]] = Field(description="one per image (a before/after pair): task-specific fields")


class RunBytes(BaseModel):
    run_id: str
    bytes: int


class StorageUsage(BaseModel):
    home: str
    areas: dict[str, int] = Field(description="bytes of runs, registry, datasets and cache")
    total: int
    free: int = Field(description="free bytes on HOME's disk")
    runs: list[RunBytes] = Field(description="largest first")


class RunDisk(BaseModel):
    total: int
    checkpoints: int
    validation: int
    tests: int
    exports: int


class Pong(BaseModel):
    status: Literal["ok"] = "ok"
