"""The context of the API process: the core context and the predictor process it starts on first use."""

from __future__ import annotations

from functools import cached_property

from visionyard.core.context import Context
from visionyard.services.predictor_client import PredictorClient


class ServiceContext(Context):
    @cached_property
    def predictor(self) -> PredictorClient:
        """The predict endpoint's model process, started on first use."""
        return PredictorClient(self.settings)
