"""Subprocess that imports plugin sources and reports what they declare, one JSON line per event.

Run by :mod:`visionyard.plugins.catalog` as ``python -m visionyard.plugins.scan`` with the
sources as JSON on stdin. Plugin code may print; the protocol goes to a private copy of the
original stdout so nothing it prints can corrupt it.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import traceback
from collections.abc import Iterable
from typing import Any

from visionyard.plugins.discovery import Source, describe, load_source, load_task, task_sources


def _emit(stream: Any, **event: Any) -> None:
    stream.write(json.dumps(event) + "\n")
    stream.flush()


def main() -> None:
    sources = [Source(**item) for item in json.load(sys.stdin)]
    # The stack every plugin shares (torch, Lightning, torchvision) loads before the per-plugin
    # clock starts, so the import timeout measures each plugin's own import.
    importlib.import_module("visionyard.sdk")
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _known_tasks(task for task in task_sources() if task not in sources)
    for source in sources:
        _emit(protocol, event="begin", source=source.id)
        try:
            if source.kind == "task":
                _emit(protocol, event="task", source=source.id, spec=load_task(source).as_dict())
            else:
                _models(protocol, source)
        except BaseException as exc:
            traceback.print_exc()
            _emit(protocol, event="error", source=source.id, class_name=None, error=_reason(exc))
        _emit(protocol, event="end", source=source.id)


def _models(protocol: Any, source: Source) -> None:
    for cls in load_source(source):
        try:
            metadata, schema = describe(cls)
        except Exception as exc:
            _emit(protocol, event="error", source=source.id, class_name=cls.__name__, error=_reason(exc))
            continue
        _emit(
            protocol,
            event="plugin",
            source=source.id,
            class_name=cls.__name__,
            metadata=metadata.model_dump(mode="json"),
            config_schema=schema.model_dump(mode="json"),
        )


def _known_tasks(done: Iterable[Source]) -> None:
    """The tasks an earlier scan of this catalog already reported (a scan restarted after a crash), known
    again so that models of theirs can be described; one that fails now was reported then."""
    for source in done:
        with contextlib.suppress(Exception):
            load_task(source)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    main()
