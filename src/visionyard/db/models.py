"""The storage of record: runs, their metrics, checkpoints and events, and registered datasets.

Torch-free. Timestamps are stored and returned as timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import expression
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_created_at_id", "created_at", "id"),
        Index("ix_runs_status_created_at_id", "status", "created_at", "id"),
        Index("ix_runs_model_created_at_id", "model", "created_at", "id"),
        Index("ix_runs_dataset_created_at_id", "dataset", "created_at", "id"),
        Index("ix_runs_sweep_id_trial_number", "sweep_id", "trial_number", unique=True),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    """The user's labels, in their order (``run_tags`` indexes them for filtering)."""
    note: Mapped[str | None] = mapped_column(Text)
    sweep_id: Mapped[str | None] = mapped_column(ForeignKey("sweeps.id", ondelete="SET NULL"))
    """The sweep this run is a trial of, if any."""
    trial_number: Mapped[int | None] = mapped_column(Integer)
    """Its trial's number in the sweep's study, from 0."""
    status: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(32))
    dataset: Mapped[str] = mapped_column(String(200))
    dataset_path: Mapped[str] = mapped_column(String(4096))
    preset: Mapped[str | None] = mapped_column(String(100))
    base_run: Mapped[str | None] = mapped_column(String(64))
    base_version_id: Mapped[int | None] = mapped_column(Integer)
    """The published model version the run started from (transfer learning), if any."""
    dataset_fingerprint: Mapped[str | None] = mapped_column(String(80))
    tracking_id: Mapped[str | None] = mapped_column(String(64))
    """The MLflow run mirroring this one, once the tracking mirror has created it."""
    config: Mapped[dict[str, Any]]
    epochs: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    max_restarts: Mapped[int] = mapped_column(Integer, default=2)
    current_epoch: Mapped[int] = mapped_column(Integer, default=0)
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    best_metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    final_metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The latest step progress of the running attempt (see ``core.telemetry``); None between attempts."""
    notify: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    """Where this run's status changes are sent besides the server's targets (URLs: secrets, never shown)."""
    serve_export: Mapped[bool] = mapped_column(Boolean, default=False, server_default=expression.false())
    """Queue an ONNX export of the best checkpoint when the run completes (``core.jobs.queue_serve_export``)."""
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """What the user should look at (``kind``, ``epoch``, ``message``): a diverging loss."""
    error: Mapped[str | None] = mapped_column(Text)
    assigned_devices: Mapped[list[int] | None] = mapped_column(JSON)
    """The pool's GPUs the run holds while active (``CUDA_VISIBLE_DEVICES`` of its worker)."""
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    worker_host: Mapped[str | None] = mapped_column(String(255))
    worker_started: Mapped[float | None]
    requested_executor: Mapped[str | None] = mapped_column(String(16))
    """Where the run asked to train (``local``, ``ray``); None: where the server's setting sends it."""
    executor: Mapped[str | None] = mapped_column(String(16))
    """Where the run trains since its last claim: ``local`` or ``ray``."""
    worker_node: Mapped[str | None] = mapped_column(String(255))
    """The node of the last attempt's worker: a host name, or a Ray node id."""
    worker_ref: Mapped[str | None] = mapped_column(String(255))
    """The executor's id of the last attempt's worker (a Ray actor id); None for a local process."""
    heartbeat_at: Mapped[datetime | None]
    control: Mapped[str | None] = mapped_column(String(16))
    control_at: Mapped[datetime | None]
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Sweep(Base):
    """A hyperparameter search: trials are runs (``Run.sweep_id``); the search itself is an Optuna study of
    the same name in this database (``visionyard.tuning``)."""

    __tablename__ = "sweeps"
    __table_args__ = (Index("ix_sweeps_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(32))
    dataset: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]]
    """The user's base config (each trial's config is it with the trial's params over it)."""
    space: Mapped[dict[str, Any]]
    """The search space as checked: dotted field path -> its distribution's spec."""
    objective: Mapped[dict[str, Any]]
    """``metric`` and ``direction`` (``maximize``, ``minimize``)."""
    n_trials: Mapped[int] = mapped_column(Integer)
    parallelism: Mapped[int] = mapped_column(Integer)
    timeout_s: Mapped[float | None]
    sampler: Mapped[str] = mapped_column(String(16))
    pruner: Mapped[dict[str, Any]]
    """``type`` (``none``, ``median``, ``successive_halving``, ``hyperband``) and its options."""
    seed: Mapped[int] = mapped_column(BigInteger)
    notify: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    """Where its status changes are sent besides the server's targets (URLs: secrets, never shown); its trials'
    runs are not notified one by one."""
    best_value: Mapped[float | None]
    """The best objective of its completed trials so far (the study's best, kept here for lists)."""
    error: Mapped[str | None] = mapped_column(Text)
    driver: Mapped[str | None] = mapped_column(String(255))
    """The server process asking the study for trials (one at a time: two servers never ask twice)."""
    driver_at: Mapped[datetime | None]
    """When that server last held the sweep; it is taken over once this is a heartbeat timeout old."""
    tracking_id: Mapped[str | None] = mapped_column(String(64))
    """The MLflow parent run of its trials' runs, once the tracking mirror has made it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    """When it last started running (the time limit counts from its first start)."""
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RunTag(Base):
    """One tag of a run, for finding runs by tag (the run's ``tags`` keeps their order)."""

    __tablename__ = "run_tags"
    __table_args__ = (Index("ix_run_tags_tag_run_id", "tag", "run_id"),)

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)


