"""A ``sitecustomize`` for a child process whose sockets connect only to loopback: any other address is written to
``$CONNECT_LOG`` and refused (``$CONNECT_LOG.armed`` shows the guard was loaded)."""

from __future__ import annotations

import os
from pathlib import Path

GUARD = """
import json, os, socket
open(os.environ["CONNECT_LOG"] + ".armed", "w").close()
real = socket.socket.connect
def refuse(self, address, *args, **kwargs):
    if not (isinstance(address, str) or str(address[0]).startswith(("127.", "::1", "localhost"))):
        with open(os.environ["CONNECT_LOG"], "a") as log:
            log.write(json.dumps(str(address)) + "\\n")
        raise OSError("network unreachable (test)")
    return real(self, address, *args, **kwargs)
socket.socket.connect = refuse
"""


def guarded(env: dict[str, str], folder: Path, attempts: Path) -> dict[str, str]:
    """``env`` for a child process that loads the guard from ``folder`` and logs refused connections to
    ``attempts``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(GUARD)
    return env | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")])),
        "CONNECT_LOG": str(attempts),
    }
