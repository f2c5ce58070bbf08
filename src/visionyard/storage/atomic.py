"""Atomic file writes: temp file in the same folder, fsync, rename. A kill leaves old or new, never half.

A temp file is named ``.<name>.<writer pid>-<random>.tmp``, so one left by a killed writer can be told
from one another process is writing now.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import psutil

from visionyard.common.errors import DiskFull

PARTIAL_SUFFIX = ".tmp"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
WRITER_PID = re.compile(r"\.(\d+)-[^.]*\.tmp$")


@contextmanager
def atomic_open(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temp file beside ``path``; on a clean exit it replaces ``path`` in one rename. A full disk
    is a :class:`DiskFull` (whatever the writer wrapped the ``OSError`` in), and ``path`` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-", suffix=PARTIAL_SUFFIX)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if out_of_space(exc):
            raise DiskFull(path) from exc
        raise
    _fsync_dir(path.parent)


def out_of_space(exc: BaseException | None) -> bool:
    """Whether ``exc`` or an error it was raised from or while handling is an ``OSError`` for no space
    (torch's writer, for one, turns it into a ``RuntimeError``)."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def remove_partial_writes(folder: Path) -> None:
    """Delete the temp files that writers killed in the middle left under ``folder`` (while no one writes there)."""
    if folder.is_dir():
        for tmp in folder.rglob(f".*{PARTIAL_SUFFIX}"):
            tmp.unlink(missing_ok=True)


def remove_abandoned_writes(folder: Path) -> None:
    """Delete the temp files directly in ``folder`` whose writer process is gone (others may be writing there)."""
    if folder.is_dir():
        for tmp in folder.glob(f".*{PARTIAL_SUFFIX}"):
            writer = WRITER_PID.search(tmp.name)
            if writer is None or not psutil.pid_exists(int(writer.group(1))):
                tmp.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def write_text(path: Path, text: str) -> None:
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_json(path: Path, value: Any) -> None:
    write_text(path, json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")


def write_with(path: Path, writer: Callable[[IO[bytes]], None]) -> None:
    """Atomic write through a callback that writes to a binary handle (e.g. ``torch.save``)."""
    with atomic_open(path, "wb") as handle:
        writer(handle)
