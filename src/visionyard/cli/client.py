"""A small client of the native API, for the CLI's remote commands (``--server``)."""

from __future__ import annotations

from typing import Any

import httpx


class ClientError(RuntimeError):
    pass


class ApiClient:
    def __init__(self, server: str, token: str | None = None, timeout: float = 30.0):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.server = server.rstrip("/")
        self.http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, f"/api/v1{path}", **kwargs)
        except httpx.TransportError as exc:
            raise ClientError(
                f"cannot reach the server at {self.server} ({exc}); is `visionyard serve` running?"
            ) from None
        if response.status_code >= 400:
            raise ClientError(_message(response))
        return response.json() if response.content else None


def _message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        fields = "; ".join(f"{f['path']}: {f['reason']}" for f in error.get("fields") or [])
        return f"{error['message']}" + (f": {fields}" if fields else "")
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
