"""Datasets and configs given as ``s3://`` URIs, fetched into a local cache, verified and reused.

A dataset URI is a prefix (a folder of images and annotations) or one ``.zip`` object (extracted
with the upload's safety rules and limits); a config URI is one YAML object. Each URI has a cache
folder ``HOME/cache/remote/<sha256(uri)[:16]>/`` holding the data and ``manifest.json`` (every
object's key, size and ETag; every local file's size). A fetch always lists the URI: an unchanged
listing over intact local files is answered from the cache without a download; changed, new or
damaged files are downloaded again. Every download is checked against its size and, where the ETag
is a plain MD5, its MD5. A new version of the cache is built in a hidden staging folder (unchanged
files hard-linked from the old one) and renamed into place, so a crash never leaves a partial cache
that looks complete. Torch-free.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from visionyard.storage import s3
from visionyard.storage.archive import ArchiveError, ArchiveLimits, extract_zip, member_parts
from visionyard.storage.atomic import write_json
from visionyard.storage.s3 import PARALLEL, NoSuchBucket, StorageError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from visionyard.config import Settings

log = logging.getLogger("visionyard.storage")

CONFIG_MAX_BYTES = 1024**2
CONFIG_SUFFIXES = (".yaml", ".yml")
MANIFEST = "manifest.json"
URI = re.compile(r"^s3a?://([^/?#]*)/?([^?#]*)$", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class RemoteError(ValueError):
    """A remote dataset or config that cannot be used as given (HTTP 422)."""


class RemoteNotFound(RemoteError):
    """No such bucket, object or prefix, or a prefix with no objects (HTTP 404)."""


def is_remote(ref: str) -> bool:
    return ref[:5].lower() == "s3://" or ref[:6].lower() == "s3a://"


@dataclass(frozen=True)
class Obj:
    key: str
    size: int
    etag: str | None


@dataclass(frozen=True)
class Listing:
    kind: str
    """``prefix`` (files under a folder), ``zip`` (an archive to extract) or ``object`` (one file)."""
    name: str
    """The local name: the dataset folder, or the file."""
    objects: dict[str, Obj]
    """By local path (relative to the dataset folder; the file name for a single object)."""


def fetch_dataset(settings: Settings, uri: str, limits: ArchiveLimits) -> Path:
    """The local folder of a dataset at ``s3://bucket/prefix/`` or ``s3://bucket/.../data.zip``."""
    bucket, key = _parse(uri)
    with _as_remote_errors(uri):
        fs = s3.filesystem("s3", settings.s3_endpoint_url)
        if key.lower().endswith(".zip"):
            listing = _single(fs, uri, bucket, key, "zip", settings.upload_max_bytes)
        else:
            listing = _prefix(fs, uri, bucket, key, settings.upload_max_bytes, settings.upload_max_files)
        return _cached(settings, fs, uri, listing, limits)


def fetch_config(settings: Settings, uri: str) -> Path:
    """The local copy of a YAML config at ``s3://bucket/.../name.yaml`` (at most 1 MiB)."""
    bucket, key = _parse(uri)
    if not key.lower().endswith(CONFIG_SUFFIXES):
        raise RemoteError(f"{uri}: a config is one YAML object (.yaml or .yml)")
    with _as_remote_errors(uri):
        fs = s3.filesystem("s3", settings.s3_endpoint_url)
        return _cached(settings, fs, uri, _single(fs, uri, bucket, key, "object", CONFIG_MAX_BYTES), ArchiveLimits())


@contextlib.contextmanager
def _as_remote_errors(uri: str) -> Iterator[None]:
    """The store's errors as errors of the URI the user gave (a 404 or a 422, not a 503)."""
    try:
        yield
    except NoSuchBucket:
        raise RemoteNotFound(f"{uri}: no such bucket") from None
    except StorageError as exc:
        raise RemoteError(f"{uri}: {exc}") from None


# ---- listing ---------------------------------------------------------------------------------


