"""Response bodies of spec/001's DeepVisionXplain Training API (``/training``), in its field names."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class StatusReply(BaseModel):
    status: str


class ConfigList(BaseModel):
    available_configs: list[str]


class ModelPaths(BaseModel):
    model_paths: list[str]


class DatasetEntry(BaseModel):
    dataset_name: str
    train_path: str
    test_path: str
    val_path: str | None
    dataset_base_path: str


class DatasetList(BaseModel):
    datasets: list[DatasetEntry]


class RunMetrics(BaseModel):
    run_id: str
    available_columns: list[str]
    total_rows: int
    max_epoch: int
    max_step: int
    data: list[dict[str, Any]]
    csv_file: str
    last_modified: str | None


class RunEntry(BaseModel):
    run_id: str
    created_at: str
    modified_at: str
    status: Literal["completed", "in_progress"]
    has_metrics: bool
    metrics_file: str | None


# ---- the change-detection service's /train ----


class JobCreated(BaseModel):
    job_id: str
    status: str


class JobPublic(BaseModel):
    """A run, in spec/004's names."""

    model_config = ConfigDict(from_attributes=True)

    job_id: str = Field(validation_alias="id")
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    metrics: dict[str, Any] = Field(validation_alias="best_metrics", description="the best epoch's metrics")
    error: str | None
