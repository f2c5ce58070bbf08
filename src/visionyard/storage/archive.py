"""Safe extraction of an uploaded zip into a new dataset folder.

Every member name is checked before anything is written: no absolute paths, drive letters, ``..``,
backslashes, control characters, links or device entries, duplicates, or a name that is both a file
and a folder. Sizes in the headers are only a first screen: the bytes actually written are counted
while streaming and extraction stops at the limit. Everything is written into a hidden staging
folder beside the destination and renamed into place only when all of it succeeded, so a failure
leaves nothing behind and an existing folder is never overwritten.

Torch-free: the API process calls this on uploads.
"""

from __future__ import annotations

import contextlib
import errno
import lzma
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, NoReturn

from pydantic import BaseModel, ConfigDict, Field

from visionyard.common.errors import Invalid
from visionyard.storage.paths import inside, name_parts

MiB = 1024**2
GiB = 1024**3
CHUNK = MiB
JUNK_FOLDERS = frozenset({"__MACOSX"})
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_NAME_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL})


class ArchiveError(Invalid):
    """The upload cannot be turned into a dataset as given (not a zip, corrupt, destination taken)."""

    code = "invalid_archive"


class UnsafeArchive(ArchiveError):
    """A member, or the archive as a whole, breaks a safety rule or a limit."""


class DestinationExists(ArchiveError):
    """The dataset folder is already there; it is never overwritten."""


class ArchiveLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_files: int = Field(100_000, gt=0, description="most files (folders and skipped junk not counted)")
    max_bytes: int = Field(2 * GiB, gt=0, description="most bytes written, all members together")
    max_ratio: float = Field(200.0, gt=1, description="largest uncompressed/compressed ratio of one member")
    ratio_floor: int = Field(MiB, ge=0, description="members up to this size are not ratio-checked")
    content_folders: frozenset[str] = Field(frozenset(), description="top folders that are content, never unwrapped")


class ExtractResult(BaseModel):
    path: str
    files: int
    bytes: int
    skipped: int = Field(description="macOS/Windows junk entries left out")
    unwrapped: str | None = Field(None, description="the single top-level folder whose contents became the root")


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]
    is_dir: bool

    @property
    def name(self) -> str:
        return self.info.filename


def extract_zip(
    source: Path | BinaryIO,
    destination: Path,
    limits: ArchiveLimits | None = None,
    *,
    durable: bool = True,
) -> ExtractResult:
    """Extract ``source`` into the new folder ``destination``; all of it, or nothing and an error.

    A zip holding one top-level folder (``mydata/train/a/1.jpg``) becomes that folder's contents,
    unless the folder is one of ``limits.content_folders`` or holds only loose files (then it is a class).
    ``durable`` flushes the files to disk before the final rename.
    """
    limits = limits or ArchiveLimits()
    destination = Path(destination)
    if destination.name in ("", ".", ".."):
        raise ArchiveError(f"invalid destination folder {str(destination)!r}")
    with _open_zip(source) as archive:
        members, skipped = _plan(archive.infolist(), limits)
        members, unwrapped = _unwrap(members, limits.content_folders)
        staging = _reserve(destination)
        try:
            files, written = _write_all(archive, members, staging, limits)
            _publish(staging, destination, durable)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(OSError):
                destination.rmdir()  # only our empty reservation; a folder with anything in it stays
            raise
    return ExtractResult(path=str(destination), files=files, bytes=written, skipped=skipped, unwrapped=unwrapped)


