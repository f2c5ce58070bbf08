"""What every use case needs: settings, the database and the plugin catalog (torch-free)."""

from __future__ import annotations

import threading
import time
from functools import cached_property

from visionyard.config import Settings
from visionyard.db.session import Database
from visionyard.plugins.registry import PluginRegistry
from visionyard.services.predictor import PredictorClient
from visionyard.services.runs import registry_for

CATALOG_TTL = 10.0
"""Seconds a catalog is reused before the plugin sources are checked for changes again."""


class Context:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._registry: PluginRegistry | None = None
        self._registry_at = 0.0
        self._lock = threading.Lock()

    @cached_property
    def db(self) -> Database:
        self.settings.root.mkdir(parents=True, exist_ok=True)
        return Database(self.settings.database)

    @cached_property
    def predictor(self) -> PredictorClient:
        """The predict endpoint's model process, started on first use."""
        return PredictorClient(self.settings)

    def registry(self, refresh: bool = False) -> PluginRegistry:
        """The catalog, read in a subprocess and cached (never imports plugin code here)."""
        with self._lock:
            stale = time.monotonic() - self._registry_at > CATALOG_TTL
            if self._registry is None or stale or refresh:
                self._registry = registry_for(self.settings, refresh)
                self._registry_at = time.monotonic()
            return self._registry
