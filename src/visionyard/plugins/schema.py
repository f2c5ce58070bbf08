"""What a plugin declares about itself: metadata, config fields and presets (spec/003).

Torch-free: the API and the registry cache read these without importing plugin code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from visionyard.common.tasks import TASKS


def _known_task(name: str) -> str:
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; tasks: {', '.join(TASKS)}")
    return name


TaskType = Annotated[str, AfterValidator(_known_task)]
"""The name of a task this process knows (``visionyard.common.tasks``)."""
FieldType = Literal["int", "float", "str", "bool", "select", "multiselect"]
_IDENTIFIER = r"^[a-z][a-z0-9_]{0,63}$"


class ModelMetadata(BaseModel):
    """How a model is listed in the catalog."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_IDENTIFIER)
    version: str = "0.1.0"
    author: str = ""
    framework: str = Field("pytorch", description="pytorch, torchvision, timm, custom, ...")
    task_type: TaskType
    description: str = ""
    tags: tuple[str, ...] = ()
    min_gpu_memory_gb: float | None = Field(None, ge=0)
    recommended_batch_size: int | None = Field(None, ge=1)
    supported_image_sizes: tuple[int, ...] = ()
    input_images: int = Field(1, ge=1, le=2, description="2 for change detection (before, after)")


class ConfigField(BaseModel):
    """One model-specific setting; the UI renders a form from these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_IDENTIFIER)
    type: FieldType
    default: Any = None
    description: str = ""
    required: bool = False
    options: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = Field(None, gt=0)
    group: str | None = None
    advanced: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type in ("select", "multiselect") and not self.options:
            raise ValueError(f"field {self.name!r}: type {self.type} needs options")
        if self.type not in ("select", "multiselect") and self.options is not None:
            raise ValueError(f"field {self.name!r}: options only apply to select and multiselect")
        if self.type not in ("int", "float") and (self.min is not None or self.max is not None):
            raise ValueError(f"field {self.name!r}: min/max only apply to int and float")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"field {self.name!r}: min is greater than max")
        if self.default is None and not self.required:
            raise ValueError(f"field {self.name!r}: give a default or mark it required")
        if self.default is not None:
            try:
                _field_adapter(self).model_validate({"v": self.default})
            except ValidationError as exc:
                raise ValueError(f"field {self.name!r}: default {self.default!r} is invalid: {exc}") from exc
        return self

    def annotation(self) -> Any:
        """The pydantic type that checks a value of this field."""
        bounds = {"ge": self.min, "le": self.max}
        bounds = {k: v for k, v in bounds.items() if v is not None}
        match self.type:
            case "int":
                return Annotated[int, Field(strict=False, **bounds)]
            case "float":
                return Annotated[float, Field(**bounds)]
            case "str":
                return str
            case "bool":
                return bool
            case "select":
                return Literal[tuple(self.options or ())]
            case "multiselect":
                return list[Literal[tuple(self.options or ())]]


def _field_adapter(field: ConfigField) -> type[BaseModel]:
    return create_model("FieldCheck", __config__=ConfigDict(extra="forbid"), v=(field.annotation(), ...))


class ConfigSchema(BaseModel):
    """A model's fields and its named presets.

    A preset is a partial run config: platform keys (``epochs``, ``optimizer.type``...) and model
    fields under ``model``; nested dicts or dotted keys. User values are merged over it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: tuple[ConfigField, ...] = ()
    presets: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        names = [f.name for f in self.fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate field names: {', '.join(duplicates)}")
        return self

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields if f.default is not None}

    def pydantic_model(self) -> type[BaseModel]:
        """A pydantic model that validates the ``model`` section of a run config."""
        definitions: dict[str, Any] = {}
        for f in self.fields:
            default = ... if f.required and f.default is None else f.default
            definitions[f.name] = (f.annotation(), Field(default, description=f.description))
        return create_model("ModelSection", __config__=ConfigDict(extra="forbid", frozen=True), **definitions)


def number(
    name: str,
    default: float,
    low: float,
    high: float,
    description: str,
    *,
    step: float | None = None,
    group: str = "model",
    advanced: bool = False,
) -> ConfigField:
    """A bounded setting (of the model, or another ``group`` of the form): an ``int`` when the default is
    one, else a ``float``."""
    kind = "int" if isinstance(default, int) else "float"
    return ConfigField(
        name=name,
        type=kind,
        default=default,
        min=low,
        max=high,
        step=step,
        group=group,
        description=description,
        advanced=advanced,
    )


def switch(name: str, default: bool, description: str, *, advanced: bool = False) -> ConfigField:
    """An on/off model setting."""
    return ConfigField(
        name=name, type="bool", default=default, group="model", description=description, advanced=advanced
    )


HASH_IN_NAME = re.compile(r"-([a-f0-9]{8,64})\.")
"""torch hub's convention: the first hex digits of a file's SHA-256 in its name (``resnet18-f37072fd.pth``)."""


@dataclass(frozen=True)
class WeightSource:
    """Where an architecture's published weights are: a URL and the hash they must have (a prefix will do), or
    ``hub_hash`` where the Hugging Face Hub gives the hash with the file; with neither, the file is fetched only
    when the run trusts it (``trust_checkpoint``)."""

    url: str
    sha256: str | None = None
    hub_hash: bool = False
    """The file is on the Hugging Face Hub (or a mirror of it), which publishes its SHA-256: learned when fetched."""
    name: str | None = None
    """Its name in the weights folder; the URL's last part when not given."""

    @classmethod
    def hashed_name(cls, url: str) -> WeightSource:
        """A source whose file name carries its hash's prefix (torch hub's convention)."""
        found = HASH_IN_NAME.search(PurePosixPath(urlsplit(url).path).name)
        return cls(url, found.group(1) if found else None)

    @property
    def filename(self) -> str:
        return self.name or PurePosixPath(urlsplit(self.url).path).name
