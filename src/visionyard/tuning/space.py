"""A sweep's search space, read against the run config's own schema: each field's type, bounds and options.

The user names fields by their dotted path (``lr``, ``optimizer.type``, ``model.dropout``) and gives a range
(``low``, ``high``, ``log``, ``step``), ``choices``, or nothing: the field's own bounds or options. What cannot
be searched is refused with the field's path and the reason, before a trial is queued.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from visionyard.common.errors import Invalid
from visionyard.plugins.schema import ConfigSchema
from visionyard.plugins.validation import (
    ConfigError,
    ConfigProblem,
    deep_merge,
    expand_dotted,
    resolve_config,
    run_config_model,
)

Scalar = None | bool | int | float | str
SPEC_KEYS = {"low", "high", "log", "step", "choices"}
MAX_CHOICES = 1000
MAX_FIELDS = 50


class SpaceError(Invalid):
    """A search space that cannot be searched, with every problem found (paths under ``space.``)."""

    code = "invalid_space"

    def __init__(self, problems: Sequence[ConfigProblem]):
        self.problems = list(problems)
        super().__init__("invalid search space: " + "; ".join(str(p) for p in self.problems))

    def fields(self) -> list[dict[str, str]]:
        return [{"path": f"space.{p.path}" if p.path else "space", "reason": p.reason} for p in self.problems]


@dataclass(frozen=True)
class _Field:
    """What the schema says about one field."""

    kind: Literal["int", "float", "choices", "other"]
    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False
    options: tuple[Scalar, ...] = ()
    step: float | None = None
    """A plugin field's own step (its form's), used when the spec is empty."""
    shown: str = ""
    """Its type as a user reads it, for the reasons."""


def check_space(
    schema: ConfigSchema,
    space: Mapping[str, Any],
    base: Mapping[str, Any],
    task: str,
    image_sizes: Sequence[int] = (),
) -> dict[str, dict[str, Any]]:
    """The space as checked and filled in: path -> ``{"type": "float"|"int", "low", "high", "log", "step"}``
    or ``{"type": "categorical", "choices"}``. Raises :class:`SpaceError`."""
    if not space:
        raise SpaceError([ConfigProblem("", "give at least one field to search")])
    if len(space) > MAX_FIELDS:
        raise SpaceError([ConfigProblem("", f"at most {MAX_FIELDS} fields")])
    model = run_config_model(schema)
    problems: list[ConfigProblem] = []
    checked: dict[str, dict[str, Any]] = {}
    steps = {f"model.{f.name}": f.step for f in schema.fields if f.step}
    for path, spec in space.items():
        try:
            checked[path] = _checked(path, spec, replace(_describe(model, path), step=steps.get(path)))
        except ValueError as exc:
            problems.append(ConfigProblem(path, str(exc)))
    if problems:
        raise SpaceError(problems)
    for path, values in _extremes(checked).items():
        for value in values:
            try:
                resolve_config(schema, trial_config(base, {path: value}), None, task, image_sizes)
            except ConfigError as exc:
                reasons = "; ".join(str(p) for p in exc.problems)
                problems.append(ConfigProblem(path, f"the value {value!r} makes the run config invalid: {reasons}"))
                break
    if problems:
        raise SpaceError(problems)
    return checked


def grid(space: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Scalar]]:
    """Every field's values for a grid search: choices, or an int range (by its step), or a float range with a
    step. Raises :class:`SpaceError` for a field that has no finite list of values."""
    values: dict[str, list[Scalar]] = {}
    problems = []
    for path, spec in space.items():
        if spec["type"] == "categorical":
            values[path] = list(spec["choices"])
        elif spec["type"] == "int" and not spec["log"]:
            values[path] = list(range(spec["low"], spec["high"] + 1, spec["step"] or 1))
        elif spec["type"] == "float" and spec["step"]:
            count = math.floor((spec["high"] - spec["low"]) / spec["step"] + 1e-9) + 1
            values[path] = [round(spec["low"] + i * spec["step"], 12) for i in range(count)]
        else:
            problems.append(ConfigProblem(path, "a grid needs choices, an int range or a float range with a step"))
            continue
        if len(values[path]) > MAX_CHOICES:
            problems.append(ConfigProblem(path, f"more than {MAX_CHOICES} values for a grid"))
    if problems:
        raise SpaceError(problems)
    return values


def grid_size(space: Mapping[str, Mapping[str, Any]]) -> int:
    return math.prod(len(v) for v in grid(space).values())


def trial_config(base: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """A trial's run config: the sweep's base config with the trial's values over it."""
    return deep_merge(expand_dotted(dict(base), []), expand_dotted(dict(params), []))


