"""The one way to an object store: the fsspec filesystem, checked downloads, and the error they raise.

Both users of S3 (the artifact store, and datasets or configs given as ``s3://`` URIs) call the store
through ``call``: a plain "no such key" stays a ``FileNotFoundError`` for the caller to answer; every
other failure (no bucket, no credentials, refused, unreachable, a corrupt download) is a
``StorageError`` that says what was being done and why it failed. Torch-free.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from visionyard.common.errors import Unavailable

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

S3_CONFIG = {"connect_timeout": 10, "read_timeout": 120, "retries": {"max_attempts": 3, "mode": "standard"}}
PARALLEL = 8
"""Transfers at once, per push or fetch."""


class StorageError(Unavailable, OSError):
    """The store cannot be used: unreachable, refused (credentials, no bucket), or misconfigured."""

    code = "storage_unavailable"


class NoSuchBucket(StorageError):
    """The bucket itself is missing: a misconfiguration, not a missing key."""


class CorruptDownload(StorageError):
    """A downloaded file does not match its listing (size, or the MD5 of a plain ETag)."""


def filesystem(protocol: str, endpoint_url: str | None = None) -> AbstractFileSystem:
    """An fsspec filesystem for ``protocol``; for S3, on ``endpoint_url`` (MinIO, moto) when given."""
    import fsspec

    options: dict[str, Any] = {}
    if protocol in ("s3", "s3a"):
        try:
            import s3fs  # noqa: F401
        except ImportError:
            raise StorageError("S3 storage needs s3fs: pip install 'visionyard[s3]'") from None
        options = {"config_kwargs": S3_CONFIG, "use_listings_cache": False}
        if endpoint_url:
            options["client_kwargs"] = {"endpoint_url": endpoint_url}
    try:
        return fsspec.filesystem(protocol, **options)
    except (ImportError, ValueError) as exc:
        raise StorageError(f"no filesystem for {protocol}:// URLs: {exc}") from None


def call(doing: str, method: Any, *args: Any, **kwargs: Any) -> Any:
    """``method(*args, **kwargs)``; a failure other than a missing key is a ``StorageError`` "cannot <doing>: <why>"."""
    try:
        return method(*args, **kwargs)
    except StorageError:
        raise
    except FileNotFoundError as exc:
        if _no_such_bucket(exc):
            raise NoSuchBucket(f"cannot {doing}: no such bucket") from exc
        raise
    except Exception as exc:  # botocore's own errors (no credentials, bad endpoint) are not OSErrors
        raise StorageError(f"cannot {doing}: {reason(exc)}") from exc


def reason(exc: BaseException) -> str:
    """An error of the store in one line, saying what to do where that is known."""
    if type(exc).__name__ in ("NoCredentialsError", "PartialCredentialsError"):
        return "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
    if isinstance(exc, PermissionError):
        return f"access denied ({exc}); check the AWS credentials"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else 'no message'}"


def _no_such_bucket(exc: BaseException) -> bool:
    text = f"{exc} {exc.__cause__ or ''} {exc.__context__ or ''}".lower()
    return "specified bucket does not exist" in text or "nosuchbucket" in text


def download(fs: AbstractFileSystem, key: str, target: Path, size: int | None, etag: str | None) -> None:
    """``key`` into ``target`` atomically: a temp file beside it, checked, fsynced, renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        fs.get_file(key, str(tmp))
        try:
            check_download(tmp, size, etag, key)
        except CorruptDownload:
            if not _server_encrypted(fs, key) or tmp.stat().st_size != size:
                raise  # an SSE-KMS/SSE-C ETag is not an MD5: only the size can be checked there
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_download(path: Path, size: int | None, etag: str | None, name: str) -> None:
    """``CorruptDownload`` unless ``path`` has the listed size and, for a plain ETag, its MD5."""
    found = path.stat().st_size
    if size is not None and found != size:
        raise CorruptDownload(f"{name}: downloaded {found} bytes, the store lists {size}")
    expected = plain_md5(etag)
    if expected is not None:
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            while chunk := handle.read(1024**2):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            raise CorruptDownload(f"{name}: the MD5 of the download differs from the ETag {expected}")


def plain_md5(etag: str | None) -> str | None:
    """The MD5 hex digest an S3 ETag stands for, or None (multipart uploads: ``...-N``; other stores)."""
    value = (etag or "").strip('"').lower()
    return value if len(value) == 32 and "-" not in value and all(c in "0123456789abcdef" for c in value) else None


def _server_encrypted(fs: AbstractFileSystem, key: str) -> bool:
    info = fs.info(key)
    return info.get("ServerSideEncryption") == "aws:kms" or bool(info.get("SSECustomerAlgorithm"))
