"""Dependencies of the route handlers (``Annotated`` aliases, as in full-stack-fastapi-template)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from visionyard.api.events import EventHub
from visionyard.services.context import ServiceContext


def get_context(request: Request) -> ServiceContext:
    return request.app.state.context


def get_session(context: Annotated[ServiceContext, Depends(get_context)]) -> Iterator[Session]:
    with context.db.session() as session:
        yield session


def get_hub(request: Request) -> EventHub:
    return request.app.state.hub


ContextDep = Annotated[ServiceContext, Depends(get_context)]
SessionDep = Annotated[Session, Depends(get_session)]
HubDep = Annotated[EventHub, Depends(get_hub)]
