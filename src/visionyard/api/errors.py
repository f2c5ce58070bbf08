"""One JSON error shape for the native API: ``{"error": {"code", "message", "fields"?}}``.

Domain exceptions from the services map to status codes here, so routes stay thin and no user
input reaches a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from visionyard.common.export_formats import ExportRequestInvalid, FormatUnavailable
from visionyard.core.lifecycle import TransitionError
from visionyard.plugins.catalog import UnknownModelError
from visionyard.plugins.validation import ConfigError
from visionyard.services.datasets import DatasetNotFound, DatasetRejected
from visionyard.services.evaluations import EvaluationNotFound
from visionyard.services.exports import ExportFileNotFound, ExportNotUsable
from visionyard.services.images import ImageRejected
from visionyard.services.jobs import JobNotFinished, JobNotFound, NoCheckpoint
from visionyard.services.model_registry import PublishRejected, RegistryConflict, RegistryNotFound
from visionyard.services.predictor_client import PredictionFailed, PredictorUnavailable
from visionyard.services.runs import RunNotFound, RunPublished, RunSetupError
from visionyard.storage.artifacts import StorageError
from visionyard.storage.run_folder import InvalidRunId

log = logging.getLogger("visionyard.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: list[dict[str, str]] | None = None):
        self.status, self.code, self.message, self.fields = status, code, message, fields
        super().__init__(message)


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def _respond(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, fields), status_code=status)


DOMAIN_ERRORS: list[tuple[type[Exception], int, str]] = [
    (RunNotFound, 404, "run_not_found"),
    (InvalidRunId, 404, "run_not_found"),
    (DatasetNotFound, 404, "dataset_not_found"),
    (TransitionError, 409, "transition_not_allowed"),
    (DatasetRejected, 422, "invalid_dataset"),
    (NoCheckpoint, 409, "no_checkpoint"),
    (RunSetupError, 422, "invalid_run"),
    (EvaluationNotFound, 404, "evaluation_not_found"),
    (JobNotFound, 404, "job_not_found"),
    (JobNotFinished, 409, "job_not_finished"),
    (PredictionFailed, 422, "prediction_failed"),
    (PredictorUnavailable, 503, "predictor_unavailable"),
    (ExportRequestInvalid, 422, "invalid_export"),
    (FormatUnavailable, 422, "format_unavailable"),
    (ExportNotUsable, 409, "export_failed_parity"),
    (ExportFileNotFound, 404, "file_not_found"),
    (RegistryNotFound, 404, "registry_not_found"),
    (PublishRejected, 422, "invalid_publish"),
    (RegistryConflict, 409, "registry_conflict"),
    (RunPublished, 409, "run_published"),
    (StorageError, 503, "storage_unavailable"),
]


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _respond(exc.status, exc.code, exc.message, exc.fields)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"path": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        return _respond(422, "invalid_request", "the request is not valid", fields)

    @app.exception_handler(ConfigError)
    async def invalid_config(request: Request, exc: ConfigError) -> JSONResponse:
        fields = [{"path": f"config.{p.path}", "reason": p.reason} for p in exc.problems]
        return _respond(422, "invalid_config", "the config is not valid", fields)

    @app.exception_handler(UnknownModelError)
    async def unknown_model(request: Request, exc: UnknownModelError) -> JSONResponse:
        return _respond(404, "model_not_found", str(exc))

    @app.exception_handler(ImageRejected)
    async def image_rejected(request: Request, exc: ImageRejected) -> JSONResponse:
        return _respond(exc.status, exc.code, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    for exc_type, status, code in DOMAIN_ERRORS:
        app.add_exception_handler(exc_type, _handler(status, code))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(500, "internal_error", "internal error; see the server log")


def _handler(status: int, code: str) -> Any:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return _respond(status, code, str(exc))

    return handle