def _parse(uri: str) -> tuple[str, str]:
    match = URI.match(uri) if is_remote(uri) else None
    if match is None or not match.group(1):
        raise RemoteError(f"{uri!r} is not an s3:// URI (s3://bucket/prefix/ or s3://bucket/key)")
    return match.group(1), match.group(2)


def _single(fs: AbstractFileSystem, uri: str, bucket: str, key: str, kind: str, max_bytes: int) -> Listing:
    try:
        info = s3.call("look up the object", fs.info, f"{bucket}/{key}")
    except FileNotFoundError:
        raise RemoteNotFound(f"{uri}: no such object") from None
    if info.get("type") != "file":
        raise RemoteNotFound(f"{uri}: no such object (it is a prefix; give the object's key)")
    if info["size"] > max_bytes:
        raise RemoteError(f"{uri} is too big: {info['size']} bytes; the limit is {max_bytes}")
    name = _safe_name(PurePosixPath(key).name)
    local = (name[: -len(".zip")] or "dataset") if kind == "zip" else name
    return Listing(kind, local, {name: Obj(info["name"], int(info["size"]), info.get("ETag"))})


def _prefix(fs: AbstractFileSystem, uri: str, bucket: str, key: str, max_bytes: int, max_files: int) -> Listing:
    prefix = f"{bucket}/{key.strip('/')}/" if key.strip("/") else f"{bucket}/"
    try:
        found = s3.call("list the prefix", fs.find, prefix, detail=True)
    except FileNotFoundError:
        found = {}
    objects: dict[str, Obj] = {}
    for name, info in sorted(found.items()):
        if info.get("type") != "file" or not name.startswith(prefix) or name.endswith("/"):
            continue  # folder markers; the object named like the prefix itself
        relative = name.removeprefix(prefix)
        try:
            parts = member_parts(relative)
        except ArchiveError as exc:
            raise RemoteError(f"{uri}: object {relative!r} cannot be a local file: {exc}") from None
        objects["/".join(parts)] = Obj(name, int(info["size"]), info.get("ETag"))
    if not objects:
        try:
            single = s3.call("look up the object", fs.info, prefix.rstrip("/")).get("type") == "file"
        except (FileNotFoundError, StorageError):
            single = False
        if single:
            raise RemoteError(f"{uri} is a single object: give a prefix (a folder) or a .zip")
        raise RemoteNotFound(f"{uri}: no objects under this prefix")
    total = sum(o.size for o in objects.values())
    if len(objects) > max_files or total > max_bytes:
        raise RemoteError(
            f"{uri} is too big: {len(objects)} files, {total} bytes; "
            f"the limits are {max_files} files and {max_bytes} bytes"
        )
    folders = {"/".join(rel.split("/")[:i]) for rel in objects for i in range(1, rel.count("/") + 1)}
    clash = sorted(set(objects) & folders)
    if clash:
        raise RemoteError(f"{uri}: {clash[0]!r} is both an object and a prefix of other objects")
    name = _safe_name(PurePosixPath(key.strip("/")).name or bucket)
    return Listing("prefix", name, objects)


def _safe_name(name: str) -> str:
    cleaned = _UNSAFE_NAME.sub("_", name).lstrip(".")
    return cleaned[:100] or "dataset"


# ---- the cache -------------------------------------------------------------------------------


