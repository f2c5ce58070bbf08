"""POST /api/v1/runs/{id}/predict: uploaded images through a checkpoint of the run, in the predictor
process (see :mod:`visionyard.services.predictor_client`)."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from visionyard.api.deps import ContextDep
from visionyard.api.errors import ApiError
from visionyard.schemas.predictions import Predictions
from visionyard.services import predictions

router = APIRouter(prefix="/api/v1/runs/{run_id}", tags=["predict"])

_FORM = {
    "type": "object",
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "images"},
        "before": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "change: before"},
        "after": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "change: after"},
        "checkpoint": {"type": "string", "default": "best", "description": "best, last, epoch:N or a file name"},
        "score_threshold": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.25},
        "overlay": {"type": "boolean", "default": False, "description": "add a PNG (base64) with predictions drawn"},
        "export": {"type": "string", "description": "predict with this completed export (its own runtime)"},
        "runtime": {
            "type": "string",
            "enum": list(predictions.RUNTIMES),
            "default": "auto",
            "description": "auto: the checkpoint's fastest export that passed its parity check (int8 only when "
            "named), else PyTorch; torch: the checkpoint; a format: its export in that format",
        },
    },
}


@router.post(
    "/predict", openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _FORM}}}}
)
async def predict(run_id: str, request: Request, ctx: ContextDep) -> Predictions:
    """Predictions for one or more images (``files``; change detection: ``before`` and ``after`` in pairs: a
    task of several inputs takes a field of each input's name)."""
    limit, most = ctx.settings.predict_max_bytes, ctx.settings.predict_max_images
    length = request.headers.get("content-length")
    if length is None or not length.isdecimal():
        raise ApiError(411, "length_required", "send the images as multipart/form-data with a Content-Length")
    if int(length) > limit:
        raise ApiError(413, "request_too_large", f"the request is {length} bytes; the limit is {limit}")
    try:
        form = await request.form(max_files=3 * most, max_fields=12)
    except Exception as exc:
        raise ApiError(422, "invalid_request", f"not a multipart form: {exc}") from None
    uploads: dict[str, list[tuple[str, bytes]]] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            uploads.setdefault(name, []).append(await _read(value))
    options = predictions.PredictOptions.parse(
        form.get("checkpoint"),
        form.get("score_threshold"),
        form.get("overlay"),
        form.get("export"),
        form.get("runtime"),
    )
    return await to_thread.run_sync(predictions.predict, ctx, run_id, uploads, options)


async def _read(upload: UploadFile) -> tuple[str, bytes]:
    return upload.filename or "upload", await upload.read()
