"""Every JSON route declares its response model: OpenAPI shows a named schema for each 2xx answer, so
clients (the web UI's generated types among them) know every field."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.services.context import ServiceContext


def named(schema: dict) -> bool:
    if schema.get("type") == "array":
        return named(schema.get("items", {}))
    return "$ref" in schema


def test_every_json_answer_has_a_named_schema(tmp_path: Path):
    with TestClient(create_app(ServiceContext(Settings(home=tmp_path)), schedule=False)) as client:
        spec = client.get("/openapi.json").json()
    bare = [
        f"{method.upper()} {path} {code}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for code, answer in operation["responses"].items()
        if code.startswith("2")
        and "application/json" in answer.get("content", {})
        and not named(answer["content"]["application/json"].get("schema", {}))
    ]
    assert bare == []
