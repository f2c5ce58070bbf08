"""The web UI's API types come from ui/openapi.json (``openapi-typescript`` writes ui/generated/api.d.ts
from it on every UI build): the checked-in document must be the one the app serves now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from visionyard.api import openapi_document

CHECKED_IN = Path(__file__).resolve().parents[2] / "ui" / "openapi.json"


def test_the_checked_in_document_is_the_apps():
    current = openapi_document.render(openapi_document.document())
    assert CHECKED_IN.is_file(), f"ui/openapi.json is missing: run `{openapi_document.REGENERATE}`"
    assert CHECKED_IN.read_text(encoding="utf-8") == current, (
        f"ui/openapi.json is stale (a route or a response model changed): run `{openapi_document.REGENERATE}` "
        "and commit ui/openapi.json and ui/generated/api.d.ts"
    )


def test_the_document_is_written_alike_each_time_without_plugins_or_a_home(tmp_path: Path):
    script = (
        "import sys; from visionyard.api import openapi_document as o; o.main(sys.argv[1:]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'torch', 'lightning', 'timm'} "
        "or m.startswith(('visionyard.models', 'visionyard.engine', 'visionyard.worker'))))"
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    texts = []
    for name in ("a.json", "b.json"):
        run = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / name)], env=env, capture_output=True, text=True, check=True
        )
        assert run.stdout.strip() == "[]", run.stdout
        texts.append((tmp_path / name).read_text(encoding="utf-8"))
    assert texts[0] == texts[1]
    assert json.loads(texts[0])["paths"]
    assert list(home.iterdir()) == []
