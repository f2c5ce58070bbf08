"""Disk usage of HOME and of one run; the health answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RunBytes(BaseModel):
    run_id: str
    bytes: int


class StorageUsage(BaseModel):
    home: str
    areas: dict[str, int] = Field(description="bytes of runs, registry, datasets and cache")
    total: int
    free: int = Field(description="free bytes on HOME's disk")
    runs: list[RunBytes] = Field(description="largest first")


class RunDisk(BaseModel):
    total: int
    checkpoints: int
    validation: int
    tests: int
    exports: int


class Pong(BaseModel):
    status: Literal["ok"] = "ok"
