"""A real local HTTP server standing in for the publishers of pretrained weights (``VISIONYARD_WEIGHTS_MIRROR`` points
at it, so each publisher's URL path is asked of it): torch hub's files, the Hugging Face Hub's resolve URLs answered
as the Hub answers them, and GitHub's release assets."""

from __future__ import annotations

import hashlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from visionyard.plugins.schema import WeightSource

TORCH_HUB = "https://download.example.org"
ASSETS = "/ultralytics/assets/releases/download/v8.3.0"
"""Where Ultralytics' YOLO11 weights lie on GitHub (the path the plugins name)."""


class Publisher:
    """Serves ``files`` by path (GET and HEAD) and answers a path in ``redirects`` with a 302 and its headers; a
    path in ``drops`` sends half its body and hangs up (that many times). ``requests``: ``"GET /path"``, ...."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, dict[str, str]] = {}
        self.drops: dict[str, int] = {}
        self.requests: list[str] = []
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                self.answer(body=False)

            def do_GET(self) -> None:
                self.answer(body=True)

            def answer(self, body: bool) -> None:
                publisher.requests.append(f"{self.command} {self.path}")
                if self.path in publisher.redirects:
                    self.send_response(302)
                    for name, value in publisher.redirects[self.path].items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content = publisher.files.get(self.path)
                if content is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if not body:
                    return
                if publisher.drops.get(self.path, 0) > 0:
                    publisher.drops[self.path] -= 1
                    self.wfile.write(content[: len(content) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(content)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def publish(self, name: str, body: bytes, hash_of: bytes | None = None) -> WeightSource:
        """A torch hub file: the first digits of its SHA-256 (of ``hash_of`` when given) in its name."""
        prefix = hashlib.sha256(hash_of or body).hexdigest()[:8]
        path = f"/models/{name}-{prefix}.pth"
        self.files[path] = body
        return WeightSource.hashed_name(TORCH_HUB + path)

    def publish_on_hub(self, repo: str, filename: str, body: bytes, sha256: str | None = None) -> str:
        """An LFS file of a Hub repository, answered as the Hub does: its resolve URL redirects to the CDN (another
        origin: ``localhost`` rather than ``127.0.0.1``) with the SHA-256 (``sha256`` when given) as
        ``X-Linked-Etag``. Returns the CDN's path, which serves the bytes."""
        digest = hashlib.sha256(body).hexdigest()
        cdn = f"/cdn/{digest}"
        self.files[cdn] = body
        self.redirects[f"/{repo}/resolve/main/{filename}"] = {
            "Location": f"http://localhost:{self.port}{cdn}",
            "X-Linked-Etag": f'"{sha256 or digest}"',
            "X-Linked-Size": str(len(body)),
            "X-Repo-Commit": "0" * 40,
            "ETag": '"a-git-hash-of-the-pointer-file"',
        }
        return cdn

    def publish_asset(self, name: str, body: bytes) -> str:
        """An Ultralytics release asset on GitHub (no hash is published); returns its path."""
        path = f"{ASSETS}/{name}"
        self.files[path] = body
        return path
