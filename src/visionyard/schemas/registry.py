"""The model registry as the API shows it: models, versions with their runs and exports, alias changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_VERSION = 2**31 - 1
"""The highest version number a model may reach (what every database holds in an integer column)."""


class RunOfVersion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    model_config = ConfigDict(from_attributes=True)

    alias: str
    from_version: int | None
    to_version: int | None = Field(description="null when the alias was removed")
    actor: str
    reason: str | None
    at: datetime = Field(validation_alias="created_at")


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