class MetricRow(Base):
    """One epoch of a run; an epoch trained again after a crash replaces its row."""

    __tablename__ = "metrics"
    __table_args__ = (UniqueConstraint("run_id", "epoch"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    epoch: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Checkpoint(Base):
    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("run_id", "path"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(255))
    """Relative to the run folder."""
    epoch: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Every state change, epoch, checkpoint and reconciliation; ids feed SSE ``Last-Event-ID``."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_run_id_id", "run_id", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """Work done in a worker process: on a trained run (a test run, an export), or before any (a suggestion
    of the learning rate or batch size for a new run's config, with no run).

    ``queued`` -> ``running`` -> ``completed`` | ``failed``; ``params`` says what to do, ``result``
    holds the headline figures (the files are in the run folder's ``<kind>s/<id>/``, or ``HOME/jobs/<id>/``)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_run_id_kind", "run_id", "kind"), Index("ix_jobs_status", "status"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    worker_host: Mapped[str | None] = mapped_column(String(255))
    worker_started: Mapped[float | None]
    executor: Mapped[str | None] = mapped_column(String(16))
    """Where the job's worker runs (``local``, ``ray``: its run trained on the cluster); set when claimed."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Dataset(Base):
    """A dataset folder registered by name (found folders under a data root need no row)."""

    __tablename__ = "datasets"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    path: Mapped[str] = mapped_column(String(4096))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainedModel(Base):
    """A name under which run checkpoints are published as numbered versions (spec/000 TrainedModel)."""

    __tablename__ = "trained_models"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    task: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    """The plugin whose weights every version holds."""
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    """One published checkpoint, copied out of its run so that it outlives checkpoint retention."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"), Index("ix_model_versions_run_id", "run_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("trained_models.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    checkpoint: Mapped[str] = mapped_column(String(255))
    """The run's checkpoint it was published from (relative to the run folder)."""
    epoch: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]]
    config: Mapped[dict[str, Any]]
    classes: Mapped[dict[str, Any]]
    """``{"names": [...]}``: the classes the weights predict."""
    dataset: Mapped[str] = mapped_column(String(200))
    dataset_fingerprint: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    tracking_version: Mapped[str | None] = mapped_column(String(32))
    """The MLflow registry version mirroring this one."""


class ModelAlias(Base):
    """A movable name (``staging``, ``production``, ...) pointing at one version of a model."""

    __tablename__ = "model_aliases"
    __table_args__ = (UniqueConstraint("model_id", "alias"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("trained_models.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AliasChange(Base):
    """The audit trail of aliases: who moved which alias from which version to which, and when."""

    __tablename__ = "alias_changes"
    __table_args__ = (Index("ix_alias_changes_model_id_id", "model_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("trained_models.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64))
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int | None] = mapped_column(Integer)
    """None when the alias was removed."""
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One message to one target about one status change (``notify``), and how its delivery went.

    ``pending`` -> ``delivered`` | ``failed`` (its tries spent); ``next_at`` is when it is tried next, or
    held until by the server sending it."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "target"),
        Index("ix_notifications_status_next_at", "status", "next_at"),
        Index("ix_notifications_run_id_id", "run_id", "id"),
        Index("ix_notifications_sweep_id_id", "sweep_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    """The run it tells of; None for a sweep's."""
    sweep_id: Mapped[str | None] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigInteger)
    """The ``status`` (or ``sweep``) event it tells of."""
    target: Mapped[str] = mapped_column(Text)
    """The URL it goes to: a secret (shown only through ``notify.targets.redact``)."""
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class Cursor(Base):
    """How far a follower of the event log (the MLflow mirror, the notifier) has got."""

    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