def _describe(model: type[BaseModel], path: str) -> _Field:
    section: type[BaseModel] = model
    parts = path.split(".") if isinstance(path, str) and path else [""]
    for depth, part in enumerate(parts):
        info = section.model_fields.get(part)
        if info is None:
            where = ".".join(parts[:depth]) or "the run config"
            raise ValueError(f"unknown field: {where} has no field {part!r}")
        annotation = info.annotation
        if depth < len(parts) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                raise ValueError(f"unknown field: {'.'.join(parts[: depth + 1])} is not a section")
            section = annotation
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            raise ValueError("is a section, not a field: name one of its fields")
        return _field(annotation, info)
    raise AssertionError("unreachable")


def _field(annotation: Any, info: FieldInfo) -> _Field:
    if annotation is bool:
        return _Field("choices", options=(False, True), shown="bool")
    if get_origin(annotation) is Literal:
        return _Field("choices", options=get_args(annotation), shown="choice")
    if annotation in (int, float):
        kind: Literal["int", "float"] = "int" if annotation is int else "float"
        low = high = None
        low_open = high_open = False
        for bound in info.metadata:
            if isinstance(bound, annotated_types.Ge):
                low = float(bound.ge)
            elif isinstance(bound, annotated_types.Gt):
                low, low_open = float(bound.gt), True
            elif isinstance(bound, annotated_types.Le):
                high = float(bound.le)
            elif isinstance(bound, annotated_types.Lt):
                high, high_open = float(bound.lt), True
        return _Field(kind, low, low_open, high, high_open, shown=kind)
    shown = getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
    return _Field("other", shown=shown)


def _checked(path: str, spec: Any, field: _Field) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise ValueError("give a range ({low, high, log, step}), {choices: [...]}, or {} for the field's own")
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}; use low, high, log, step or choices")
    if "choices" in spec:
        if set(spec) != {"choices"}:
            raise ValueError("give choices or a range, not both")
        return {"type": "categorical", "choices": _choices(spec["choices"], field)}
    if field.kind == "choices" and not spec:
        return {"type": "categorical", "choices": list(field.options)}
    if field.kind in ("choices", "other"):
        if field.kind == "other" and not spec:
            raise ValueError(f"cannot be searched: a {field.shown} field has no options of its own; give choices")
        raise ValueError(f"a {field.shown} field takes choices, not a range")
    return _range(spec, field)


def _choices(choices: Any, field: _Field) -> list[Scalar]:
    if not isinstance(choices, list) or not choices:
        raise ValueError("choices must be a non-empty list")
    if len(choices) > MAX_CHOICES:
        raise ValueError(f"at most {MAX_CHOICES} choices")
    for choice in choices:
        if not isinstance(choice, None | bool | int | float | str):
            raise ValueError(f"choice {choice!r}: choices must be numbers, strings, booleans or null")
        if field.options and choice not in field.options:
            listed = ", ".join(repr(o) for o in field.options)
            raise ValueError(f"choice {choice!r} is not one of the field's options ({listed})")
    if len({repr(c) for c in choices}) != len(choices):
        raise ValueError("choices must be distinct")
    return list(choices)


def _range(spec: Mapping[str, Any], field: _Field) -> dict[str, Any]:
    integer = field.kind == "int"
    low = spec["low"] if "low" in spec else _own(field.low, field.low_open, "minimum", "low")
    high = spec["high"] if "high" in spec else _own(field.high, field.high_open, "maximum", "high")
    log, step = spec.get("log", False), spec.get("step", None if spec else field.step)
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{name} must be a number")
        if integer and value != int(value):
            raise ValueError(f"{name} must be a whole number: the field is an int")
    if not low < high:
        raise ValueError(f"low ({low}) must be below high ({high})")
    if field.low is not None and (low < field.low or (field.low_open and low == field.low)):
        raise ValueError(
            f"low {low} is outside the field's bounds: it must be {'>' if field.low_open else '>='} {field.low:g}"
        )
    if field.high is not None and (high > field.high or (field.high_open and high == field.high)):
        raise ValueError(
            f"high {high} is outside the field's bounds: it must be {'<' if field.high_open else '<='} {field.high:g}"
        )
    if not isinstance(log, bool):
        raise ValueError("log must be true or false")
    if log and low <= 0:
        raise ValueError("a log range needs low > 0")
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0:
            raise ValueError("step must be a positive number")
        if integer and step != int(step):
            raise ValueError("step must be a whole number: the field is an int")
        if log:
            raise ValueError("a log range takes no step")
    cast = int if integer else float
    return {
        "type": field.kind,
        "low": cast(low),
        "high": cast(high),
        "log": log,
        "step": cast(step) if step is not None else None,
    }


def _own(bound: float | None, open_: bool, what: str, key: str) -> float:
    if bound is None:
        raise ValueError(f"the field has no {what} of its own: give {key}")
    if open_:
        raise ValueError(f"the field's {what} ({'>' if key == 'low' else '<'} {bound:g}) is exclusive: give {key}")
    return bound


def _extremes(space: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Scalar]]:
    """The values to try each field at, the others at the base config: its ends, or each choice."""
    return {
        path: list(spec["choices"]) if spec["type"] == "categorical" else [spec["low"], spec["high"]]
        for path, spec in space.items()
    }
