"""Published pretrained weights fetched into the weights folder, the publisher's hash checked.

A file is streamed into a temp file beside its place and renamed there only once its SHA-256 matches what
the publisher gives (torchvision's and torch hub's convention: the first hex digits of the hash in the file
name, ``resnet18-f37072fd.pth``), so a dropped connection or a wrong file never leaves one that looks
complete. A dropped connection is tried again (the one retry policy); a wrong hash is not.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from visionyard.common.errors import Invalid
from visionyard.common.retry import retry_call
from visionyard.plugins.schema import WeightSource
from visionyard.storage.atomic import write_with

log = logging.getLogger("visionyard.engine")

MAX_BYTES = 4 * 2**30
"""A weights file larger than this is refused (no published backbone of ours comes close)."""
CHUNK = 1 << 20


class DownloadFailed(Invalid):
    """The weights could not be fetched, or were not the publisher's."""

    code = "download_failed"


class _Transient(Exception):
    """A transfer that broke off: worth another try."""


def download(source: WeightSource, weights_dir: Path, mirror: str | None = None, timeout: float = 60.0) -> Path:
    """The file of ``source`` in ``weights_dir`` (fetched unless there already; only checked files are kept).

    ``mirror``: a URL base that stands in for the publisher's scheme and host (a proxy, an internal copy)."""
    target = weights_dir / source.filename
    if target.is_file():
        return target
    if not source.sha256:
        raise DownloadFailed(f"{source.url}: the publisher gives no hash for it, so it is not fetched")
    url = _through(source.url, mirror)
    log.info("downloading pretrained weights %s", url)
    retry_call(
        lambda: _fetch(url, target, source.sha256 or "", timeout),
        what=f"download of {url}",
        log=log,
        attempts=3,
        backoff=1.0,
        give_up_on=lambda exc: not isinstance(exc, _Transient),
    )
    return target


def _fetch(url: str, target: Path, sha256: str, timeout: float) -> None:
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code != 200:
                error = DownloadFailed(f"{url}: HTTP {response.status_code}")
                raise _Transient(str(error)) if response.status_code >= 500 else error
            write_with(target, lambda handle: _stream(response, handle, sha256, url))
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise _Transient(f"{url}: {type(exc).__name__}: {exc}") from exc


def _stream(response: httpx.Response, handle: IO[bytes], sha256: str, url: str) -> None:
    digest, size = hashlib.sha256(), 0
    expected = response.headers.get("content-length")
    for chunk in response.iter_bytes(CHUNK):
        size += len(chunk)
        if size > MAX_BYTES:
            raise DownloadFailed(f"{url}: larger than {MAX_BYTES} bytes")
        digest.update(chunk)
        handle.write(chunk)
    if expected is not None and expected.isdigit() and int(expected) != size:
        raise _Transient(f"{url}: the connection ended after {size} of {expected} bytes")
    if not digest.hexdigest().startswith(sha256):
        raise DownloadFailed(
            f"{url}: its SHA-256 {digest.hexdigest()[:16]}... is not the publisher's ({sha256}...); not kept"
        )


def _through(url: str, mirror: str | None) -> str:
    if not mirror:
        return url
    parts = urlsplit(url)
    return mirror.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
