"""Published weights fetched for ``pretrained=true`` from a real local HTTP server standing in for the publisher
(``VISIONYARD_WEIGHTS_MIRROR``): the hash checked, a dropped connection tried again, nothing partial kept."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

from tests.helpers import TINY
from visionyard.config import Settings
from visionyard.engine.downloads import DownloadFailed, download
from visionyard.engine.weights import Downloads, PretrainedWeightsMissing, find_pretrained, read_state_dict
from visionyard.plugins.catalog import PluginCatalog
from visionyard.plugins.schema import WeightSource
from visionyard.services.runs import prepare_run
from visionyard.worker.execute import execute_run

PUBLISHER = "https://download.example.org"


class Publisher:
    """Serves ``files`` by path; a path in ``drops`` sends half its body and hangs up (that many times)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.drops: dict[str, int] = {}
        self.requests: list[str] = []
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                publisher.requests.append(self.path)
                body = publisher.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if publisher.drops.get(self.path, 0) > 0:
                    publisher.drops[self.path] -= 1
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, name: str, body: bytes, hash_of: bytes | None = None) -> WeightSource:
        prefix = hashlib.sha256(hash_of or body).hexdigest()[:8]
        path = f"/models/{name}-{prefix}.pth"
        self.files[path] = body
        return WeightSource.hashed_name(PUBLISHER + path)


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    served = Publisher()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()


def weights_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"layer.weight": torch.arange(6.0).reshape(2, 3), "layer.bias": torch.zeros(2)}, buffer)
    return buffer.getvalue()


def test_pretrained_weights_are_fetched_once_with_their_hash_checked(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes())
    assert source.sha256 and source.filename.startswith("tinynet-")
    found = find_pretrained("tinynet", None, tmp_path, [], [source], Downloads(True, publisher.url))
    assert found == tmp_path / source.filename
    assert torch.equal(read_state_dict(found)["layer.weight"], torch.arange(6.0).reshape(2, 3))
    again = find_pretrained("tinynet", None, tmp_path, [], [source], Downloads(True, publisher.url))
    assert again == found and len(publisher.requests) == 1  # the checked file is used, not fetched again


def test_a_file_that_is_not_the_publishers_is_not_kept(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes(), hash_of=b"something else")
    with pytest.raises(DownloadFailed, match="is not the publisher's"):
        download(source, tmp_path, publisher.url)
    assert list(tmp_path.iterdir()) == [] and len(publisher.requests) == 1  # not tried again, nothing left


def test_a_dropped_connection_is_tried_again_and_never_leaves_a_partial_file(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes())
    path = source.url.removeprefix(PUBLISHER)
    publisher.drops[path] = 1
    assert download(source, tmp_path, publisher.url).read_bytes() == weights_bytes()
    assert len(publisher.requests) == 2

    other = tmp_path / "other"
    publisher.drops[path] = 10
    with pytest.raises(Exception, match=r"connection|peer closed|incomplete"):
        download(source, other, publisher.url)
    assert not other.exists() or list(other.iterdir()) == []


def test_without_downloads_the_error_says_where_to_put_the_file(publisher: Publisher, tmp_path: Path):
    source = publisher.publish("tinynet", weights_bytes())
    with pytest.raises(PretrainedWeightsMissing, match="downloads are off") as missing:
        find_pretrained("tinynet", None, tmp_path, [], [source], Downloads(False))
    assert str(tmp_path / source.filename) in str(missing.value) and publisher.requests == []
    with pytest.raises(PretrainedWeightsMissing, match="names no published weights"):
        find_pretrained("tinynet", None, tmp_path, [], [], Downloads(True, publisher.url))


def test_a_torchvision_run_fetches_its_published_weights_through_the_mirror(
    publisher: Publisher, tmp_path: Path, catalog: PluginCatalog, tiny_dataset: Path
):
    """resnet18's own source (torchvision's URL and hash); the stand-in serves other bytes, so the run fails
    with the publisher's hash named, having asked the mirror for torchvision's file."""
    publisher.files["/models/resnet18-f37072fd.pth"] = weights_bytes()
    settings = Settings(home=tmp_path, allow_downloads=True, weights_mirror=publisher.url)
    config = {**TINY, "pretrained": True}
    prepared = prepare_run(settings, catalog, "resnet18", str(tiny_dataset), config)
    outcome = execute_run(replace(prepared, progress=False), settings, catalog)
    assert publisher.requests == ["/models/resnet18-f37072fd.pth"]
    assert outcome.status == "failed" and not outcome.retryable
    assert "is not the publisher's (f37072fd...)" in (outcome.error or "")
    assert list(settings.weights_dir.iterdir()) == []
