"""The OpenAPI links from the routes that create runs, datasets and versions to the routes that take them
(api/routes/links.py; schemathesis' stateful walk in tests/security/test_load.py follows them): each names an
operation of the document, fills every path parameter it has, and reads a field the answer has."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from visionyard.api import openapi_document

RUN = "/api/v1/runs/{run_id}"
EXPECTED = {
    ("post", "/api/v1/runs"): {
        ("get", RUN),
        ("post", f"{RUN}/pause"),
        ("post", f"{RUN}/resume"),
        ("post", f"{RUN}/stop"),
        ("post", f"{RUN}/retry"),
        ("get", f"{RUN}/events"),
        ("delete", RUN),
    },
    ("post", "/api/v1/datasets"): {("get", "/api/v1/datasets/{name}"), ("get", "/api/v1/datasets/{name}/samples")},
    ("post", "/api/v1/datasets/upload"): {
        ("get", "/api/v1/datasets/{name}"),
        ("get", "/api/v1/datasets/{name}/samples"),
    },
    ("post", "/api/v1/registry/models/{name}/versions"): {
        ("get", "/api/v1/registry/models/{name}/versions/{ref}"),
        ("get", "/api/v1/registry/models/{name}/versions/{ref}/best-epoch"),
        ("get", "/api/v1/registry/models/{name}/versions/{ref}/download"),
    },
}


def target_of(reference: str) -> tuple[str, str]:
    """``#/paths/~1api~1v1~1runs~1{run_id}~1pause/post`` -> ``("post", "/api/v1/runs/{run_id}/pause")``."""
    assert reference.startswith("#/paths/"), reference
    escaped, _, method = reference.removeprefix("#/paths/").rpartition("/")
    return method, escaped.replace("~1", "/").replace("~0", "~")


def schema_of(doc: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    schema = response["content"]["application/json"]["schema"]
    return doc["components"]["schemas"][schema["$ref"].rpartition("/")[2]] if "$ref" in schema else schema


def links_of(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], str, dict[str, Any]]]:
    """(method, path, response, link name, link) of every link in the document."""
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            for response in operation["responses"].values():
                for name, link in response.get("links", {}).items():
                    yield method, path, response, name, link


def test_the_create_routes_link_to_the_routes_that_take_what_they_made():
    doc = openapi_document.document()
    found: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for method, path, response, name, link in links_of(doc):
        where = f"{name} of {method} {path}"
        method_to, path_to = target_of(link["operationRef"])
        assert method_to in doc["paths"].get(path_to, {}), f"{where}: no {method_to} {path_to}"
        taken = {p["name"] for p in doc["paths"][path_to][method_to].get("parameters", []) if p["in"] == "path"}
        assert taken <= set(link["parameters"]), f"{where} leaves out {taken}"
        for expression in link["parameters"].values():
            if expression.startswith("$response.body#/"):
                field = expression.removeprefix("$response.body#/")
                assert field in schema_of(doc, response)["properties"], f"{where}: the answer has no {field}"
            else:
                assert "{" + expression.removeprefix("$request.path.") + "}" in path, f"{where}: {expression}"
        found.setdefault((method, path), set()).add((method_to, path_to))
    assert found == EXPECTED
