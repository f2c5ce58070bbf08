"""Optuna studies in the project's own database, and the samplers and pruners a sweep names.

Each sweep is one study, named by the sweep's id, in Optuna's RDB storage on the server's SQLAlchemy URL
(SQLite or PostgreSQL), so a sweep survives a restart and every server and worker sees the same trials.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.pruners import BasePruner
from optuna.samplers import BaseSampler
from pydantic import BaseModel, ConfigDict, Field

from visionyard.tuning.space import grid

optuna.logging.set_verbosity(optuna.logging.WARNING)  # the trials are shown by visionyard; Optuna's lines are noise

Sampler = Literal["tpe", "random", "grid"]
Direction = Literal["maximize", "minimize"]


class _Pruner(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoPruner(_Pruner):
    type: Literal["none"] = "none"


class MedianPruner(_Pruner):
    """Prunes a trial whose objective at an epoch is worse than the median of the trials before it there."""

    type: Literal["median"] = "median"
    n_startup_trials: int = Field(5, ge=0, le=10_000, description="trials that finish before any is pruned")
    n_warmup_steps: int = Field(0, ge=0, le=10_000, description="epochs of a trial before it may be pruned")
    interval_steps: int = Field(1, ge=1, le=10_000)


class SuccessiveHalvingPruner(_Pruner):
    """Asynchronous successive halving (ASHA)."""

    type: Literal["successive_halving"] = "successive_halving"
    min_resource: int | Literal["auto"] = Field("auto", description="epochs every trial gets")
    reduction_factor: int = Field(4, ge=2, le=100)
    min_early_stopping_rate: int = Field(0, ge=0, le=100)


class HyperbandPruner(_Pruner):
    type: Literal["hyperband"] = "hyperband"
    min_resource: int = Field(1, ge=1, le=10_000, description="epochs every trial gets")
    reduction_factor: int = Field(3, ge=2, le=100)


PrunerSpec = Annotated[NoPruner | MedianPruner | SuccessiveHalvingPruner | HyperbandPruner, Field(discriminator="type")]


def pruner(spec: Mapping[str, Any], epochs: int) -> BasePruner:
    """The Optuna pruner of a sweep's stored spec; ``epochs``: a trial's most (Hyperband's max resource)."""
    options = {k: v for k, v in spec.items() if k != "type"}
    match spec["type"]:
        case "median":
            return optuna.pruners.MedianPruner(**options)
        case "successive_halving":
            return optuna.pruners.SuccessiveHalvingPruner(**options)
        case "hyperband":
            return optuna.pruners.HyperbandPruner(max_resource=max(epochs, options["min_resource"]), **options)
    return optuna.pruners.NopPruner()


def sampler(name: str, space: Mapping[str, Mapping[str, Any]], seed: int, asked: int) -> BaseSampler:
    """A fresh sampler for the next ask, seeded from the sweep's seed and how many trials were asked before,
    so a restarted server does not draw the trials it drew before again. The grid's order is shuffled by the
    sweep's seed alone and trial N takes its N-th point, so every server enumerates the same grid."""
    if name == "grid":
        return optuna.samplers.GridSampler(dict(grid(space)), seed=seed % 2**32)
    seeded = (seed * 1_000_003 + asked) % 2**32
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seeded)
    return optuna.samplers.TPESampler(seed=seeded)


def distributions(space: Mapping[str, Mapping[str, Any]]) -> dict[str, BaseDistribution]:
    out: dict[str, BaseDistribution] = {}
    for path, spec in space.items():
        if spec["type"] == "categorical":
            out[path] = CategoricalDistribution(spec["choices"])
        elif spec["type"] == "int":
            out[path] = IntDistribution(spec["low"], spec["high"], log=spec["log"], step=spec["step"] or 1)
        else:
            out[path] = FloatDistribution(spec["low"], spec["high"], log=spec["log"], step=spec["step"])
    return out


@functools.cache
def storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's storage on the database at ``url`` (one per process: it holds an engine)."""
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs = {"connect_args": {"timeout": 30}}  # a worker's writes may hold the lock for a moment
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def create(url: str, name: str, direction: Direction) -> optuna.Study:
    return optuna.create_study(storage=storage(url), study_name=name, direction=direction)


def load(url: str, name: str, pruner: BasePruner | None = None) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=storage(url), pruner=pruner)


def fail(url: str, study: optuna.Study, number: int, error: str) -> None:
    """Close a trial as failed, with why (its ``error`` user attribute); one already closed stays as it is."""
    store = storage(url)
    trial_id = store.get_trial_id_from_study_id_trial_number(store.get_study_id_from_name(study.study_name), number)
    if store.get_trial(trial_id).state.is_finished():
        return
    store.set_trial_user_attr(trial_id, "error", error[:2000])
    study.tell(number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)


def delete(url: str, name: str) -> None:
    try:
        optuna.delete_study(study_name=name, storage=storage(url))
    except KeyError:
        logging.getLogger("visionyard.tuning").info("study %s was already gone", name)
