"""Sweeps as the API shows them: the sweep, its trials (runs) with their params and objective values, the best."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from visionyard.common.statuses import RunStatus, SweepStatus
from visionyard.notify.targets import redact

SweepAction = Literal["pause", "resume", "stop", "delete"]


class Objective(BaseModel):
    metric: str = Field(description="an epoch metric of the trials' runs, e.g. val_acc")
    direction: Literal["maximize", "minimize"]


class Trial(BaseModel):
    number: int = Field(description="the trial's number in the study, from 0")
    run_id: str | None = Field(description="its run (None: it failed before one could be queued)")
    status: RunStatus = Field(description="its run's status")
    params: dict[str, Any] = Field(description="the values tried, by dotted config path")
    value: float | None = Field(description="the objective: the best epoch's, once the trial completed")
    epochs: int = Field(description="epochs trained")
    intermediate: dict[int, float] = Field(description="the objective at each validated epoch, as reported")
    error: str | None = None


class SweepSummary(BaseModel):
    id: str
    name: str | None
    status: SweepStatus
    model: str
    task: str
    dataset: str
    objective: Objective
    n_trials: int
    parallelism: int
    sampler: Literal["tpe", "random", "grid"]
    pruner: dict[str, Any] = Field(description="type (none, median, successive_halving, hyperband) and its options")
    timeout_s: float | None = Field(description="no trial is started after this many seconds of running")
    trial_counts: dict[str, int] = Field(description="its trials by status")
    best_value: float | None = Field(description="the best objective of its completed trials so far")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None = Field(description="when its last trial was accounted for")
    actions: list[SweepAction] = Field(description="what can be done with the sweep now")
    notify: list[str] = Field([], description="the sweep's own notification targets, their secrets cut")

    @field_validator("notify", mode="before")
    @classmethod
    def _redacted(cls, urls: list[str] | None) -> list[str]:
        return [redact(url) for url in urls or []]


class SweepList(BaseModel):
    items: list[SweepSummary]
    total: int
    limit: int
    offset: int


class SweepPublic(SweepSummary):
    config: dict[str, Any] = Field(description="the base config every trial starts from")
    space: dict[str, dict[str, Any]] = Field(description="the search space as checked: field path -> distribution")
    trials: list[Trial]
    best_trial: Trial | None = Field(description="the completed trial with the best objective")
    best_config: dict[str, Any] | None = Field(description="the best trial's run config, to start a run from")
    importances: dict[str, float] = Field(
        description="each parameter's importance for the objective (Optuna's fANOVA), once trials completed"
    )
