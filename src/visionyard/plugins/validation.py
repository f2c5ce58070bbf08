"""Resolve a user's run config: platform defaults < preset < user values, checked in one pass.

Every problem comes back with its dotted field path and a reason, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError, create_model

from visionyard.common.errors import Invalid
from visionyard.common.tasks import TASKS, TaskSpec, task_spec
from visionyard.common.training_config import PreprocessingConfig, TrainingConfig
from visionyard.plugins.schema import ConfigSchema


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class ConfigError(Invalid):
    """A config that cannot be used, with every problem found."""

    code = "invalid_config"

    def __init__(self, problems: Iterable[ConfigProblem]):
        self.problems = list(problems)
        super().__init__("invalid config: " + "; ".join(str(p) for p in self.problems))

    def fields(self) -> list[dict[str, str]]:
        return [{"path": f"config.{p.path}", "reason": p.reason} for p in self.problems]


def run_config_model(schema: ConfigSchema) -> type[TrainingConfig]:
    """The platform's training config with the plugin's fields as its ``model`` section."""
    section = schema.pydantic_model()
    has_required = any(f.required and f.default is None for f in schema.fields)
    default: Any = ... if has_required else Field(default_factory=section)
    return create_model("RunConfig", __base__=TrainingConfig, model=(section, default))


def resolve_config(
    schema: ConfigSchema,
    user: Mapping[str, Any] | None = None,
    preset: str | None = None,
    task: str = "classification",
    image_sizes: Sequence[int] = (),
) -> dict[str, Any]:
    """Return the full, validated run config as plain JSON-able data, or raise ConfigError.

    ``image_sizes`` are the sizes the model supports: where the platform's default is not one of them
    and neither the preset nor the user sets a size, the supported size nearest to it is used."""
    problems: list[ConfigProblem] = []
    base: dict[str, Any] = {"preprocessing": {"image_size": fitting_size(image_sizes)}} if image_sizes else {}
    if preset is not None:
        if preset not in schema.presets:
            choices = ", ".join(sorted(schema.presets)) or "none"
            raise ConfigError([ConfigProblem("preset", f"unknown preset {preset!r}; choose from {choices}")])
        base = deep_merge(base, expand_dotted(schema.presets[preset], problems, prefix=f"preset {preset}: "))
    merged = deep_merge(base, expand_dotted(user or {}, problems))
    if problems:
        raise ConfigError(problems)
    try:
        resolved: BaseModel = run_config_model(schema).model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(problems_from_pydantic(exc)) from None
    config = resolved.model_dump(mode="json")
    problems = _task_problems(config, task)
    if problems:
        raise ConfigError(problems)
    return config


def fitting_size(image_sizes: Sequence[int]) -> int:
    """The platform's default image size if the model supports it, else the supported size nearest to it."""
    default = PreprocessingConfig().image_size
    return default if default in image_sizes else min(image_sizes, key=lambda size: (abs(size - default), -size))


def config_warnings(config: Mapping[str, Any], image_sizes: Sequence[int], model: str) -> list[ConfigProblem]:
    """Settings that are valid but that the model was not made for (they run, at the user's risk)."""
    size = config["preprocessing"]["image_size"]
    if not image_sizes or size in image_sizes:
        return []
    listed = ", ".join(str(s) for s in image_sizes)
    return [ConfigProblem("preprocessing.image_size", f"{model} supports {listed} px; {size} is untested")]


def _task_problems(config: dict[str, Any], task: str) -> list[ConfigProblem]:
    """Settings that only make sense for some tasks: mixing two images' labels and smoothing them
    (tasks of one label per image), weighing a loss per class (tasks whose loss takes class weights)."""
    spec, problems = task_spec(task), []
    if spec.target != "label":
        problems += [
            ConfigProblem(
                f"augmentation.{key}",
                f"mixes class labels, so it applies to {_tasks_where(lambda s: s.target == 'label')} only, not {task}",
            )
            for key in ("mixup_alpha", "cutmix_alpha")
            if config["augmentation"][key] > 0
        ]
    if not spec.smooths_labels and config["label_smoothing"] > 0:
        problems.append(
            ConfigProblem("label_smoothing", f"applies to {_tasks_where(lambda s: s.smooths_labels)}, not {task}")
        )
    if not spec.weighs_classes and config["class_weights"] != "none":
        problems.append(
            ConfigProblem("class_weights", f"applies to {_tasks_where(lambda s: s.weighs_classes)}, not {task}")
        )
    return problems


def _tasks_where(keep: Callable[[TaskSpec], bool]) -> str:
    return " and ".join(spec.name for spec in TASKS.values() if keep(spec))


def problems_from_pydantic(exc: ValidationError) -> list[ConfigProblem]:
    problems = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"])
        reason = err["msg"]
        if err["type"] == "extra_forbidden":
            reason = "unknown key"
        elif err["type"] == "missing":
            reason = "required field is missing"
        elif "input" in err and err["type"] != "value_error":
            reason = f"{reason} (got {err['input']!r})"
        problems.append(ConfigProblem(path, reason.removeprefix("Value error, ")))
    return problems


def expand_dotted(values: Mapping[str, Any], problems: list[ConfigProblem], prefix: str = "") -> dict[str, Any]:
    """``{"optimizer.type": "sgd"}`` -> ``{"optimizer": {"type": "sgd"}}``; nested dicts pass through."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            problems.append(ConfigProblem(prefix + str(key), "keys must be non-empty strings"))
            continue
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(ConfigProblem(prefix + key, f"{part!r} is both a value and a section"))
                break
            node = child
        else:
            if isinstance(value, Mapping):
                value = expand_dotted(value, problems, prefix=f"{prefix}{key}.")
            existing = node.get(parts[-1])
            node[parts[-1]] = deep_merge(existing, value) if isinstance(existing, dict) else value
    return out


def deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, Mapping):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base.get(key), value)
        return merged
    return over
