"""Liveness: answered without touching plugins or torch."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

import visionyard
from visionyard.api.deps import ContextDep

router = APIRouter(tags=["health"])


@router.get("/api/v1/health")
def health(ctx: ContextDep) -> dict[str, str]:
    with ctx.db.session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "version": visionyard.__version__, "database": ctx.db.engine.dialect.name}
