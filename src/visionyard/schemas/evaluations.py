"""Response bodies of the evaluation routes: validation epochs, their reports, test runs and comparisons."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Metrics = dict[str, float | None]


class RunBestEpoch(BaseModel):
    run_id: str
    epoch: int
    monitor: str | None
    value: float | None
    metrics: dict[str, Any] = Field(description="every number logged in that epoch")


class ValidationEpoch(BaseModel):
    epoch: int
    best: bool
    latest: bool
    metrics: Metrics


class ConfusionMatrix(BaseModel):
    labels: list[str]
    matrix: list[list[int]] = Field(description="rows are the truth, columns the prediction")
    unit: Literal["pixels"] | None = Field(
        None, description="what is counted: pixels (masks, change maps), else images"
    )


class Histogram(BaseModel):
    edges: list[float]
    counts: list[int]


class EvaluationReport(BaseModel):
    """``report.json`` of a validation epoch or a test run; everything in it is computed from its records."""

    model_config = ConfigDict(extra="allow")

    kind: Literal["validation", "test"]
    task: str
    classes: list[str]
    count: int = Field(description="images evaluated")
    score_threshold: float
    metrics: Metrics
    per_class: list[dict[str, Any]] = Field(description="one row per class; the columns depend on the task")
    confusion_matrix: ConfusionMatrix | None
    curves: dict[str, Any] = Field(description="roc and pr per class (classification), pr (detection)")
    histograms: dict[str, Histogram]
    dataset: str
    split: str
    epoch: int | None = None
    checkpoint: str | None = None


class TestPublic(BaseModel):
    id: str
    run_id: str
    status: str
    checkpoint: str | None
    checkpoint_kind: str | None
    checkpoint_epoch: int | None
    dataset: str | None
    split: str | None = Field(description="its metrics are named after it: val_acc for a test on val")
    score_threshold: float | None
    metrics: Metrics
    count: int | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class TestDetail(TestPublic):
    report: EvaluationReport | None = Field(None, description="once completed")


class ComparedTest(BaseModel):
    job_id: str | None
    checkpoint: str | None
    epoch: int | None
    dataset: str | None
    split: str | None
    count: int | None


class ComparedMetric(BaseModel):
    metric: str = Field(description="named without its split (acc), so tests of different splits line up")
    values: list[float | None]
    deltas: list[float | None] = Field(description="each value less the first test's")


class TestComparison(BaseModel):
    tests: list[ComparedTest]
    metrics: list[ComparedMetric]


class RecordPage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
