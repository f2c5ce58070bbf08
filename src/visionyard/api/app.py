"""The FastAPI application: native API, compatibility routes, and the scheduler in its lifespan.

Nothing here imports torch or plugin code: ``/ping`` answers within moments of start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import visionyard
from visionyard.api import errors, webui
from visionyard.api.auth import TokenGuard
from visionyard.api.compat import changedetect, deepvision
from visionyard.api.events import EventHub
from visionyard.api.limits import BodyLimit
from visionyard.api.routes import (
    datasets,
    evaluations,
    exports,
    health,
    models,
    predict,
    registry,
    runs,
    storage,
    suggestions,
    sweeps,
    tasks,
)
from visionyard.scheduler.executors.base import Executor
from visionyard.scheduler.supervisor import Scheduler
from visionyard.schemas.system import Pong
from visionyard.services.context import ServiceContext
from visionyard.services.sweep_driver import SweepDriverThread

log = logging.getLogger("visionyard.api")


def create_app(ctx: ServiceContext | None = None, schedule: bool = True, executor: Executor | None = None) -> FastAPI:
    """``schedule=False`` serves the API without starting workers (a second API process); ``executor``:
    where the scheduler runs workers (default the one the settings name)."""
    context = ctx or ServiceContext()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context.db.migrate()
        hub = EventHub(context.db, context.settings.sse_max_clients)
        hub.start()
        app.state.hub = hub
        scheduler = Scheduler(context, executor=executor) if schedule else None
        driver = SweepDriverThread(context) if schedule else None
        if scheduler is not None and driver is not None:
            scheduler.start()
            driver.start()
        threading.Thread(target=_warm_catalog, args=(context,), name="catalog", daemon=True).start()
        try:
            yield
        finally:
            if driver is not None:
                driver.stop()
            if scheduler is not None:
                scheduler.shutdown()
            await hub.stop()
            if "predictor" in vars(context):
                context.predictor.close()

    app = FastAPI(
        title="visionyard",
        version=visionyard.__version__,
        description="Train image models from a plugin catalog: runs queued, trained, watched and controlled.",
        lifespan=lifespan,
    )
    app.state.context = context
    errors.install(app)
    routers = (
        predict,  # first: each request is matched against the routes in order, and predict is the hot path
        health,
        models,
        tasks,
        runs,
        sweeps,
        suggestions,
        evaluations,
        exports,
        registry,
        storage,
        datasets,
        deepvision,
        changedetect,
    )
    for module in routers:
        app.include_router(module.router)

    @app.get("/ping", tags=["health"])
    def ping() -> Pong:
        return Pong()

    webui.install(app)

    app.add_middleware(BodyLimit, max_bytes=context.settings.request_max_bytes)
    if context.settings.api_token:
        app.add_middleware(TokenGuard, token=context.settings.api_token)
    if context.settings.cors_origins:  # outermost: a browser's preflight carries no token
        app.add_middleware(
            CORSMiddleware,
            allow_origins=context.settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["authorization", "content-type", "last-event-id"],
        )
    return app


def _warm_catalog(ctx: ServiceContext) -> None:
    """Read the plugin catalog (in a subprocess) ahead of the first request that needs it."""
    try:
        ctx.catalog()
    except Exception:
        log.exception("reading the plugin catalog failed")
