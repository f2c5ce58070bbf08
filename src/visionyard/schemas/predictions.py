"""The answer of a prediction request."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ServedExport(BaseModel):
    id: str
    format: str


class Predictions(BaseModel):
    run_id: str
    checkpoint: str
    epoch: int | None
    export: ServedExport | None = Field(description="the export that answered, when not the checkpoint")
    runtime: str = Field(description="what ran the model: torch (the checkpoint) or the export's format")
    task: str
    cached: bool = Field(description="the model was already loaded")
    timings: dict[str, float]
    predictions: list[dict[str, Any]] = Field(description="one per image (a before/after pair): task-specific fields")
