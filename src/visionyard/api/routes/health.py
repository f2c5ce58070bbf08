"""Liveness: answered without touching plugins or torch."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import text

import visionyard
from visionyard.api.deps import ContextDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: str = Field(description="the database's dialect: sqlite or postgresql")


@router.get("/api/v1/health")
def health(ctx: ContextDep) -> Health:
    """The database answers; nothing else is touched."""
    with ctx.db.session() as session:
        session.execute(text("SELECT 1"))
    return Health(status="ok", version=visionyard.__version__, database=ctx.db.engine.dialect.name)
