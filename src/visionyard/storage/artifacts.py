"""The artifact store: the copy of record of run folders and published model versions.

HOME stays the working copy: training writes there and every reader opens local paths. Without
``VISIONYARD_STORAGE_URL`` HOME is also the store and nothing here does anything. With a storage URL
(``s3://bucket/prefix``, or any fsspec URL) a file ``HOME/<path>`` is kept at ``<url>/<path>``:
``push`` uploads what changed, ``ensure_local`` pulls back what is missing locally before it is read,
``delete`` removes the store's copy. See docs/storage.md. Torch-free.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from visionyard.storage import s3
from visionyard.storage.atomic import write_json
from visionyard.storage.s3 import PARALLEL, StorageError

if TYPE_CHECKING:
    from visionyard.config import Settings

log = logging.getLogger("visionyard.storage")

MANIFEST = ".pushed.json"
"""In a pushed folder: what was uploaded, as (size, mtime) per file, so the next push sends only changes."""
SKIPPED_SUFFIXES = (".tmp", ".partial")


class ArtifactStore:
    """HOME is the store (no storage URL): nothing to push, pull or delete. Paths are still checked."""

    remote = False

    def __init__(self, root: Path):
        self.root = root

    def relative(self, local_path: Path) -> PurePosixPath:
        """``local_path`` relative to HOME; ``ValueError`` for a path outside it (or HOME itself)."""
        path = Path(os.path.normpath(Path.cwd() / local_path))  # '..' resolved, links not followed
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"{local_path} is not inside {self.root}: the artifact store keeps HOME's files only")
        return PurePosixPath(path.relative_to(self.root).as_posix())

    def push(self, local_path: Path, remove_deleted: bool = False) -> int:
        """Upload a file, or the files of a folder changed since its last push; the number uploaded.

        ``remove_deleted``: also remove from the store the files this folder pushed before and that are
        gone here since (an old validation epoch, a pruned checkpoint). Only for a folder known to be whole
        locally: a file evicted from the working copy would be removed from the copy of record too."""
        self.relative(local_path)
        return 0

    def ensure_local(self, local_path: Path) -> Path:
        """``local_path``, pulled from the store first when it is missing here (a folder: its missing files)."""
        self.relative(local_path)
        return local_path

    def catch_up(self, local_path: Path) -> Path:
        """``local_path``, pulled again when the store's copy is longer: a file that only grows and that
        another host writes (a cluster run's log). A file written here is never longer in the store."""
        self.relative(local_path)
        return local_path

    def pull_copy(self, local_path: Path, target: Path) -> Path:
        """The store's copy of the file ``local_path`` downloaded to ``target``, a private copy beside a
        working copy that may be an older one; the path to read. (This store: ``local_path`` is the record.)"""
        self.relative(local_path)
        return local_path

    def exists(self, local_path: Path) -> bool:
        """Whether the file is here or in the store (nothing is downloaded)."""
        self.relative(local_path)
        return local_path.is_file()

    def delete(self, local_path: Path) -> None:
        """Remove the store's copy of a file or folder (the local copy is the caller's)."""
        self.relative(local_path)

    def describe(self) -> str:
        return f"local folder {self.root}"


class RemoteStore(ArtifactStore):
    """Files of HOME kept at ``<url>/<path relative to HOME>`` on an fsspec filesystem."""

    remote = True

    def __init__(self, root: Path, url: str, endpoint_url: str | None = None):
        import fsspec

        super().__init__(root)
        protocol, path = fsspec.core.split_protocol(url.rstrip("/"))
        self.protocol = (protocol or "file").lower()
        self.base = path.strip("/") if self.protocol in ("s3", "s3a") else path.rstrip("/")
        if not self.base:
            raise StorageError(f"storage URL {url!r} names no bucket or folder")
        self.url, self.endpoint_url = url.rstrip("/"), endpoint_url if self.protocol in ("s3", "s3a") else None
        self.fs = s3.filesystem(self.protocol, self.endpoint_url)
        self._atomic_rename = self.protocol in ("file", "local")
        """Object stores publish an upload whole; a plain folder is given a temp name and a rename."""

    def describe(self) -> str:
        return f"{self.url} via {self.endpoint_url}" if self.endpoint_url else self.url

    def key(self, relative: PurePosixPath | str) -> str:
        return f"{self.base}/{relative}"

    # ---- push ----------------------------------------------------------------------------------

    def push(self, local_path: Path, remove_deleted: bool = False) -> int:
        relative = self.relative(local_path)
        path = self.root / relative
        if path.is_file():
            return int(self._upload(path, relative))
        return self._push_folder(path, remove_deleted) if path.is_dir() else 0

    def _push_folder(self, folder: Path, remove_deleted: bool) -> int:
        own = self._read_manifest(folder / MANIFEST)
        known = dict(own)
        current: dict[str, list[int]] = {}
        for path in _walk(folder):
            if path.name == MANIFEST:
                known.update(self._read_manifest(path))
            elif not _skipped(path.relative_to(folder)):
                with contextlib.suppress(FileNotFoundError):
                    stat = path.stat()
                    current[str(self.relative(path))] = [stat.st_size, stat.st_mtime_ns]
        state = dict(own)
        uploaded = 0
        try:
            for rel, sig in sorted(current.items()):
                if known.get(rel) != sig:
                    if not self._upload(self.root / rel, PurePosixPath(rel)):
                        continue  # deleted meanwhile
                    uploaded += 1
                state[rel] = sig
            for rel in sorted(set(own) - set(current)) if remove_deleted else []:
                with contextlib.suppress(FileNotFoundError):
                    self._call(f"remove {rel} from", self.fs.rm_file, self.key(rel))
                state.pop(rel, None)
        finally:
            if state != own or not (folder / MANIFEST).is_file():
                write_json(folder / MANIFEST, {"store": self.describe(), "files": state})
        if uploaded:
            log.info("pushed %d file(s) of %s to %s", uploaded, self.relative(folder), self.describe())
        return uploaded

    def _upload(self, path: Path, relative: PurePosixPath) -> bool:
        """False when the local file vanished before it could be read."""
        try:
            self._call(f"upload {relative} to", self._put, path, self.key(relative))
        except FileNotFoundError:
            if not path.exists():
                return False
            raise StorageError(f"cannot upload {relative} to {self.describe()}: no such bucket or folder") from None
        return True

    def _put(self, path: Path, key: str) -> None:
        if not self._atomic_rename:
            self.fs.put_file(str(path), key)
            return
        self.fs.makedirs(key.rsplit("/", 1)[0], exist_ok=True)
        partial = f"{key}.{os.getpid()}.partial"
        self.fs.put_file(str(path), partial)
        self.fs.mv(partial, key)

    def _read_manifest(self, path: Path) -> dict[str, list[int]]:
        try:
            body = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        files = body.get("files") if isinstance(body, dict) and body.get("store") == self.describe() else None
        return {k: v for k, v in files.items() if isinstance(v, list)} if isinstance(files, dict) else {}

    # ---- pull ----------------------------------------------------------------------------------

    def ensure_local(self, local_path: Path) -> Path:
        relative = self.relative(local_path)
        path = self.root / relative
        if path.is_file():
            return local_path
        key = self.key(relative)
        if not path.exists():
            try:
                info = self._call(f"look up {relative} in", self.fs.info, key)
            except FileNotFoundError:
                return local_path
            if info.get("type") != "directory":
                self._pull(key, path, info)
                return local_path
        self._pull_folder(path, key)
        return local_path

    def catch_up(self, local_path: Path) -> Path:
        relative = self.relative(local_path)
        path, key = self.root / relative, self.key(relative)
        try:
            info = self._call(f"look up {relative} in", self.fs.info, key)
        except FileNotFoundError:
            return local_path
        if info.get("type") == "file" and (info.get("size") or 0) > (path.stat().st_size if path.is_file() else -1):
            self._pull(key, path, info)
        return local_path

    def pull_copy(self, local_path: Path, target: Path) -> Path:
        relative = self.relative(local_path)
        key = self.key(relative)
        try:
            info = self._call(f"look up {relative} in", self.fs.info, key)
        except FileNotFoundError:
            raise StorageError(f"{relative} is not in {self.describe()}") from None
        self._pull(key, target, info)
        return target

    def _pull_folder(self, folder: Path, key: str) -> None:
        """Every file under ``key`` that is missing locally (local files are never overwritten)."""
        try:
            listing = self._call(f"list {self.relative(folder)} in", self.fs.find, key + "/", detail=True)
        except FileNotFoundError:
            return
        missing = []
        for name, info in listing.items():
            if not name.startswith(key + "/"):
                continue  # a file named like the folder (find answers it for a prefix that is a file)
            parts = PurePosixPath(name.removeprefix(key + "/")).parts
            if not parts or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
                continue
            target = folder.joinpath(*parts)
            if not target.exists():
                missing.append((name, target, info))
        with ThreadPoolExecutor(PARALLEL) as pool:
            list(pool.map(lambda item: self._pull(*item), missing))
        if missing:
            log.info("pulled %d file(s) of %s from %s", len(missing), self.relative(folder), self.describe())

    def _pull(self, key: str, target: Path, info: dict[str, Any]) -> None:
        try:
            self._call(f"download {key} from", s3.download, self.fs, key, target, info.get("size"), info.get("ETag"))
        except FileNotFoundError:
            raise StorageError(f"cannot download {key} from {self.describe()}: it vanished meanwhile") from None

    def exists(self, local_path: Path) -> bool:
        relative = self.relative(local_path)
        if (self.root / relative).is_file():
            return True
        try:
            return self._call(f"look up {relative} in", self.fs.info, self.key(relative)).get("type") == "file"
        except FileNotFoundError:
            return False

    # ---- delete --------------------------------------------------------------------------------

    def delete(self, local_path: Path) -> None:
        relative = self.relative(local_path)
        key = self.key(relative)
        try:
            keys = [k for k in self._call(f"list {relative} in", self.fs.find, key + "/") if k.startswith(key + "/")]
        except FileNotFoundError:
            keys = []
        with contextlib.suppress(FileNotFoundError):
            if self._call(f"look up {relative} in", self.fs.info, key).get("type") == "file":
                keys.append(key)
        if keys:
            self._call(f"delete {relative} from", self.fs.rm, keys)
            log.info("deleted %d file(s) of %s from %s", len(keys), relative, self.describe())

    def _call(self, doing: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        return s3.call(f"{doing} {self.describe()}", method, *args, **kwargs)


def _walk(folder: Path) -> Iterator[Path]:
    for parent, _, files in os.walk(folder):
        for name in files:
            yield Path(parent, name)


def _skipped(relative: Path) -> bool:
    """Hidden files and folders (temp files of atomic writes, manifests) and partial files stay local."""
    return any(part.startswith(".") for part in relative.parts) or relative.name.endswith(SKIPPED_SUFFIXES)


def artifact_store(settings: Settings) -> ArtifactStore:
    """The store for these settings (one per HOME, URL and endpoint in a process)."""
    return _store(settings.root, settings.storage_url or None, settings.s3_endpoint_url or None)


@functools.lru_cache(maxsize=8)
def _store(root: Path, url: str | None, endpoint_url: str | None) -> ArtifactStore:
    return RemoteStore(root, url, endpoint_url) if url else ArtifactStore(root)
