"""Suggestions for a new run's config: a short ``suggest`` job (of no run) runs Lightning's learning-rate or
batch-size finder on the model and data the run would have, and its result fills the form's field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from visionyard.common.errors import NotFound
from visionyard.common.statuses import JobStatus
from visionyard.core.runs import new_run_id
from visionyard.db.models import Job
from visionyard.plugins.validation import resolve_config
from visionyard.schemas.suggestions import SuggestionPublic
from visionyard.services import datasets
from visionyard.services.runs import check_fits

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from visionyard.core.context import Context

KIND = "suggest"


class SuggestionNotFound(NotFound):
    code = "suggestion_not_found"

    def __init__(self, suggestion_id: str):
        super().__init__(f"no suggestion {suggestion_id!r}")


def suggest(ctx: Context, model: str, dataset: str, config: dict[str, Any], what: Literal["lr", "batch_size"]) -> Job:
    """Check the model, the dataset and the config as a run's would be, and queue the finder."""
    entry = ctx.catalog().get(model)
    assert entry.config_schema is not None and entry.metadata is not None
    name, path = datasets.resolve(ctx, dataset)
    check_fits(path, entry.task, model)
    resolved = resolve_config(entry.config_schema, config, None, entry.task, entry.metadata.supported_image_sizes)
    params = {"what": what, "model": model, "task": entry.task, "dataset": name, "dataset_path": str(path)}
    job = Job(id=new_run_id(), run_id=None, kind=KIND, status=JobStatus.QUEUED, params={**params, "config": resolved})
    with ctx.db.write() as session:
        session.add(job)
    return job


def shown(session: Session, suggestion_id: str) -> SuggestionPublic:
    job = session.get(Job, suggestion_id) if len(suggestion_id) <= 64 else None
    if job is None or job.kind != KIND:
        raise SuggestionNotFound(suggestion_id)
    result = job.result or {}
    return SuggestionPublic(
        id=job.id,
        what=job.params["what"],
        model=job.params["model"],
        dataset=job.params["dataset"],
        status=JobStatus(job.status),
        lr=result.get("lr"),
        curve=result.get("curve", []),
        batch_size=result.get("batch_size"),
        device=result.get("device"),
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
