"""OpenAPI links: from a route that creates something to the routes that take it.

A client that reads links (schemathesis' stateful tests, generated clients) follows them with the id the
answer carries. Each target is named by its path and method (``operationRef``), so renaming a route's
function does not break a link; a link to a route that does not exist fails the stateful test.
"""

from __future__ import annotations

from typing import Any

Target = tuple[str, str]
"""A route's method and path, as in the OpenAPI document: ``("post", "/api/v1/runs/{run_id}/pause")``."""


def operation_ref(method: str, path: str) -> str:
    """The JSON pointer of an operation in the document (``/`` and ``~`` escaped as RFC 6901 says)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def links(status: int, targets: dict[str, Target], **parameters: str) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses`` entry: its ``status`` answer links to each of ``targets`` (by link name),
    which takes ``parameters`` (runtime expressions such as ``$response.body#/id``)."""
    return {
        status: {
            "links": {
                name: {"operationRef": operation_ref(method, path), "parameters": dict(parameters)}
                for name, (method, path) in targets.items()
            }
        }
    }
