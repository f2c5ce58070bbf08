"""Published pretrained weights fetched into the weights folder, the publisher's hash checked.

A file is streamed into a temp file beside its place and renamed there only once its SHA-256 matches what
the publisher gives: torchvision's and torch hub's convention is the first hex digits of the hash in the file
name (``resnet18-f37072fd.pth``); the Hugging Face Hub gives it with the file (the ETag of an LFS file's resolve
URL, read with huggingface_hub's ``get_hf_file_metadata``). So a dropped connection or a wrong file never leaves
one that looks complete. A dropped connection is tried again (the one retry policy); a wrong hash is not. A
file whose publisher gives no hash (Ultralytics' release assets) is fetched only when the run trusts it
(``trust_checkpoint``).
"""

from __future__ import annotations

import hashlib
import logging
import re
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
SHA256 = re.compile(r"[0-9a-f]{64}")


class DownloadFailed(Invalid):
    """The weights could not be fetched, or were not the publisher's."""

    code = "download_failed"


class _Transient(Exception):
    """A transfer that broke off: worth another try."""


def download(
    source: WeightSource, weights_dir: Path, mirror: str | None = None, trust: bool = False, timeout: float = 60.0
) -> Path:
    """The file of ``source`` in ``weights_dir`` (fetched unless there already; only checked files are kept).

    ``mirror``: a URL base that stands in for the publisher's scheme and host (a proxy, an internal copy).
    ``trust``: a file whose publisher gives no hash is fetched all the same (``trust_checkpoint``)."""
    target = weights_dir / source.filename
    if target.is_file():
        return target
    url = _through(source.url, mirror)
    retry_call(
        lambda: _fetch(url, target, _published_sha256(source, url, trust, timeout), timeout),
        what=f"download of {url}",
        log=log,
        attempts=3,
        backoff=1.0,
        give_up_on=lambda exc: not isinstance(exc, _Transient),
    )
    return target


def _published_sha256(source: WeightSource, url: str, trust: bool, timeout: float) -> str | None:
    """The hash ``source``'s file must have: the one it carries, else the Hub's; None only for a trusted file
    (refused before anything is fetched otherwise)."""
    sha256 = source.sha256 or (_hub_sha256(url, timeout) if source.hub_hash else None)
    if sha256 is None and not trust:
        raise DownloadFailed(
            f"{url}: its publisher gives no hash for it, so nothing would show that the file fetched is theirs: "
            "it is fetched (and kept unchecked) only with trust_checkpoint=true"
        )
    if sha256 is None:
        log.warning("%s: its publisher gives no hash; fetched unchecked because trust_checkpoint is set", url)
    return sha256


def _hub_sha256(url: str, timeout: float) -> str | None:
    """The SHA-256 the Hugging Face Hub publishes for the file at ``url``: the ETag of its resolve request (the
    ``X-Linked-Etag`` of an LFS file); None for a file kept in git, whose ETag is a git hash. No token is read
    or sent, and nothing is written (huggingface_hub's cache is not used)."""
    import httpx2
    from huggingface_hub import get_hf_file_metadata
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    try:
        etag = get_hf_file_metadata(url, token=False, timeout=timeout).etag
    except HfHubHTTPError as exc:
        status = exc.response.status_code
        error = DownloadFailed(f"{url}: HTTP {status} from the Hub")
        raise _Transient(str(error)) if status >= 500 else error from None
    except OfflineModeIsEnabled as exc:
        raise DownloadFailed(f"{url}: {exc}") from None
    except httpx2.TransportError as exc:
        raise _Transient(f"{url}: {type(exc).__name__}: {exc}") from exc
    return etag if etag and SHA256.fullmatch(etag) else None


def _fetch(url: str, target: Path, sha256: str | None, timeout: float) -> None:
    log.info("downloading pretrained weights %s", url)
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code != 200:
                error = DownloadFailed(f"{url}: HTTP {response.status_code}")
                raise _Transient(str(error)) if response.status_code >= 500 else error
            write_with(target, lambda handle: _stream(response, handle, sha256, url))
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise _Transient(f"{url}: {type(exc).__name__}: {exc}") from exc


def _stream(response: httpx.Response, handle: IO[bytes], sha256: str | None, url: str) -> None:
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
    if sha256 is not None and not digest.hexdigest().startswith(sha256):
        raise DownloadFailed(
            f"{url}: its SHA-256 {digest.hexdigest()[:16]}... is not the publisher's ({sha256[:16]}...); not kept"
        )


def _through(url: str, mirror: str | None) -> str:
    if not mirror:
        return url
    parts = urlsplit(url)
    return mirror.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
