"""Nested configs as dotted keys: ``{"optimizer": {"lr": 0.1}}`` is ``{"optimizer.lr": 0.1}``."""

from __future__ import annotations

from typing import Any


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every leaf under its dotted key (lists and empty mappings are leaves)."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict) and value:
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat
