"""/api/v1/models: the plugin catalog (spec/003 "API Integration"), read without importing plugins."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from visionyard.api.deps import ContextDep
from visionyard.plugins.catalog import PluginEntry
from visionyard.plugins.schema import ConfigField, ConfigSchema, ModelMetadata, TaskType
from visionyard.plugins.validation import config_warnings, resolve_config, run_config_model

router = APIRouter(prefix="/api/v1/models", tags=["models"])


class BrokenPlugin(BaseModel):
    name: str
    source: str
    error: str | None


class ModelList(BaseModel):
    items: list[ModelMetadata]
    broken: list[BrokenPlugin]


class ModelDetail(BaseModel):
    metadata: ModelMetadata
    config_schema: ConfigSchema


class ModelConfigSchema(BaseModel):
    fields: tuple[ConfigField, ...] = Field(description="the model's own settings (the run config's model section)")
    presets: dict[str, dict[str, Any]]
    run_config: dict[str, Any] = Field(description="the JSON Schema of a whole run config for this model")
    defaults: dict[str, Any] = Field(description="the run config with no values of the user's (the form's start)")


class ConfigWarning(BaseModel):
    path: str
    reason: str


class Validated(BaseModel):
    valid: bool
    config: dict[str, Any]
    warnings: list[ConfigWarning] = Field(description="valid settings the model was not made for")


@router.get("")
async def list_models(
    ctx: ContextDep,
    task: Annotated[TaskType | None, Query(alias="task")] = None,
    framework: Annotated[str | None, Query(max_length=50)] = None,
    refresh: bool = False,
) -> ModelList:
    """Models, filtered by task type and framework; plugins that failed to load come with their error."""
    catalog = await to_thread.run_sync(ctx.catalog, refresh)
    return ModelList(
        items=[e.metadata for e in catalog.list(task=task, framework=framework) if e.metadata],
        broken=[BrokenPlugin(name=e.name, source=e.source.id, error=e.error) for e in catalog.broken()],
    )


async def _entry(ctx: ContextDep, name: str) -> PluginEntry:
    catalog = await to_thread.run_sync(ctx.catalog)
    return catalog.get(name)


@router.get("/{name}")
async def get_model(name: str, ctx: ContextDep) -> ModelDetail:
    entry = await _entry(ctx, name)
    assert entry.metadata is not None and entry.config_schema is not None
    return ModelDetail(metadata=entry.metadata, config_schema=entry.config_schema)


@router.get("/{name}/metadata")
async def get_metadata(name: str, ctx: ContextDep) -> ModelMetadata:
    entry = await _entry(ctx, name)
    assert entry.metadata is not None
    return entry.metadata


@router.get("/{name}/config-schema")
async def get_config_schema(name: str, ctx: ContextDep) -> ModelConfigSchema:
    """The model's fields and presets, and the JSON Schema of a whole run config for this model."""
    entry = await _entry(ctx, name)
    assert entry.config_schema is not None
    return ModelConfigSchema(
        fields=entry.config_schema.fields,
        presets=entry.config_schema.presets,
        run_config=run_config_model(entry.config_schema).model_json_schema(),
        defaults=_resolve(entry, {}, None),
    )


@router.post("/{name}/validate-config")
async def validate_config(
    name: str,
    ctx: ContextDep,
    config: Annotated[dict[str, Any], Body(description="config values, nested or dotted keys")],
    preset: Annotated[str | None, Query(max_length=100)] = None,
) -> Validated:
    """The resolved config when valid, with warnings about settings the model was not made for; a 422 with
    every field path and reason when not valid."""
    entry = await _entry(ctx, name)
    resolved = _resolve(entry, config, preset)
    warnings = config_warnings(resolved, _sizes(entry), name)
    return Validated(valid=True, config=resolved, warnings=[ConfigWarning(**vars(w)) for w in warnings])


def _sizes(entry: PluginEntry) -> tuple[int, ...]:
    return entry.metadata.supported_image_sizes if entry.metadata else ()


def _resolve(entry: PluginEntry, config: dict[str, Any], preset: str | None) -> dict[str, Any]:
    assert entry.config_schema is not None
    return resolve_config(entry.config_schema, config, preset, entry.task, _sizes(entry))
