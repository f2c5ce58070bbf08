"""Aliases of registered models (``staging``, ``production``...): each set, move and removal recorded
in the alias history (who, when, from which version to which, why) and as a ``registry`` event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from visionyard.db.models import AliasChange, ModelAlias, ModelVersion
from visionyard.schemas.registry import AliasChangePublic
from visionyard.services.model_registry import check_alias, move_alias, record_alias_change
from visionyard.services.model_versions import RegistryNotFound, find_version, get_model

if TYPE_CHECKING:
    from visionyard.core.context import Context


def set_alias(
    ctx: Context, name: str, alias: str, ref: str | int, actor: str, reason: str | None = None
) -> AliasChangePublic:
    """Point ``alias`` at a version (creating or moving it); the move is recorded."""
    check_alias(alias)
    with ctx.db.serialised() as session:
        model, version = find_version(session, name, ref)
        change = move_alias(session, model, alias, version, actor, reason)
        return alias_change_public(change)


def remove_alias(ctx: Context, name: str, alias: str, actor: str, reason: str | None = None) -> AliasChangePublic:
    with ctx.db.serialised() as session:
        model = get_model(session, name)
        row = session.scalar(select(ModelAlias).where(ModelAlias.model_id == model.id, ModelAlias.alias == alias))
        if row is None:
            raise RegistryNotFound(f"model {name!r} has no alias {alias!r}")
        previous = session.get_one(ModelVersion, row.version_id)
        session.delete(row)
        change = record_alias_change(session, model, alias, previous, None, actor, reason)
        return alias_change_public(change)


def alias_history(session: Session, name: str) -> list[AliasChangePublic]:
    model = get_model(session, name)
    changes = session.scalars(select(AliasChange).where(AliasChange.model_id == model.id).order_by(AliasChange.id))
    return [alias_change_public(c) for c in changes]


def alias_change_public(change: AliasChange) -> AliasChangePublic:
    return AliasChangePublic.model_validate(change)
