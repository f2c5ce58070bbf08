"""A trial's side of its sweep, in the worker: each epoch's objective goes to the study, and the study's pruner
may end the trial at that epoch's end (the engine then stops with a checkpoint, as for a stop)."""

from __future__ import annotations

import logging
import math
from typing import Any

import optuna
from optuna.trial import TrialState

from visionyard.engine.reporting import Control, ControlRequest, Reporter
from visionyard.tuning import study as studies

log = logging.getLogger("visionyard.tuning")


class TrialReports:
    """Reports the objective of each validated epoch to trial ``number`` of the study; ``prune`` says whether
    its pruner ends the trial there. A report that fails (the database away) is logged and training goes on."""

    def __init__(self, url: str, study_name: str, number: int, metric: str, pruner: dict[str, Any], epochs: int):
        storage = studies.storage(url)
        trial_id = storage.get_trial_id_from_study_id_trial_number(storage.get_study_id_from_name(study_name), number)
        self.active = storage.get_trial(trial_id).state == TrialState.RUNNING
        """False for a trial the study has closed (a pruned run resumed by hand trains as a plain run)."""
        self.trial = optuna.trial.Trial(studies.load(url, study_name, studies.pruner(pruner, epochs)), trial_id)
        self.metric, self.number = metric, number
        self.prune = False

    def epoch_end(self, row: dict[str, Any]) -> None:
        value = row.get(self.metric)
        if not self.active or value is None:
            return
        try:
            self.trial.report(float(value), step=int(row["epoch"]))
            self.prune = self.trial.should_prune()
        except Exception as exc:  # the study is advice: losing one report must not end the training
            log.warning("trial %d: epoch %s not reported to its study: %s", self.number, row["epoch"], exc)
            return
        if self.prune:
            shown = f"{value:.4g}" if math.isfinite(value) else str(value)
            log.info("trial %d pruned after epoch %s (%s=%s)", self.number, row["epoch"], self.metric, shown)


class TrialReporter:
    """The run's reporter, with each epoch also reported to the trial."""

    def __init__(self, inner: Reporter, reports: TrialReports):
        self.inner, self.reports = inner, reports

    def epoch_end(self, row: dict[str, Any]) -> None:
        self.inner.epoch_end(row)
        self.reports.epoch_end(row)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class TrialControl:
    """The run's control, answering ``prune`` at the end of an epoch the pruner ended the trial at."""

    def __init__(self, inner: Control, reports: TrialReports):
        self.inner, self.reports = inner, reports

    def requested(self, epoch: int, step: int, epoch_end: bool) -> ControlRequest | None:
        if epoch_end and self.reports.prune:
            return "prune"
        return self.inner.requested(epoch, step, epoch_end)
