"""Runs as the API shows them: the run, its list, metrics, summary, checkpoints, events and log tail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from visionyard.common.statuses import RunStatus
from visionyard.core.lifecycle import Action
from visionyard.notify.targets import redact

Tags = Annotated[list[str], BeforeValidator(lambda tags: tags or [])]
"""A run's tags (a run from before tags has none)."""


class TrainingWarning(BaseModel):
    kind: Literal["loss_rising", "loss_not_finite"]
    epoch: int
    message: str


class StepProgress(BaseModel):
    """Where the running epoch is, reported with each heartbeat (``VISIONYARD_HEARTBEAT_INTERVAL``)."""

    epoch: int = Field(description="the epoch in progress, from 1")
    epochs: int | None
    step: int = Field(description="steps done in this epoch")
    steps: int = Field(description="steps in an epoch")
    global_step: int
    train_loss: float | None = Field(description="the loss of the latest step")
    images_per_s: float | None
    eta_epoch_s: float = Field(description="seconds left in this epoch's training")
    eta_run_s: float = Field(description="seconds left in the run, from the last epoch's length")


class GpuSample(BaseModel):
    index: int = Field(description="the GPU's index on its host")
    utilization_percent: float
    memory_used_bytes: int
    memory_total_bytes: int
    temperature_c: float
    power_w: float


class SystemSample(BaseModel):
    """One sample of a worker's resources, every ``VISIONYARD_SYSTEM_METRICS_INTERVAL`` seconds."""

    at: datetime
    process_cpu_percent: float = Field(description="the worker and its data-loader workers, 100 per core")
    host_cpu_percent: float
    process_rss_bytes: int
    host_memory_used_bytes: int
    host_memory_total_bytes: int
    loader_workers_alive: int
    disk_read_bytes_per_s: float | None = None
    disk_write_bytes_per_s: float | None = None
    gpus: list[GpuSample] | None = Field(None, description="the run's GPUs, where there are")


class SystemSamples(BaseModel):
    run_id: str
    samples: list[SystemSample]


class RunSummary(BaseModel):
    """A run in a list: everything but its config."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str | None
    tags: Tags = Field([], description="the user's labels")
    note: str | None = Field(None, description="the user's note")
    sweep_id: str | None = Field(None, description="the sweep this run is a trial of")
    trial_number: int | None = Field(None, description="its trial's number in the sweep, from 0")
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
    progress: StepProgress | None = Field(None, description="the running epoch's progress, while the run trains")
    error: str | None
    control: str | None = Field(description="a pending request the worker has not acted on yet")
    queue_position: int | None = Field(None, description="place in the queue (1 = next) while queued")
    actions: list[Action] = Field(
        default_factory=list, description="what can be done with the run now (extend: resume to more epochs)"
    )
    assigned_devices: list[int] | None = Field(description="the GPUs of the pool the run holds while active")
    worker_pid: int | None
    requested_executor: str | None = Field(description="where the run asked to train: local, ray (None: the default)")
    executor: str | None = Field(description="where the run trains since its last claim: local or ray")
    worker_node: str | None = Field(description="the node of the last attempt's worker (a host; a Ray node id)")
    worker_ref: str | None = Field(description="the executor's id of the last attempt's worker (a Ray actor id)")
    heartbeat_at: datetime | None
    notify: list[str] = Field([], description="the run's own notification targets, their secrets cut")
    serve_export: bool = Field(False, description="an ONNX export of the best checkpoint is queued when it completes")
    created_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @field_validator("notify", mode="before")
    @classmethod
    def _redacted(cls, urls: list[str] | None) -> list[str]:
        return [redact(url) for url in urls or []]


class RunPublic(RunSummary):
    config: dict[str, Any] = Field(description="the resolved run config")


class ComparedRun(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str | None
    tags: Tags
    note: str | None
    status: RunStatus
    model: str
    task: str
    dataset: str
    epochs: int
    current_epoch: int
    best_metrics: dict[str, Any]
    final_metrics: dict[str, Any]
    history: list[dict[str, Any]] = Field([], description="every epoch's metrics, in order")
    created_at: datetime


class ConfigRow(BaseModel):
    key: str = Field(description="a dotted config key: optimizer.lr")
    values: list[Any] = Field(description="each run's value, in the order of runs (null where it has none)")
    differs: bool


class RunComparison(BaseModel):
    runs: list[ComparedRun]
    config: list[ConfigRow] = Field(description="every config key of any of the runs, sorted")
    metrics: list[str] = Field(description="the metric names the runs' epochs have")


class NotificationPublic(BaseModel):
    """One message about one of the run's status changes, to one target, and how its delivery went."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    target: str = Field(description="where it goes, its secret parts cut")
    about: RunStatus = Field(description="the status it tells of")
    status: Literal["pending", "delivered", "failed"] = Field(description="failed: its tries are spent")
    attempts: int
    last_error: str | None
    next_at: datetime | None = Field(description="when it is tried next, while pending")
    created_at: datetime
    delivered_at: datetime | None

    @field_validator("target", mode="before")
    @classmethod
    def _redacted(cls, url: str) -> str:
        return redact(url)


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
