"""/api/v1/suggestions: the learning rate or batch size Lightning's finders suggest for a new run's config."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, status

from visionyard.api.deps import ContextDep, SessionDep
from visionyard.api.schemas import SuggestionCreate
from visionyard.schemas.suggestions import SuggestionPublic
from visionyard.services import suggestions

router = APIRouter(prefix="/api/v1/suggestions", tags=["suggestions"])


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def create_suggestion(body: SuggestionCreate, ctx: ContextDep) -> SuggestionPublic:
    """Queue a short job that runs the finder on the model and data a run with this config would have (a worker,
    a few dozen steps); poll the suggestion until it is completed or failed."""
    job = await to_thread.run_sync(suggestions.suggest, ctx, body.model, body.dataset, body.config, body.what)
    with ctx.db.session() as session:
        return suggestions.shown(session, job.id)


@router.get("/{suggestion_id}")
def get_suggestion(suggestion_id: str, session: SessionDep) -> SuggestionPublic:
    return suggestions.shown(session, suggestion_id)
