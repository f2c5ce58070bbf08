"""What an exported model says about itself: the sidecar JSON, ONNX metadata and a deployment snippet.

The preprocessing written here is the validation transform's, in words a deployment can follow
without visionyard: RGB, resize to the model's square size, scale to [0, 1], normalise (except
the image-list models of detection, which normalise inside), NCHW float32 (CHW, one image a call, for those).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from visionyard import __version__
from visionyard.common.export_formats import SIDECAR
from visionyard.common.training_config import TrainingConfig
from visionyard.engine.tasks.kit import kit


def describe(
    *,
    format: str,
    files: list[str],
    task: str,
    model: str,
    run_id: str,
    checkpoint: str,
    epoch: int | None,
    classes: list[str],
    cfg: TrainingConfig,
    input_names: tuple[str, ...],
    per_image: bool,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The sidecar's content."""
    p, task_kit = cfg.preprocessing, kit(task)
    normalised = p.normalize and not task_kit.spec.image_list
    shape: list[Any] = [3, p.image_size, p.image_size] if per_image else ["batch", 3, p.image_size, p.image_size]
    return {
        "visionyard": __version__,
        "format": format,
        "files": files,
        "task": task,
        "model": model,
        "run_id": run_id,
        "checkpoint": checkpoint,
        "epoch": epoch,
        "class_names": classes,
        "inputs": [{"name": name, "shape": shape, "dtype": "float32"} for name in input_names],
        "batch": 1 if per_image else "dynamic" if options.get("dynamic_batch", True) else 1,
        "preprocessing": {
            "color": "RGB",
            "layout": "CHW" if per_image else "NCHW",
            "resize": {
                "width": p.image_size,
                "height": p.image_size,
                "interpolation": p.interpolation,
                "antialias": True,
                "keep_aspect_ratio": False,
            },
            "scale": 1 / 255,
            "normalize": {"mean": list(p.mean), "std": list(p.std)} if normalised else None,
        },
        "postprocessing": task_kit.postprocessing,
        "options": options,
    }


def onnx_properties(meta: dict[str, Any]) -> dict[str, str]:
    """ONNX ``metadata_props``: the whole sidecar, and the fields viewers such as Netron show."""
    pre = meta["preprocessing"]
    return {
        "visionyard": json.dumps(meta),
        "task": meta["task"],
        "class_names": json.dumps(meta["class_names"]),
        "input_size": str(pre["resize"]["width"]),
        "normalize": json.dumps(pre["normalize"]),
        "postprocessing": json.dumps(meta["postprocessing"]),
    }


def embed_in_onnx(path: Path, meta: dict[str, Any]) -> None:
    import onnx

    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in onnx_properties(meta).items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(path))


_PREPROCESS = '''import json

import numpy as np
from PIL import Image

meta = json.load(open("model.json"))
pre = meta["preprocessing"]
RESAMPLE = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "nearest": Image.NEAREST}


def preprocess(path):
    """One image as the model takes it: {layout} float32."""
    image = Image.open(path).convert("RGB")
    size = (pre["resize"]["width"], pre["resize"]["height"])
    x = np.asarray(image.resize(size, RESAMPLE[pre["resize"]["interpolation"]]), dtype=np.float32) * pre["scale"]
    if pre["normalize"]:
        x = (x - np.array(pre["normalize"]["mean"])) / np.array(pre["normalize"]["std"])
    return x.transpose(2, 0, 1).astype(np.float32){batch}, image.size
'''

_LOAD = {
    "onnx": """import onnxruntime as ort

session = ort.InferenceSession("{file}")
names = [i.name for i in session.get_inputs()]


def run(*x):
    return session.run(None, dict(zip(names, x)))
""",
    "torchscript": """import torch
import torchvision  # registers the detection ops (nms, roi_align) scripted detectors call

module = torch.jit.load("{file}").eval()


def run(*x):
    tensors = [torch.from_numpy(a) for a in x]
    with torch.inference_mode():
        if pre["layout"] == "CHW":  # a scripted detector takes a list and answers (losses, detections)
            found = module(tensors)[1][0]
            return [found[name].numpy() for name in meta["postprocessing"]["outputs"]]
        return [module(*tensors).numpy()]
""",
    "openvino": """import openvino as ov

compiled = ov.Core().compile_model("{file}", "CPU")


def run(*x):
    return list(compiled(list(x)).values())
""",
}


def snippet(meta: dict[str, Any]) -> str | None:
    """A runnable Python example (the export's files beside ``model.json``, the image beside them);
    None where the format has no Python runtime here."""
    family = "onnx" if meta["format"].startswith("onnx") else meta["format"]
    if family not in _LOAD:
        return None
    per_image = meta["preprocessing"]["layout"] == "CHW"
    preprocess = _PREPROCESS.replace("{layout}", meta["preprocessing"]["layout"])
    preprocess = preprocess.replace("{batch}", "" if per_image else "[None]")
    code = "\n".join([preprocess, _LOAD[family].replace("{file}", meta["files"][0]), kit(meta["task"]).snippet])
    files = ", ".join([*meta["files"], SIDECAR])
    return f"# Deploying this {meta['format']} export\n\nFiles: {files}.\n\n```python\n{code}```\n"
