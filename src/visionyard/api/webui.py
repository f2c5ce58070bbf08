"""The web UI: the Vite build of ``ui/`` (in ``visionyard/webui``) served at ``/``.

The UI's own routes (``/runs/...``, ``/models``...) all answer ``index.html``; the app routes in
the browser. These paths hold no data, so the token guard lets them through: the page must load
to ask for the token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

BUILD = Path(__file__).resolve().parent.parent / "webui"
PAGES = ("/runs", "/sweeps", "/models", "/datasets", "/registry", "/predict")
"""Client-side routes (kept clear of the API and the compatibility routes)."""
FILES = ("/favicon.svg",)
NOT_BUILT = """<!doctype html><title>visionyard</title>
<h1>The web UI is not built</h1>
<p>Run <code>make install</code> (or <code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code>), then reload.
The API is up: see <a href="/docs">/docs</a>.</p>"""


def is_ui_path(path: str) -> bool:
    return (
        path == "/"
        or path in FILES
        or path.startswith("/assets/")
        or any(path == page or path.startswith(page + "/") for page in PAGES)
    )


def install(app: FastAPI, build: Path | None = None) -> None:
    build = build or BUILD
    index = build / "index.html"
    if not index.is_file():

        @app.get("/", include_in_schema=False)
        def not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT, status_code=503)

        return

    def page() -> FileResponse:
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.mount("/assets", StaticFiles(directory=build / "assets"), name="ui-assets")
    for path in ("/", *PAGES, *(f"{p}/{{rest:path}}" for p in PAGES)):
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False)
    for name in FILES:
        app.add_api_route(name, _file(build / name.lstrip("/")), methods=["GET"], include_in_schema=False)


def _file(path: Path):
    def serve() -> FileResponse:
        return FileResponse(path)

    return serve
