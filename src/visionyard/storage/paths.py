"""Path safety, in one place: names taken from requests and archives, and paths that must stay inside a
folder whatever links they pass through."""

from __future__ import annotations

import re
from pathlib import Path

from visionyard.common.errors import Invalid

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_RELATIVE_LENGTH = 1024
"""Characters of a relative name from a request: with its root, well inside the system's path limit."""
MAX_COMPONENT_BYTES = 255
"""The longest file name Linux and macOS file systems take (NAME_MAX)."""


class PathOutsideRoot(Invalid):
    """A relative path that is unsafe, or leads outside its root."""

    code = "invalid_path"


def name_parts(relative: str, *, allow_hidden: bool = True) -> tuple[tuple[str, ...], str | None]:
    """The components of a ``/``-separated relative name, and why it is unsafe (None when it is not):
    too long (or a component too long for a file name), control characters (NUL included), backslashes,
    absolute (``/``, ``~``, a drive letter), ``..``, no component at all, or a hidden one where
    ``allow_hidden`` is off."""
    parts = tuple(p for p in relative.split("/") if p not in ("", "."))
    reason = None
    if len(relative) > MAX_RELATIVE_LENGTH:
        reason = "is too long"
    elif any(len(p.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES for p in parts):
        reason = f"has a component longer than {MAX_COMPONENT_BYTES} bytes"
    elif _CONTROL.search(relative):
        reason = "has control characters"
    elif "\\" in relative:
        reason = "has a backslash"
    elif relative.startswith(("/", "~")):
        reason = "is an absolute path"
    elif _DRIVE.match(relative):
        reason = "starts with a drive letter"
    elif ".." in parts:
        reason = "has a '..' component"
    elif not parts:
        reason = "names no file or folder"
    elif not allow_hidden and any(p.startswith(".") for p in parts):
        reason = "has a hidden component"
    return parts, reason


def resolve_under(root: Path, relative: str, *, allow_hidden: bool = False) -> Path:
    """``root/relative`` resolved, if it lies strictly inside ``root``; else ``PathOutsideRoot``.

    For paths taken from requests: :func:`name_parts` must find nothing unsafe, and no link may lead out
    of ``root``. The path need not exist.
    """
    shown = relative[:200] if isinstance(relative, str) else relative
    if not isinstance(relative, str):
        raise PathOutsideRoot(f"path {shown!r} is not a string")
    parts, reason = name_parts(relative, allow_hidden=allow_hidden)
    if reason:
        raise PathOutsideRoot(f"path {shown!r} {reason}")
    target = inside(root.joinpath(*parts), root)
    if target is None:
        raise PathOutsideRoot(f"path {shown!r} leads outside its root (through a link) or cannot be resolved")
    return target


def inside(path: Path, root: Path) -> Path | None:
    """``path`` with its links followed, if it lies strictly inside ``root`` (itself resolved); None
    otherwise, also for a path the file system cannot take (a NUL byte, a lone surrogate, a link loop,
    a name too long)."""
    try:
        resolved, base = path.expanduser().resolve(), root.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return resolved if resolved != base and resolved.is_relative_to(base) else None


def is_dir(path: Path) -> bool:
    """``path.is_dir()``, False for a path the file system cannot take (a NUL byte, a name too long)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def is_file(path: Path) -> bool:
    """``path.is_file()``, False for a path the file system cannot take."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False
