"""The operations of the OpenAPI document, values that reach past each parameter's check, and the check
of an answer: never a 5xx, the project's error shape on a 4xx, nothing from outside HOME and the data
roots. A route added tomorrow is walked the same way (unknown parameters get a placeholder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from tests.helpers import TINY
from tests.security.conftest import SECRET_MARKERS, Estate

SKIPPED_HEADERS = ("last-event-id",)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
    b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    params: tuple[tuple[str, str], ...]
    """(name, where) of its path and query parameters."""
    body: dict[str, Any] | None = None
    """The JSON body's schema, refs resolved; None for an operation without a JSON body."""
    media: str | None = None
    """The body's media type."""

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"


@dataclass
class Tally:
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    def probe(self, label: str, estate: Estate, op: Operation, path: str, **options: Any) -> None:
        """Send one request (see :func:`send`) and keep what is wrong with its answer (a dropped connection
        included)."""
        self.requests += 1
        try:
            problem = check(send(estate, op, path, **options), label)
        except httpx.TransportError as exc:
            problem = f"{label} -> no answer: {type(exc).__name__}: {exc}"
        if problem:
            self.failures.append(problem)


def operations(doc: dict[str, Any]) -> list[Operation]:
    found = []
    for template, methods in doc["paths"].items():
        for method, op in methods.items():
            params = tuple((p["name"], p["in"]) for p in op.get("parameters", []) if p["name"] not in SKIPPED_HEADERS)
            content = op.get("requestBody", {}).get("content", {})
            media = next(iter(content), None)
            body = resolve(doc, content[media]["schema"]) if media == "application/json" else None
            found.append(Operation(method.upper(), template, params, body, media))
    return found


def resolve(doc: dict[str, Any], schema: Any) -> Any:
    """The schema with every ``$ref`` replaced by what it names."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return resolve(doc, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
        return {k: resolve(doc, v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [resolve(doc, item) for item in schema]
    return schema


def path_value(estate: Estate, template: str, name: str) -> str:
    """A value of this path parameter that names something the server holds."""
    known = {
        "run_id": estate.run_id,
        "job_id": estate.run_id,
        "test_id": estate.test_id,
        "export_id": estate.export_id,
        "path": estate.image,
        "ref": "1",
        "alias": "production",
        "which": "best",
        "index": "0",
        "part": "image",
    }
    if name == "name":
        prefixes = {"/api/v1/datasets": "tiny", "/api/v1/models": "small_cnn"}
        return next((v for p, v in prefixes.items() if template.startswith(p)), estate.model_name)
    return known.get(name, "x")


def sample(schema: Any, name: str = "", estate: Estate | None = None) -> Any:
    """A plausible value for a schema: the fields it requires, with what this server holds where a field
    names something."""
    overrides: dict[str, Any] = {
        "model": "small_cnn",
        "dataset": "tiny",
        "format": "onnx",
        "checkpoint": "best",
        "split": "val",
        "version": 1,
        "config": {**TINY},
        "dataset_uri": "tiny",
        "train_data_dir": "tiny",
        "path": "tiny",
    }
    if estate is not None:
        overrides["run_id"] = estate.run_id
    if name in overrides:
        return overrides[name]
    if not isinstance(schema, dict):
        return None
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return sample(options[0], name, estate) if options else None
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            k: sample(v, k, estate) for k, v in schema.get("properties", {}).items() if k in schema.get("required", [])
        }
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 1.0)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return "a-name"


def url(estate: Estate, op: Operation, override: tuple[str, str] | None = None) -> str:
    """The operation's path with every path parameter valid but ``override`` (a name and its raw text,
    sent as it is: percent-escapes in it stay escapes)."""
    path = op.template
    for name, where in op.params:
        if where != "path":
            continue
        if override and override[0] == name:
            value = override[1]
        else:
            value = quote(path_value(estate, op.template, name), safe="/" if name == "path" else "")
        path = path.replace("{" + name + "}", value)
    return path


def send(
    estate: Estate,
    op: Operation,
    path: str,
    query: str = "",
    body: Any = None,
    raw: bytes | None = None,
) -> httpx.Response:
    """The request as a client sends it; a body the operation expects when none is given."""
    client = estate.server.client
    target = f"{path}?{query}" if query else path
    kwargs: dict[str, Any] = {"timeout": 60}
    if raw is not None:
        kwargs["content"], kwargs["headers"] = raw, {"content-type": "application/json"}
    elif op.media == "application/json":
        kwargs["json"] = body if body is not None else sample(op.body, estate=estate)
    elif op.media == "multipart/form-data":
        kwargs["files"] = [("files", ("a.png", PNG, "image/png"))]
    elif op.media is not None:
        kwargs["content"] = b"not an archive"
    return client.request(op.method, httpx.URL(estate.server.url + target), **kwargs)


SPEC_001_ERRORS = "/training/metrics"
"""Routes that answer spec/001's own error body, ``{"error": "message"}`` (api/compat/deepvision.py)."""


def check(response: httpx.Response, label: str) -> str | None:
    """Why this answer is wrong, or None."""
    status = response.status_code
    if status >= 500:
        return f"{label} -> {status}: {response.text[:200]}"
    content = response.content
    leaked = [m for m in SECRET_MARKERS if m.encode() in content]
    if leaked:
        return f"{label} -> {status} leaked {leaked}"
    if status >= 400:
        try:
            error = response.json()["error"]
            if isinstance(error, str) and response.url.path.startswith(SPEC_001_ERRORS):
                return None
            assert isinstance(error["code"], str) and isinstance(error["message"], str)
        except (ValueError, KeyError, TypeError, AssertionError):
            return f"{label} -> {status} not in the error shape: {response.text[:200]}"
    return None
