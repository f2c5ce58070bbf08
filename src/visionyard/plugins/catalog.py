"""The plugin catalog: what every source declares, read in an isolated subprocess and cached.

A plugin that raises, hangs or crashes the interpreter at import is listed with its error; the
others are still listed and the calling process is never at risk. Only :meth:`load_class`
imports plugin code in the calling process (workers do that; the API process never does).
"""

from __future__ import annotations

import difflib
import json
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict

import visionyard
from visionyard.common.errors import NotFound
from visionyard.common.tasks import TaskSpec, register
from visionyard.config import Settings
from visionyard.plugins.discovery import Source, list_sources, load_source, sources_fingerprint
from visionyard.plugins.schema import ConfigSchema, ModelMetadata
from visionyard.plugins.sdk import ModelPlugin
from visionyard.storage.atomic import write_json

STARTUP_ALLOWANCE = 120.0
"""Seconds the scan subprocess may take to import torch and the SDK before the first plugin."""


class PluginEntry(BaseModel):
    """One plugin class of the catalog, or a source that failed to give one."""

    model_config = ConfigDict(frozen=True)

    source: Source
    class_name: str | None = None
    metadata: ModelMetadata | None = None
    config_schema: ConfigSchema | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return self.metadata.name if self.metadata else self.source.label

    @property
    def ok(self) -> bool:
        return self.error is None and self.metadata is not None

    @property
    def task(self) -> str:
        assert self.metadata is not None, "only a working entry has a task"
        return self.metadata.task_type


class UnknownModelError(NotFound):
    code = "model_not_found"

    def __init__(self, name: str, known: Iterable[str], broken: str | None = None):
        self.name = name
        self.close_matches = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
        if broken:
            message = f"model {name!r} is installed but broken: {broken}"
        else:
            hint = f"; did you mean {', '.join(self.close_matches)}?" if self.close_matches else ""
            message = f"unknown model {name!r}{hint} (see `visionyard models list`)"
        super().__init__(message)


class PluginCatalog:
    def __init__(self, entries: Iterable[PluginEntry], tasks: Iterable[TaskSpec] = ()):
        self.entries = _mark_duplicates(list(entries))
        self.tasks = list(tasks)
        """The tasks plugins declare (registered in this process when the catalog was read)."""

    @classmethod
    def discover(
        cls,
        models_dir: Path | None,
        cache_dir: Path | None = None,
        import_timeout: float = 60.0,
        refresh: bool = False,
    ) -> PluginCatalog:
        sources = list_sources(models_dir)
        fingerprint = f"{sources_fingerprint(sources)}:{_own_code_stamp()}"
        cache = cache_dir / "plugins.json" if cache_dir else None
        if cache is not None and cache.is_file() and not refresh:
            stored = json.loads(cache.read_text())
            if stored.get("fingerprint") == fingerprint:
                tasks = _registered(TaskSpec.from_dict(t) for t in stored.get("tasks", []))
                return cls((PluginEntry.model_validate(e) for e in stored["entries"]), tasks)
        entries, tasks = scan(sources, import_timeout)
        if cache is not None:
            write_json(
                cache,
                {
                    "fingerprint": fingerprint,
                    "tasks": [t.as_dict() for t in tasks],
                    "entries": [e.model_dump(mode="json") for e in entries],
                },
            )
        return cls(entries, tasks)

    def list(self, task: str | None = None, framework: str | None = None) -> list[PluginEntry]:
        return [
            e
            for e in self.entries
            if e.ok
            and e.metadata is not None
            and (task is None or e.metadata.task_type == task)
            and (framework is None or e.metadata.framework == framework)
        ]

    def broken(self) -> list[PluginEntry]:
        return [e for e in self.entries if not e.ok]

    def get(self, name: str) -> PluginEntry:
        for entry in self.entries:
            if entry.ok and entry.name == name:
                return entry
        broken = next((e.error for e in self.broken() if e.name == name), None)
        raise UnknownModelError(name, [e.name for e in self.list()], broken)

    def load_class(self, name: str) -> type[ModelPlugin]:
        """Import the plugin in this process (workers only)."""
        entry = self.get(name)
        for plugin_cls in load_source(entry.source):
            if plugin_cls.__name__ == entry.class_name:
                return plugin_cls
        raise UnknownModelError(name, [], broken=f"class {entry.class_name} is gone from {entry.source.ref}")


