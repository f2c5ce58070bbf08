"""Response bodies of the export routes: formats, exports with their parity and benchmark, the table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ToleranceOut(BaseModel):
    max_abs_diff: float | None
    min_agreement: float
    max_metric_drop: float


class FormatPublic(BaseModel):
    format: str
    title: str
    runtime: str
    available: bool
    reason: str | None = Field(description="why this host cannot build it")
    options: dict[str, dict[str, Any]] = Field(description="each option's type, default, description and choices")
    tolerance: ToleranceOut


class Download(BaseModel):
    name: str
    size_bytes: int | None


class ExportPublic(BaseModel):
    id: str
    run_id: str
    status: str
    format: str
    checkpoint: str | None
    checkpoint_kind: str | None
    checkpoint_epoch: int | None
    options: dict[str, Any] | None
    files: list[str] | None
    size_bytes: int | None
    size_mb: float | None
    parity: dict[str, Any] | None = Field(description="largest difference, agreement, each side's metric")
    tolerance: dict[str, Any] | None
    benchmark: dict[str, Any] | None = Field(description="p50/p95 ms and images/s of each side, threads, hardware")
    downloads: list[Download] = Field(description="every file of the export, each downloadable on its own")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ExportDetail(ExportPublic):
    sidecar: dict[str, Any] | None = Field(description="model.json: task, classes, inputs, preprocessing")
    snippet: str | None = Field(description="DEPLOY.md: a runnable deployment snippet, Markdown")


class BenchmarkRow(BaseModel):
    format: str
    export_id: str | None
    status: str
    checkpoint: str
    size_mb: float | None
    metric: str
    value: float | None
    metric_delta: float | None
    agreement: float | None
    ms_per_image: float = Field(description="p50 latency at batch 1")
    p95_ms: float
    images_per_s: float = Field(description="throughput at ``batch``")
    speedup: float
    images: int = Field(description="parity images the metric is computed on")
    batch: int
    threads: int | None
    hardware: str | None


class BenchmarkTable(BaseModel):
    run_id: str
    rows: list[BenchmarkRow]
