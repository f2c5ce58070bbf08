"""The export formats, their options and parity tolerances (torch-free: the API checks requests with it).

A request names a format and options; anything unknown is refused with what is valid, never
matched to a near name. Whether a format can be built here is decided without importing its
package (the API process imports no runtime); the worker imports it when it exports.
"""

from __future__ import annotations

import importlib.util
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from visionyard.common.errors import Invalid

SIDECAR = "model.json"
"""The metadata file beside every export's model files."""
SNIPPET = "DEPLOY.md"
"""The deployment snippet beside it."""
MAX_OPSET = 20
"""Highest opset torch's TorchScript-based ONNX exporter writes."""


class ExportRequestInvalid(Invalid):
    """An unknown format, an option that does not belong to it, or a bad option value (HTTP 422)."""

    code = "invalid_export"


class FormatUnavailable(Invalid):
    """A known format that this host cannot build or run (HTTP 422, with the reason)."""

    code = "format_unavailable"


@dataclass(frozen=True)
class Tolerance:
    """How far an export may stray from the PyTorch model and still pass its parity check."""

    max_abs_diff: float | None
    """Largest difference of raw outputs (logits; detection: matched scores and boxes / input size); None: unchecked."""
    min_agreement: float
    """Share of top-1 classes, matched boxes or mask pixels that must agree."""
    max_metric_drop: float
    """How much lower the export's task metric may be on the validation set."""


FULL_PRECISION = Tolerance(max_abs_diff=1e-3, min_agreement=0.98, max_metric_drop=0.01)
HALF_PRECISION = Tolerance(max_abs_diff=None, min_agreement=0.95, max_metric_drop=0.02)
REDUCED_PRECISION = Tolerance(max_abs_diff=None, min_agreement=0.9, max_metric_drop=0.05)


class CommonOptions(BaseModel):
    """Options every format takes: parity tolerances (the format's defaults when unset) and measurement sizes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_abs_diff: float | None = Field(None, ge=0.0, description="parity: largest raw output difference")
    min_agreement: float | None = Field(None, ge=0.0, le=1.0, description="parity: share of predictions agreeing")
    max_metric_drop: float | None = Field(None, ge=0.0, le=1.0, description="parity: largest task metric drop")
    parity_images: int = Field(200, ge=1, le=100_000, description="validation images compared")
    score_threshold: float = Field(0.25, ge=0.0, le=1.0, description="detection: boxes compared from this score")
    benchmark_runs: int = Field(30, ge=3, le=10_000, description="timed calls per measurement")
    throughput_batch: int = Field(8, ge=1, le=256, description="batch size of the throughput measurement")

    def tolerance(self, defaults: Tolerance) -> Tolerance:
        return Tolerance(
            defaults.max_abs_diff if self.max_abs_diff is None else self.max_abs_diff,
            defaults.min_agreement if self.min_agreement is None else self.min_agreement,
            defaults.max_metric_drop if self.max_metric_drop is None else self.max_metric_drop,
        )


class OnnxOptions(CommonOptions):
    opset: int = Field(17, ge=11, le=MAX_OPSET, description="ONNX opset")
    dynamic_batch: bool = Field(True, description="a free batch dimension (detection takes one image per call)")


class OnnxInt8Options(OnnxOptions):
    mode: Literal["static", "dynamic"] = Field("static", description="static: activations calibrated on images")
    calibration_images: int = Field(64, ge=1, le=10_000, description="training images for static calibration")
    per_channel: bool = Field(True, description="one weight scale per output channel")


class TorchScriptOptions(CommonOptions):
    pass


class OpenVinoOptions(CommonOptions):
    opset: int = Field(17, ge=11, le=MAX_OPSET, description="opset of the ONNX file converted")
    precision: Literal["fp32", "fp16"] = Field("fp32", description="fp16 compresses the weights")

    def tolerance(self, defaults: Tolerance) -> Tolerance:
        return super().tolerance(HALF_PRECISION if self.precision == "fp16" else defaults)


class TensorRTOptions(CommonOptions):
    fp16: bool = False


class CoreMLOptions(CommonOptions):
    pass


def _needs(*packages: str) -> Callable[[], str | None]:
    def check() -> str | None:
        missing = [p for p in packages if importlib.util.find_spec(p) is None]
        return f"the {', '.join(missing)} package is not installed" if missing else None

    return check


def _tensorrt() -> str | None:
    missing = _needs("tensorrt")()
    if missing or not Path("/dev/nvidiactl").exists():
        return "TensorRT needs the tensorrt package and an NVIDIA GPU; " + (missing or "no NVIDIA GPU is present")
    return "TensorRT engines are not built by this version of visionyard"


def _coreml() -> str | None:
    if platform.system() != "Darwin":
        return "Core ML models run only on macOS, so they cannot be checked against the original here"
    return _needs("coremltools")() or "Core ML export is not built by this version of visionyard"


@dataclass(frozen=True)
class ExportFormat:
    name: str
    title: str
    options: type[CommonOptions]
    tolerance: Tolerance
    unavailable: Callable[[], str | None]
    """Why this host cannot build and run the format; None when it can."""
    runtime: str

    def describe(self) -> dict[str, Any]:
        reason = self.unavailable()
        schema = self.options.model_json_schema()["properties"]
        return {
            "format": self.name,
            "title": self.title,
            "runtime": self.runtime,
            "available": reason is None,
            "reason": reason,
            "options": {
                name: {k: v for k, v in field.items() if k in ("type", "default", "description", "enum")}
                for name, field in schema.items()
            },
            "tolerance": vars(self.tolerance),
        }


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("onnx", "ONNX", OnnxOptions, FULL_PRECISION, _needs("onnx", "onnxruntime"), "onnxruntime"),
        ExportFormat(
            "onnx_int8", "ONNX int8", OnnxInt8Options, REDUCED_PRECISION, _needs("onnx", "onnxruntime"), "onnxruntime"
        ),
        ExportFormat("torchscript", "TorchScript", TorchScriptOptions, FULL_PRECISION, lambda: None, "torch.jit"),
        ExportFormat(
            "openvino", "OpenVINO IR", OpenVinoOptions, FULL_PRECISION, _needs("onnx", "openvino"), "openvino"
        ),
        ExportFormat("tensorrt", "TensorRT", TensorRTOptions, FULL_PRECISION, _tensorrt, "tensorrt"),
        ExportFormat("coreml", "Core ML", CoreMLOptions, FULL_PRECISION, _coreml, "coremltools"),
    )
}


def available_formats() -> list[str]:
    return [name for name, f in FORMATS.items() if f.unavailable() is None]


def parse_request(format: str, options: dict[str, Any]) -> tuple[ExportFormat, CommonOptions]:
    """The format and its checked options. Refuses unknown formats and options (listing the valid ones),
    bad values, and formats this host cannot build."""
    spec = FORMATS.get(format)
    if spec is None:
        raise ExportRequestInvalid(f"unknown export format {format!r}; valid formats: {', '.join(FORMATS)}")
    valid = list(spec.options.model_fields)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ExportRequestInvalid(
            f"option {', '.join(map(repr, unknown))} does not belong to format {format!r}; "
            f"valid options: {', '.join(valid)}"
        )
    try:
        parsed = spec.options.model_validate(options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ExportRequestInvalid(f"invalid options for {format!r}: {problems}") from None
    reason = spec.unavailable()
    if reason is not None:
        raise FormatUnavailable(f"format {format!r} is not available on this host: {reason}")
    return spec, parsed