def _registered(tasks: Iterable[TaskSpec]) -> list[TaskSpec]:
    """Plugins' tasks known to this process from now on, so their models' metadata validates."""
    known = list(tasks)
    for spec in known:
        register(spec)
    return known


def _mark_duplicates(entries: list[PluginEntry]) -> list[PluginEntry]:
    seen: dict[str, Source] = {}
    out = []
    for entry in entries:
        if entry.ok and entry.name in seen:
            first = seen[entry.name]
            entry = entry.model_copy(update={"error": f"name {entry.name!r} is already taken by {first.id}"})
        elif entry.ok:
            seen[entry.name] = entry.source
        out.append(entry)
    return out


def _own_code_stamp() -> str:
    """visionyard's own files change the builtin plugins: include them in the cache key."""
    root = Path(visionyard.__file__).parent
    return str(max(p.stat().st_mtime_ns for p in root.rglob("*.py")))


def scan(sources: list[Source], import_timeout: float) -> tuple[list[PluginEntry], list[TaskSpec]]:
    """Describe every source; a source whose import hangs or kills the interpreter is reported. The tasks
    plugins declare are registered in this process as they are reported (their models' metadata names them)."""
    found = Scanned()
    remaining = list(sources)
    while remaining:
        done, failed = _scan_once(remaining, import_timeout, found)
        remaining = remaining[done:]
        if failed is not None:
            found.entries.append(PluginEntry(source=remaining[0], error=failed))
            remaining = remaining[1:]
    return found.entries, found.tasks


@dataclass
class Scanned:
    """What scan subprocesses reported so far."""

    entries: list[PluginEntry] = field(default_factory=list)
    tasks: list[TaskSpec] = field(default_factory=list)


def _scan_once(sources: list[Source], timeout: float, found: Scanned) -> tuple[int, str | None]:
    """Run one scan subprocess; return how many sources it finished and why it stopped early."""
    payload = json.dumps([asdict(s) for s in sources])
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "visionyard.plugins.scan"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(payload)
        proc.stdin.close()
        finished, reason = _read_events(proc, sources, timeout, found)
        if reason is not None:
            proc.kill()
        proc.wait()
        if reason is None and finished < len(sources):
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace").strip().splitlines()[-5:]
            reason = f"the interpreter died while importing it ({_describe_exit(proc.returncode)})"
            if tail:
                reason += ": " + " | ".join(tail)
        return finished, reason


def _read_events(
    proc: subprocess.Popen[str], sources: list[Source], timeout: float, found: Scanned
) -> tuple[int, str | None]:
    """Follow the subprocess's events until it ends or one import outlasts ``timeout``.

    Lines are read by a thread: ``select`` on the pipe beside a buffered ``readline`` would miss the
    lines already in the buffer when several arrive at once (a loaded machine), and blame the wrong
    plugin for a hang.
    """
    by_id = {s.id: s for s in sources}
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    finished = 0
    deadline = time.monotonic() + timeout + STARTUP_ALLOWANCE
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return finished, f"import did not finish within {timeout:g} s"
        if not line:
            return finished, None
        event = json.loads(line)
        if event["event"] == "begin":
            deadline = time.monotonic() + timeout
        elif event["event"] == "end":
            finished += 1
        elif event["event"] == "task":
            found.tasks += _registered([TaskSpec.from_dict(event["spec"])])
        elif event["event"] == "plugin" or event["event"] == "error":
            found.entries.append(PluginEntry(source=by_id[event["source"]], **_fields(event)))


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    """Every line of ``stream`` into ``lines``, then ``""`` at its end."""
    for line in stream:
        lines.put(line)
    lines.put("")


def _fields(event: dict) -> dict:
    return {k: event.get(k) for k in ("class_name", "metadata", "config_schema", "error")}


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def catalog_for(settings: Settings, refresh: bool = False) -> PluginCatalog:
    """The catalog of this installation's plugin sources (cached under its HOME)."""
    return PluginCatalog.discover(
        settings.models_root, settings.cache_dir, settings.plugin_import_timeout, refresh=refresh
    )
