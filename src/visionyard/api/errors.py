"""One JSON error shape for the native API: ``{"error": {"code", "message", "fields"?}}``.

Every domain error (``common.errors.VisionyardError``) carries its code and status, so one handler
answers them all, routes stay thin, and no user input reaches a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from visionyard.common.errors import VisionyardError
from visionyard.db.session import unreachable

log = logging.getLogger("visionyard.api")


class ApiError(VisionyardError):
    """A request refused at the door, before a service sees it (its size, its framing)."""

    def __init__(self, status: int, code: str, message: str, fields: list[dict[str, str]] | None = None):
        self.status, self.code, self._fields = status, code, fields
        super().__init__(message)

    def fields(self) -> list[dict[str, str]] | None:
        return self._fields


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def _respond(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, fields), status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"path": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        return _respond(422, "invalid_request", "the request is not valid", fields)

    @app.exception_handler(VisionyardError)
    async def domain_error(request: Request, exc: VisionyardError) -> JSONResponse:
        return _respond(exc.status, exc.code, str(exc), exc.fields())

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        """Answered here rather than by the catch-all below, which Starlette re-raises for the server to log
        with its traceback: an outage is a warning line per request, not a traceback."""
        if unreachable(exc):
            log.warning("the database is unreachable on %s %s: %s", request.method, request.url.path, exc)
            response = _respond(503, "database_unavailable", "the database is not answering; try again shortly")
            response.headers["Retry-After"] = "5"
            return response
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(500, "internal_error", "internal error; see the server log")
