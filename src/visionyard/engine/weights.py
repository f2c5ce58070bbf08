"""Loading weights: pretrained files (local, or fetched from their publisher), other runs' checkpoints.

Every file is read with ``torch.load(weights_only=True)`` (or safetensors): nothing is unpickled, but for one
case: pretrained weights that are a pickle of whole Python objects (Ultralytics' ``.pt`` checkpoints hold the
model object itself) when the run sets ``trust_checkpoint``, which says the file's code may run.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from visionyard.common.errors import Invalid
from visionyard.engine.downloads import download
from visionyard.plugins.schema import WeightSource

log = logging.getLogger("visionyard.engine")


class PretrainedWeightsMissing(FileNotFoundError):
    pass


class WeightsUnreadable(Invalid):
    code = "unreadable_weights"


def load_weights_file(path: Path, trust: bool = False) -> Any:
    """``torch.load(weights_only=True)`` on the CPU, with one sentence for a file it refuses or cannot read.

    ``trust`` (the run's ``trust_checkpoint``): a file that holds pickled Python objects is unpickled, which
    runs the code it names; the only place visionyard ever does that."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        if trust:
            return _unpickle(path)
        raise WeightsUnreadable(
            f"{path} is not a plain weights file: it holds pickled Python objects (a whole model, as Ultralytics' "
            ".pt checkpoints do), or is not a torch file at all, and visionyard loads tensors only, since "
            "unpickling runs whatever code the file names. Save the tensors alone "
            "(torch.save(model.state_dict(), path)) or a .safetensors file; or, for pretrained weights from a "
            "publisher you trust, set trust_checkpoint=true, which loads the file with the code in it"
        ) from None
    except (OSError, RuntimeError, EOFError, ValueError, LookupError) as exc:
        raise WeightsUnreadable(f"{path} is not a PyTorch weights file ({_reason(exc)})") from None


def _unpickle(path: Path) -> Any:
    log.warning("trust_checkpoint: unpickling %s, which runs the code it names", path)
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # unpickling runs the file's code: any error may come out of it
        raise WeightsUnreadable(f"{path} could not be unpickled ({type(exc).__name__}: {_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@dataclass(frozen=True)
class Downloads:
    """Whether and from where published weights may be fetched (``VISIONYARD_ALLOW_DOWNLOADS``,
    ``VISIONYARD_WEIGHTS_MIRROR``)."""

    allowed: bool = True
    mirror: str | None = None


def find_pretrained(
    name: str,
    explicit: str | None,
    weights_dir: Path,
    candidates: list[Path],
    sources: Sequence[WeightSource] = (),
    downloads: Downloads = Downloads(allowed=False),
    trust: bool = False,
) -> Path:
    """The weights file for ``name``: the one named, a local one, or the publisher's fetched into
    ``weights_dir``; else a clear error that lists where it looked. ``trust`` (``trust_checkpoint``): a
    publisher's file that comes with no hash may be fetched."""
    if explicit:
        path = Path(explicit).expanduser()
        if path.is_file():
            return path
        raise PretrainedWeightsMissing(f"pretrained_weights file {path} does not exist")
    looked = [weights_dir / f"{name}{suffix}" for suffix in (".pth", ".pt", ".safetensors")] + candidates
    looked += [weights_dir / source.filename for source in sources]
    for path in looked:
        if path.is_file():
            return path
    if sources and downloads.allowed:
        return download(sources[0], weights_dir, downloads.mirror, trust)
    places = ", ".join(str(p) for p in looked)
    why = "downloads are off (VISIONYARD_ALLOW_DOWNLOADS)" if sources else "its plugin names no published weights"
    raise PretrainedWeightsMissing(
        f"pretrained=true but no local weights for {name!r}, and {why}. "
        f"Put a weights file at one of: {places}, or set pretrained_weights to its path"
    )


def read_state_dict(path: Path, trust: bool = False) -> dict[str, torch.Tensor]:
    """A model state dict from a plain weights file, a visionyard checkpoint or a Lightning .ckpt; with
    ``trust``, also from a pickled model (see :func:`load_weights_file`)."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    return state_dict_of(load_weights_file(path, trust), path)


def state_dict_of(loaded: Any, path: Path) -> dict[str, torch.Tensor]:
    """The model tensors inside a loaded file (see :func:`read_state_dict`): a pickled model's are its
    weights, those of its EMA where it keeps one (``{"ema": <model>, "model": <model>, ...}``, as Ultralytics')."""
    module = _pickled_model(loaded)
    if module is not None:
        return module.state_dict()
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        state = loaded["state_dict"]
        if any(k.startswith("model.") for k in state):
            return {k.removeprefix("model."): v for k, v in state.items() if k.startswith("model.")}
        return state
    if isinstance(loaded, dict) and all(isinstance(v, torch.Tensor) for v in loaded.values()):
        return loaded
    raise WeightsUnreadable(f"{path} holds no model state dict (a dict of tensors, or a checkpoint with one)")


def _pickled_model(loaded: Any) -> nn.Module | None:
    if isinstance(loaded, nn.Module):
        return loaded
    if isinstance(loaded, dict):
        return next((found for key in ("ema", "model") if isinstance(found := loaded.get(key), nn.Module)), None)
    return None


def load_matching(model: nn.Module, state: dict[str, torch.Tensor]) -> list[str]:
    """Load every tensor whose name and shape match; return the model keys left as initialised.

    This is how a head is resized: a 1000-class head in the file does not fit a 10-class model,
    so those keys keep their fresh initialisation.
    """
    own = model.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not usable:
        raise ValueError("no tensor of the weights file fits this model: is it the same architecture?")
    model.load_state_dict(usable, strict=False)
    return sorted(set(own) - set(usable))
