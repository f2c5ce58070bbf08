"""Service settings (environment variables with the VISIONYARD_ prefix)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where visionyard keeps its files. ``VISIONYARD_HOME`` defaults to ``~/.visionyard``."""

    model_config = SettingsConfigDict(env_prefix="VISIONYARD_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".visionyard")
    models_dir: Path | None = Field(None, description="folder plugins: <models_dir>/<name>/model.py")
    data_dir: Path | None = Field(None, description="datasets; default HOME/data")
    plugin_import_timeout: float = Field(60.0, gt=0, description="seconds one plugin may take to import")

    @cached_property
    def root(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def data_root(self) -> Path:
        return (self.data_dir or self.root / "data").expanduser().resolve()

    @property
    def models_root(self) -> Path:
        return (self.models_dir or self.root / "models").expanduser().resolve()

    @property
    def weights_dir(self) -> Path:
        return self.root / "weights"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"
