"""The one error family: everything a user can cause or fix, or a service that is not there.

Each error names itself for machines (``code``) and carries the HTTP status the API answers with;
the CLI prints its message and exits 2. The API's one handler and the CLI's one guard catch the base,
so a new error needs no list kept anywhere. Anything else is a bug (a 500, a traceback).
"""

from __future__ import annotations


class VisionyardError(Exception):
    code: str = "error"
    status: int = 400

    def fields(self) -> list[dict[str, str]] | None:
        """Field paths and reasons, for errors about several fields of a request."""
        return None


class NotFound(VisionyardError, LookupError):
    code, status = "not_found", 404


class Conflict(VisionyardError, ValueError):
    """The request is fine but the state of what it names does not allow it now."""

    code, status = "conflict", 409


class Invalid(VisionyardError, ValueError):
    code, status = "invalid", 422


class Unavailable(VisionyardError, RuntimeError):
    """A service this needs (storage, the predictor process, MLflow) is not answering."""

    code, status = "unavailable", 503


class DiskFull(Unavailable):
    """A write found no space left on its disk (ENOSPC or a quota): what was there before is kept."""

    code, status = "disk_full", 507

    def __init__(self, path: object):
        super().__init__(f"the disk is full: no space left to write {path}; free space on it and try again")