def _open_zip(source: Path | BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ArchiveError(f"not a zip file: {exc}") from exc


def member_parts(name: str) -> tuple[str, ...]:
    """The path components of one member name, or ``UnsafeArchive`` naming it and why."""
    parts, reason = name_parts(name)
    if reason:
        raise UnsafeArchive(f"member {name!r} {reason}")
    return parts


def _check_entry(info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    name, mode = info.filename, info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeArchive(f"member {name!r} is a symbolic link; links are not allowed")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise UnsafeArchive(f"member {name!r} is a special file (mode {oct(mode)})")
    if info.flag_bits & 0x1:
        raise UnsafeArchive(f"member {name!r} is encrypted")
    if info.compress_type not in METHODS:
        raise UnsafeArchive(f"member {name!r} uses an unsupported compression method ({info.compress_type})")
    if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise UnsafeArchive(
            f"member {name!r} expands {info.file_size} bytes from {info.compress_size} "
            f"(more than {limits.max_ratio:g}x): refused as a zip bomb"
        )


def _plan(infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> tuple[list[_Member], int]:
    """Check every entry and decide what is written; nothing touches the disk here."""
    members: list[_Member] = []
    seen: dict[tuple[str, ...], str] = {}
    skipped = 0
    for info in infos:
        parts = member_parts(info.filename)
        _check_entry(info, limits)
        if parts in seen:
            raise UnsafeArchive(f"member {info.filename!r} duplicates {seen[parts]!r}")
        seen[parts] = info.filename
        if any(p in JUNK_FOLDERS for p in parts) or parts[-1] in JUNK_FILES or parts[-1].startswith("._"):
            skipped += 1
            continue
        is_dir = info.is_dir() or stat.S_ISDIR(info.external_attr >> 16)
        members.append(_Member(info, parts, is_dir))
    files = [m for m in members if not m.is_dir]
    if not files:
        raise ArchiveError("the archive holds no files")
    if len(files) > limits.max_files:
        raise UnsafeArchive(f"the archive holds {len(files)} files; the limit is {limits.max_files}")
    declared = sum(m.info.file_size for m in files)
    if declared > limits.max_bytes:
        raise UnsafeArchive(f"the archive unpacks to {declared} bytes; the limit is {limits.max_bytes}")
    _check_file_folder_clash(files)
    return members, skipped


def _check_file_folder_clash(files: list[_Member]) -> None:
    folders = {m.parts[:i]: m.name for m in files for i in range(1, len(m.parts))}
    for m in files:
        if m.parts in folders:
            raise UnsafeArchive(f"member {m.name!r} is a file, but {folders[m.parts]!r} uses it as a folder")


def _unwrap(members: list[_Member], content_folders: frozenset[str]) -> tuple[list[_Member], str | None]:
    """Drop a single top-level folder that wraps everything (a zipped dataset folder)."""
    tops = {m.parts[0] for m in members}
    files = [m for m in members if not m.is_dir]
    if len(tops) != 1 or any(len(m.parts) == 1 for m in files):
        return members, None
    top = tops.pop()
    if top in content_folders or not any(len(m.parts) >= 3 for m in files):
        return members, None
    return [replace(m, parts=m.parts[1:]) for m in members if len(m.parts) > 1], top


def _reserve(destination: Path) -> Path:
    """Claim ``destination`` (an empty folder) and make the staging folder beside it."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        destination.mkdir()
    except FileExistsError:
        raise DestinationExists(f"{destination.name!r} already exists; choose another name") from None
    try:
        return Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".extracting", dir=destination.parent))
    except BaseException:
        destination.rmdir()
        raise


def _publish(staging: Path, destination: Path, durable: bool) -> None:
    if durable and hasattr(os, "sync"):
        os.sync()  # one flush for every file written, instead of an fsync per file
    try:
        staging.rename(destination)  # replaces only our own, still empty, reservation
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise DestinationExists(f"{destination.name!r} was filled by someone else meanwhile") from None
        raise
    if durable:
        fd = os.open(destination.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_all(
    archive: zipfile.ZipFile, members: list[_Member], staging: Path, limits: ArchiveLimits
) -> tuple[int, int]:
    root = staging.resolve()
    files = written = 0
    for member in members:
        target = root.joinpath(*member.parts)
        if inside(target, root) is None:
            raise UnsafeArchive(f"member {member.name!r} resolves outside the destination")
        if member.is_dir:
            _make_folder(target, member)
            continue
        _make_folder(target.parent, member)
        written += _write_member(archive, member, target, limits, limits.max_bytes - written)
        files += 1
    return files, written


def _make_folder(folder: Path, member: _Member) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UnsafeArchive(f"member {member.name!r} clashes with a file of the same name") from None
    except OSError as exc:
        _raise_for_name(exc, member)


def _write_member(archive: zipfile.ZipFile, member: _Member, target: Path, limits: ArchiveLimits, budget: int) -> int:
    """Stream one member to a new file; count what is really written, not what the header says."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags, 0o644)
    except FileExistsError:
        raise UnsafeArchive(f"member {member.name!r} duplicates another entry on this filesystem") from None
    except OSError as exc:
        _raise_for_name(exc, member)
    ratio_cap = max(limits.ratio_floor, limits.max_ratio * max(member.info.compress_size, 1))
    written = 0
    with os.fdopen(fd, "wb") as out, _open_member(archive, member) as src:
        while chunk := _read(src, member):
            written += len(chunk)
            if written > budget:
                raise UnsafeArchive(
                    f"the archive unpacks to more than {limits.max_bytes} bytes (at member {member.name!r})"
                )
            if written > ratio_cap:
                raise UnsafeArchive(f"member {member.name!r} expands more than {limits.max_ratio:g}x: a zip bomb")
            out.write(chunk)
    return written


_CORRUPT = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError, OSError)


def _open_member(archive: zipfile.ZipFile, member: _Member) -> zipfile.ZipExtFile:
    try:
        return archive.open(member.info)
    except _CORRUPT as exc:
        raise ArchiveError(f"member {member.name!r} cannot be read: {exc}") from exc


def _read(src: zipfile.ZipExtFile, member: _Member) -> bytes:
    try:
        return src.read(CHUNK)
    except _CORRUPT as exc:  # CRC mismatch, truncated or garbled data, a header that lies about the size
        raise ArchiveError(f"member {member.name!r} is corrupt: {exc}") from exc


def _raise_for_name(exc: OSError, member: _Member) -> NoReturn:
    if exc.errno in _NAME_ERRNOS:
        raise ArchiveError(f"member {member.name!r} cannot be created here: {exc.strerror}") from exc
    raise exc
