"""What every layer above the engine needs: settings, the database and the plugin catalog (torch-free)."""

from __future__ import annotations

import threading
import time
from functools import cached_property

from visionyard.config import Settings
from visionyard.db.session import Database
from visionyard.plugins.catalog import PluginCatalog, catalog_for

CATALOG_TTL = 10.0
"""Seconds a catalog is reused before the plugin sources are checked for changes again."""


class Context:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._catalog: PluginCatalog | None = None
        self._catalog_at = 0.0
        self._lock = threading.Lock()

    @cached_property
    def db(self) -> Database:
        self.settings.root.mkdir(parents=True, exist_ok=True)
        return Database(self.settings.database, self.settings.runs_dir)

    def catalog(self, refresh: bool = False) -> PluginCatalog:
        """The catalog, read in a subprocess and cached (never imports plugin code here)."""
        with self._lock:
            stale = time.monotonic() - self._catalog_at > CATALOG_TTL
            if self._catalog is None or stale or refresh:
                self._catalog = catalog_for(self.settings, refresh)
                self._catalog_at = time.monotonic()
            return self._catalog
