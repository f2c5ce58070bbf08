"""The API's OpenAPI document as deterministic JSON: the web UI's types are generated from it.

``python -m visionyard.api.openapi_document ui/openapi.json`` (``make api-types``) writes it; no
server runs, nothing is read from a home folder (a temporary one is used), and no plugin code is
imported (the API process never imports it).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from visionyard.api.app import create_app
from visionyard.config import Settings
from visionyard.services.context import ServiceContext

REGENERATE = "make api-types"
"""The command that rewrites ui/openapi.json and the UI's generated types from it."""


def document() -> dict:
    """The OpenAPI document the app serves at ``/openapi.json``, built without starting the app."""
    with tempfile.TemporaryDirectory(prefix="visionyard-openapi-") as home:
        app = create_app(ServiceContext(Settings(home=Path(home), api_token=None)), schedule=False)
        return app.openapi()


def render(spec: dict) -> str:
    """Sorted keys, two-space indents and a final newline: the same document gives the same text."""
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        print("usage: python -m visionyard.api.openapi_document [PATH]", file=sys.stderr)
        return 2
    text = render(document())
    if not args or args[0] == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
