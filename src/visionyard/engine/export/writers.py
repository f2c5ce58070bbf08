"""Write a plugin's model in a deployment format.

The plugin writes its own graph (TorchScript, or ONNX at an opset); int8 and OpenVINO IR are made
from that ONNX file with onnxruntime's quantizer and OpenVINO's converter, so every plugin that
exports ONNX gets them too.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from visionyard.common.export_formats import CommonOptions
from visionyard.common.tasks import task_spec
from visionyard.engine.adapters.base import TorchModulePlugin
from visionyard.engine.export.metadata import embed_in_onnx

Calibration = Callable[[], Iterator[list[np.ndarray]]]
"""Model inputs (one array per graph input) of training images: for static int8 calibration, and as the
images the ONNX graph is traced with."""

QUANTIZED_OPS = ["Conv", "MatMul", "Gemm"]
BACKBONE = "/backbone/"
"""Scope of a detector's backbone in the exported graph's node names: only it is quantized, the heads that
score and place boxes stay in float (int8 heads moved scores across the threshold on small detectors)."""

FILES = {
    "onnx": ["model.onnx"],
    "onnx_int8": ["model.onnx"],
    "torchscript": ["model.torchscript"],
    "openvino": ["model.xml", "model.bin"],
}


def write(
    plugin: TorchModulePlugin,
    format: str,
    options: CommonOptions,
    folder: Path,
    meta: dict[str, Any],
    calibration: Calibration | None = None,
    examples: Calibration | None = None,
) -> list[Path]:
    """The files written into ``folder``, main file first; the ONNX graph is traced on ``examples`` (a
    detector: the first it finds a box on), on random inputs when there are none."""
    refused = plugin.refused_formats.get(format)
    if refused:
        raise ValueError(f"{plugin.metadata().name} is not exported to {format}: {refused}")
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / name for name in FILES[format]]
    o = options.model_dump()
    with warnings.catch_warnings(), tempfile.TemporaryDirectory(dir=folder) as scratch:
        warnings.simplefilter("ignore")
        if format == "torchscript":
            plugin.export(files[0], "torchscript")
            return files
        graph_options = {
            "opset": o["opset"],
            "dynamic_batch": o.get("dynamic_batch", True),
            "examples": _traceable(examples, task_spec(plugin.task).image_list),
        }
        fp32 = plugin.export(Path(scratch) / "fp32.onnx", "onnx", **graph_options)
        if format == "onnx":
            fp32.replace(files[0])
        elif format == "onnx_int8":
            _quantize(fp32, files[0], o, Path(scratch), calibration, backbone_only=task_spec(plugin.task).image_list)
        elif format == "openvino":
            _openvino(fp32, files[0], meta, o["precision"] == "fp16")
        else:
            raise ValueError(f"no writer for format {format!r}")
    if format.startswith("onnx"):
        embed_in_onnx(files[0], meta)
    return files


def _traceable(examples: Calibration | None, image_list: bool) -> Iterator[tuple[Any, ...]]:
    """Model inputs as the plugin's ``example_inputs`` gives them: a list of one image for a detector."""
    for arrays in examples() if examples is not None else ():
        tensors = tuple(torch.from_numpy(a) for a in arrays)
        yield (list(tensors),) if image_list else tensors


def _quantize(
    source: Path,
    target: Path,
    o: dict[str, Any],
    scratch: Path,
    calibration: Calibration | None,
    backbone_only: bool,
) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = scratch / "prepared.onnx"
    # Detectors and two-input models defeat symbolic shape inference; ONNX's own inference is enough here.
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    scope = {"op_types_to_quantize": QUANTIZED_OPS, "nodes_to_exclude": _float_nodes(prepared) if backbone_only else []}
    if o["mode"] == "dynamic":
        quantize_dynamic(prepared, target, weight_type=QuantType.QInt8, per_channel=o["per_channel"], **scope)
        return
    if calibration is None:
        raise ValueError("static int8 quantization needs calibration images")
    import onnxruntime as ort

    names = [i.name for i in ort.InferenceSession(str(prepared), providers=["CPUExecutionProvider"]).get_inputs()]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.feeds = (dict(zip(names, arrays, strict=True)) for arrays in calibration())

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.feeds, None)

    quantize_static(
        prepared,
        target,
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=o["per_channel"],
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        **scope,
    )


def _float_nodes(path: Path) -> list[str]:
    """Quantizable nodes outside the backbone; none when the graph names no backbone (quantize it all)."""
    import onnx

    nodes = [n.name for n in onnx.load(str(path)).graph.node if n.op_type in QUANTIZED_OPS]
    if not any(BACKBONE in name for name in nodes):
        return []
    return [name for name in nodes if BACKBONE not in name]


def _openvino(source: Path, target: Path, meta: dict[str, Any], fp16: bool) -> None:
    import json

    import openvino as ov

    model = ov.convert_model(str(source))
    model.set_rt_info(json.dumps(meta), ["visionyard", "sidecar"])
    ov.save_model(model, str(target), compress_to_fp16=fp16)
