"""A suggestion for a new run's config as the API shows it: the learning rate or batch size the finder found."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from visionyard.common.statuses import JobStatus


class LrPoint(BaseModel):
    lr: float
    loss: float


class SuggestionPublic(BaseModel):
    id: str
    what: Literal["lr", "batch_size"]
    model: str
    dataset: str
    status: JobStatus
    lr: float | None = Field(None, description="the learning rate the finder suggests (what=lr)")
    curve: list[LrPoint] = Field([], description="the loss at each rate tried (what=lr)")
    batch_size: int | None = Field(
        None, description="the largest batch that fit, at most 64x the config's (what=batch_size)"
    )
    device: str | None = Field(
        None, description="where the batch-size finder ran (cpu: nothing runs out there, so its answer is the cap)"
    )
    error: str | None
    created_at: datetime
    finished_at: datetime | None
