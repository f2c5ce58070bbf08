"""Service settings (environment variables with the VISIONYARD_ prefix)."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from visionyard.common.statuses import RunStatus

SERVER_ONLY = frozenset({"notify_urls", "notify_secret", "notify_statuses"})
"""Settings only the server uses, kept out of workers' environments (they run plugin code)."""


class Settings(BaseSettings):
    """Where visionyard keeps its files. ``VISIONYARD_HOME`` defaults to ``~/.visionyard``."""

    model_config = SettingsConfigDict(env_prefix="VISIONYARD_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".visionyard")
    models_dir: Path | None = Field(None, description="folder plugins: <models_dir>/<name>/model.py")
    data_dir: Path | None = Field(None, description="datasets; default HOME/data")
    extra_data_dirs: list[Path] = Field([], description="more data roots (JSON list) the API may read from")
    plugin_import_timeout: float = Field(60.0, gt=0, description="seconds one plugin may take to import")
    allow_downloads: bool = Field(
        True, description="pretrained=true fetches a model's published weights when none is local (hash checked)"
    )
    weights_mirror: str | None = Field(
        None, description="a URL base that stands in for the weights' publishers (a proxy or an internal copy)"
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; default a SQLite file under HOME")
    max_concurrent_runs: int = Field(1, ge=1, description="runs trained at once on this host (one per device slot)")
    max_concurrent_jobs: int = Field(1, ge=1, description="test runs (and other jobs) done at once")
    gpus: list[int] | None = Field(
        None, description="the GPU pool runs are given GPUs from (JSON list of indexes); default every visible one"
    )
    gpu_backfill_s: float = Field(
        1800.0, ge=0, description="how long smaller runs may pass a queued run waiting for GPUs (0: strict FIFO)"
    )
    executor: Literal["local", "ray", "auto"] = Field(
        "local",
        description="where runs train unless they say: local (this host), ray (a Ray cluster), auto (a free "
        "local slot first, else the cluster)",
    )
    ray_max_concurrent_runs: int = Field(4, ge=1, description="runs trained at once on the Ray cluster")
    ray_address: str = Field(
        "local", description="the Ray cluster's GCS (host:port) with executor=ray; local starts one in-process"
    )
    max_restarts: int = Field(2, ge=0, description="default restarts of a run whose worker died")
    heartbeat_interval: float = Field(
        2.0, gt=0, description="seconds between worker heartbeats (and step progress reports)"
    )
    heartbeat_timeout: float = Field(10.0, gt=0, description="a worker silent this long is taken for dead")
    system_metrics_interval: float = Field(
        10.0, gt=0, description="seconds between a worker's samples of CPU, memory, disk and GPU use"
    )
    stop_timeout: float = Field(30.0, gt=0, description="seconds a stop may take before the worker is killed")
    restart_backoff: float = Field(1.0, ge=0, description="first restart delay in seconds, doubled each time")
    restart_backoff_max: float = Field(300.0, ge=0, description="the longest restart delay in seconds")
    db_outage_s: float = Field(
        600.0, ge=0, description="how long a worker keeps retrying a write while the database is unreachable"
    )
    api_token: str | None = Field(None, description="bearer token the API requires (always off loopback)")
    upload_max_bytes: int = Field(2 * 1024**3, gt=0, description="largest dataset upload, uncompressed")
    predict_max_bytes: int = Field(32 * 1024**2, gt=0, description="largest predict request (all images)")
    predict_max_images: int = Field(16, ge=1, description="most images in one predict request")
    predict_max_batch: int = Field(
        8, ge=1, le=256, description="most images the predictor runs through a model at once, from requests together"
    )
    predict_batch_wait_ms: float = Field(
        5.0,
        ge=0,
        le=1000,
        description="longest the predictor holds a batch open for requests still being decoded (a lone request "
        "does not wait)",
    )
    upload_max_files: int = Field(200_000, gt=0, description="most files in one dataset upload")
    request_max_bytes: int = Field(
        4 * 1024**2, gt=0, description="largest request body but uploads and predictions (they have their own)"
    )
    image_max_pixels: int = Field(50_000_000, gt=0, description="largest image (width x height) a predict takes")
    sse_max_clients: int = Field(256, ge=1, description="event streams (SSE) open at once on this API process")
    cors_origins: list[str] = Field(
        [], description="origins a browser page may call the API from (JSON list); none: CORS off"
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="where users reach this service (links in MLflow and notifications)"
    )
    notify_urls: Annotated[list[str], NoDecode] = Field(
        [],
        description="where every run's status changes are sent (comma-separated): http(s) URLs get a JSON "
        "webhook, other schemes go through apprise (slack://, mailto://, ntfy://...)",
    )
    notify_secret: SecretStr | None = Field(
        None, description="signs webhook bodies: hex HMAC-SHA256 in the X-Visionyard-Signature header"
    )
    notify_statuses: Annotated[list[RunStatus], NoDecode] = Field(
        [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.STOPPED, RunStatus.RESTARTING, RunStatus.PAUSED],
        description="the run statuses that are notified (comma-separated)",
    )
    notify_attempts: int = Field(6, ge=1, le=50, description="tries of one notification before it is given up")
    notify_backoff: float = Field(2.0, ge=0, description="seconds before a notification's 2nd try, doubled each time")
    notify_timeout: float = Field(10.0, gt=0, description="seconds one delivery may take")
    mlflow_tracking_uri: str | None = Field(None, description="MLflow store (sqlite:/// or http://); off if unset")
    mlflow_experiment: str = Field("visionyard", min_length=1, description="MLflow experiment of the runs")
    storage_url: str | None = Field(None, description="artifact store (s3://bucket/prefix); HOME/runs if unset")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, moto); AWS if unset")

    @field_validator("notify_urls", "notify_statuses", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``a,b`` or a JSON list."""
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]

    def run_url(self, run_id: str) -> str:
        """The run's page in the web UI."""
        return f"{self.public_url.rstrip('/')}/runs/{run_id}"

    def sweep_url(self, sweep_id: str) -> str:
        """The sweep's page in the web UI."""
        return f"{self.public_url.rstrip('/')}/sweeps/{sweep_id}"

    @cached_property
    def root(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def data_root(self) -> Path:
        return (self.data_dir or self.root / "data").expanduser().resolve()

    @property
    def data_roots(self) -> list[Path]:
        return [self.data_root, *(p.expanduser().resolve() for p in self.extra_data_dirs)]

    @property
    def models_root(self) -> Path:
        return (self.models_dir or self.root / "models").expanduser().resolve()

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.root / 'visionyard.db'}"

    @property
    def configs_dir(self) -> Path:
        """Experiment configs (YAML) for the spec/001 compatibility routes."""
        return self.root / "configs" / "experiment"

    @property
    def weights_dir(self) -> Path:
        return self.root / "weights"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def registry_dir(self) -> Path:
        """Published model versions: ``<name>/<version>/``."""
        return self.root / "registry"
