"""The request body limit (pure ASGI, before anything reads the body): a declared length over the limit
is refused at once, a streamed body as soon as it passes it. Uploads and predictions stream their own
bodies under their own limits (``VISIONYARD_UPLOAD_MAX_BYTES``, ``VISIONYARD_PREDICT_MAX_BYTES``)."""

from __future__ import annotations

import json
from typing import Any

from visionyard.api.errors import error_body

OWN_LIMITS = ("/api/v1/datasets/upload",)
OWN_LIMIT_SUFFIXES = ("/predict",)


class BodyLimit:
    def __init__(self, app: Any, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OWN_LIMITS or path.endswith(OWN_LIMIT_SUFFIXES):
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen, exceeded, answered = 0, False, False

        async def counted() -> dict[str, Any]:
            nonlocal seen, exceeded
            message = await receive() if not exceeded else {"type": "http.disconnect"}
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                exceeded = True  # the app sees a client gone; the client gets the 413
                return {"type": "http.disconnect"}
            return message

        async def answer(message: dict[str, Any]) -> None:
            nonlocal answered
            if not exceeded:
                answered = True
                await send(message)

        try:
            await self.app(scope, counted, answer)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not answered:
            await self._refuse(send)

    def _message(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes (VISIONYARD_REQUEST_MAX_BYTES)"

    async def _refuse(self, send: Any) -> None:
        body = json.dumps(error_body("request_too_large", self._message())).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
