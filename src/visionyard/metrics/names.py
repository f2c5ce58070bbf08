"""Metric names that carry a class name (``val_ap_<class>``), safe for any class name."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^0-9A-Za-z_]+")


def per_class(prefix: str, class_name: str) -> str:
    return f"{prefix}_{_UNSAFE.sub('_', class_name).strip('_') or 'class'}"
