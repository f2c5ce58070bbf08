"""Exported models loaded with their own runtime, answering what a task module's ``infer_batch`` answers.

So the parity check, the benchmark and the predict endpoint treat an export exactly like the
PyTorch model: same preprocessed inputs in, same outputs out (logits, or per-image detections in
dataset labels), same mapping back to the image afterwards.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np
import torch

from visionyard.engine.tasks.kit import TaskKit, kit

Arrays = list[np.ndarray]


class Runtime(ABC):
    """``per_call``: how many images one call takes (1 for image-list tasks and fixed-batch exports), or None."""

    def __init__(self, kit: TaskKit, per_call: int | None):
        self.kit, self.per_call = kit, per_call

    @abstractmethod
    def run(self, inputs: Arrays) -> Arrays:
        """The graph's outputs for its inputs, in the graph's own order."""

    def infer_batch(self, inputs: Any) -> Any:
        if self.kit.spec.image_list:
            return [self.kit.decode(self.run([image.cpu().numpy()])) for image in inputs]
        tensors = list(inputs) if len(self.kit.spec.inputs) > 1 else [inputs]
        arrays = [t.cpu().numpy() for t in tensors]
        if self.per_call is None:
            return self.kit.decode(self.run(arrays))
        count = len(arrays[0])
        step = self.per_call
        parts = [self.run([a[i : i + step] for a in arrays])[0] for i in range(0, count, step)]
        return self.kit.decode([np.concatenate(parts)])


def logits(outputs: Arrays) -> torch.Tensor:
    """A dense task's export answers its logits first."""
    return torch.from_numpy(outputs[0])


def detections(outputs: Arrays) -> dict[str, torch.Tensor]:
    """One image's ``boxes, labels, scores``; model labels (0 is the background) become dataset labels, as the
    task module's do."""
    boxes, labels, scores = outputs[:3]
    return {
        "boxes": torch.from_numpy(np.asarray(boxes, dtype=np.float32)).reshape(-1, 4),
        "labels": torch.from_numpy(np.asarray(labels, dtype=np.int64)) - 1,
        "scores": torch.from_numpy(np.asarray(scores, dtype=np.float32)),
    }


def objects(outputs: Arrays) -> dict[str, torch.Tensor]:
    """One image's detections and each object's ``(1, h, w)`` mask probabilities."""
    return {**detections(outputs), "masks": torch.from_numpy(np.asarray(outputs[3], dtype=np.float32))}


def _fixed_batch(shape: list[Any], kit: TaskKit) -> int | None:
    if kit.spec.image_list:
        return 1
    first = shape[0] if shape else None
    return first if isinstance(first, int) else None


class OnnxRuntime(Runtime):
    def __init__(self, path: Path, kit: TaskKit, threads: int):
        import onnxruntime as ort

        ort.set_default_logger_severity(3)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Threads that spin after a call take the CPU from whatever runs next (PyTorch in the benchmark,
        # another model in the predictor).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        super().__init__(kit, _fixed_batch(self.session.get_inputs()[0].shape, kit))

    def run(self, inputs: Arrays) -> Arrays:
        return self.session.run(None, dict(zip(self.names, inputs, strict=True)))


class OpenVinoRuntime(Runtime):
    def __init__(self, path: Path, kit: TaskKit, threads: int):
        import openvino as ov

        config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"}
        self.compiled = ov.Core().compile_model(str(path), "CPU", config)
        shape = self.compiled.inputs[0].get_partial_shape()
        first = shape[0].get_length() if shape.rank.is_static and shape[0].is_static else None
        super().__init__(kit, 1 if kit.spec.image_list else first)

    def run(self, inputs: Arrays) -> Arrays:
        """OpenVINO reads an array's buffer as if it were C-contiguous: a transposed image (what ``ToImage``
        makes of a PIL image) gave it another image, and a masks graph read past the buffer and crashed."""
        return list(self.compiled([np.ascontiguousarray(a) for a in inputs]).values())


class TorchScriptRuntime(Runtime):
    """A scripted image-list model (a torchvision detector) takes a list of images and answers
    ``(losses, detections)``; other models answer their outputs."""

    def __init__(self, path: Path, kit: TaskKit, threads: int):
        self.module = torch.jit.load(str(path), map_location="cpu").eval()
        super().__init__(kit, None)

    def run(self, inputs: Arrays) -> Arrays:
        with torch.inference_mode():
            return [self.module(*(torch.from_numpy(a) for a in inputs)).numpy()]

    def infer_batch(self, inputs: Any) -> Any:
        if not self.kit.spec.image_list:
            return super().infer_batch(inputs)
        with torch.inference_mode():
            found = self.module([image.cpu() for image in inputs])[1]
        return [{**d, "labels": d["labels"] - 1} for d in found]


RUNTIMES: dict[str, type[Runtime]] = {
    "onnx": OnnxRuntime,
    "onnx_int8": OnnxRuntime,
    "openvino": OpenVinoRuntime,
    "torchscript": TorchScriptRuntime,
}


def load_runtime(format: str, path: Path, task: str, threads: int | None = None) -> Runtime:
    """The export at ``path`` (its main file) ready to run on the CPU with ``threads`` threads."""
    return RUNTIMES[format](path, kit(task), threads or torch.get_num_threads())
