"""Bearer-token guard (pure ASGI, so streamed responses pass through untouched)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from visionyard.api.errors import error_body
from visionyard.api.webui import is_ui_path

OPEN_PATHS = frozenset({"/ping", "/api/v1/health"})


class TokenGuard:
    def __init__(self, app: Any, token: str):
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self._open(scope) or self._authorised(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps(error_body("unauthorized", "missing or wrong bearer token")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b"Bearer"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _open(scope: dict[str, Any]) -> bool:
        """Health checks, and the UI's files (the page has to load to ask for the token)."""
        path = scope["path"]
        return path in OPEN_PATHS or (scope["method"] in ("GET", "HEAD") and is_ui_path(path))

    def _authorised(self, scope: dict[str, Any]) -> bool:
        given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        return secrets.compare_digest(given, self.expected)