def _cached(settings: Settings, fs: AbstractFileSystem, uri: str, listing: Listing, limits: ArchiveLimits) -> Path:
    """The cache folder's data for ``listing``, brought up to date (under a lock per URI)."""
    remote_dir = settings.cache_dir / "remote"
    slot = hashlib.sha256(uri.encode()).hexdigest()[:16]
    folder = remote_dir / slot
    with _locked(remote_dir / f".{slot}.lock"):
        for leftover in remote_dir.glob(f".{slot}.*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)  # a fetch that crashed
        old = _read_manifest(folder / MANIFEST)
        kept = _intact(folder, old, listing)
        if old is not None and kept == set(listing.objects) and set(old["objects"]) == set(listing.objects):
            log.info("%s: cached copy is current (%d objects)", uri, len(listing.objects))
            return folder / listing.name
        staging = Path(tempfile.mkdtemp(prefix=f".{slot}.", suffix=".tmp", dir=remote_dir))
        try:
            files = _fill(fs, uri, listing, folder, staging, kept, limits)
            write_json(staging / MANIFEST, _manifest(uri, listing, files))
            _swap(staging, folder, remote_dir, slot)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return folder / listing.name


def _intact(folder: Path, manifest: dict[str, Any] | None, listing: Listing) -> set[str]:
    """Objects whose cached copy is current (same key, size and ETag) and whose local files are whole."""
    if manifest is None or manifest.get("kind") != listing.kind or manifest.get("name") != listing.name:
        return set()
    sizes: dict[str, int] = manifest.get("files", {})
    data = folder / listing.name
    if listing.kind == "zip" and not all(_size(data / rel) == size for rel, size in sizes.items()):
        return set()  # an extracted file was damaged: extract the archive again
    intact = set()
    for rel, obj in listing.objects.items():
        seen = manifest["objects"].get(rel)
        same = seen == {"key": obj.key, "size": obj.size, "etag": obj.etag}
        if same and (listing.kind == "zip" or _size(_local(folder, listing, rel)) == obj.size):
            intact.add(rel)
    return intact


def _fill(
    fs: AbstractFileSystem,
    uri: str,
    listing: Listing,
    folder: Path,
    staging: Path,
    kept: set[str],
    limits: ArchiveLimits,
) -> dict[str, int]:
    """Populate ``staging`` (links to intact cached files, downloads for the rest); local sizes by path."""
    if listing.kind == "zip":
        [(rel, obj)] = listing.objects.items()
        archive = staging / ".archive.zip"
        _download_all(fs, uri, [(obj, archive)])
        try:
            extract_zip(archive, staging / listing.name, limits, durable=False)
        except ArchiveError as exc:
            raise RemoteError(f"{uri}: {exc}") from None
        archive.unlink()
        data = staging / listing.name
        return {p.relative_to(data).as_posix(): p.stat().st_size for p in data.rglob("*") if p.is_file()}
    wanted = []
    for rel, obj in listing.objects.items():
        target = _local(staging, listing, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel in kept:
            _link(_local(folder, listing, rel), target)
        else:
            wanted.append((obj, target))
    _download_all(fs, uri, wanted)
    log.info("%s: %d object(s) downloaded, %d reused from the cache", uri, len(wanted), len(kept))
    return {rel: obj.size for rel, obj in listing.objects.items()}


def _download_all(fs: AbstractFileSystem, uri: str, wanted: list[tuple[Obj, Path]]) -> None:
    def one(item: tuple[Obj, Path]) -> None:
        obj, target = item
        try:
            s3.call(f"download {obj.key}", s3.download, fs, obj.key, target, obj.size, obj.etag)
        except FileNotFoundError:
            raise RemoteError(f"{uri}: {obj.key} vanished while it was fetched; try again") from None

    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(one, wanted))


def _local(folder: Path, listing: Listing, rel: str) -> Path:
    return folder / listing.name if listing.kind == "object" else folder / listing.name / rel


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _manifest(uri: str, listing: Listing, files: dict[str, int]) -> dict[str, Any]:
    objects = {rel: {"key": o.key, "size": o.size, "etag": o.etag} for rel, o in listing.objects.items()}
    return {"uri": uri, "kind": listing.kind, "name": listing.name, "objects": objects, "files": files}


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) and isinstance(body.get("objects"), dict) else None


def _swap(staging: Path, folder: Path, remote_dir: Path, slot: str) -> None:
    """Put ``staging`` in the place of ``folder``; a crash in between leaves no cache (fetched again), never half."""
    if hasattr(os, "sync"):
        os.sync()  # the data is on disk before the folder that says it is complete appears
    retired = None
    if folder.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{slot}.old-", suffix=".tmp", dir=remote_dir))
        folder.rename(retired / "folder")
    staging.rename(folder)
    fd = os.open(remote_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One fetch of a URI at a time, across threads and processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
