"""Dataset use cases: find, register, upload and describe datasets under the data roots.

Paths never come from a request unchecked: a dataset is a name (a folder directly under a data
root, or a registered folder inside one), or a path that resolves inside a data root.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from visionyard.common.errors import Invalid, NotFound
from visionyard.data import catalog, formats
from visionyard.data.catalog import DatasetSummary, SampleImage
from visionyard.data.checks import DatasetReport
from visionyard.data.image_folder import IMAGE_SUFFIXES, archive_limits
from visionyard.db.models import Dataset
from visionyard.storage import remote
from visionyard.storage.archive import ArchiveError, extract_zip
from visionyard.storage.paths import PathOutsideRoot, inside, is_dir, is_file, resolve_under

if TYPE_CHECKING:
    from visionyard.core.context import Context

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class DatasetNotFound(NotFound):
    code = "dataset_not_found"

    def __init__(self, ref: str, known: list[str]):
        self.ref = ref
        hint = f"; known datasets: {', '.join(known[:20])}" if known else "; run `visionyard demo` for demo data"
        super().__init__(f"dataset {ref!r} not found{hint}")


class RemoteDatasetNotFound(DatasetNotFound):
    """An ``s3://`` dataset whose bucket, object or prefix is not there (the message says which)."""

    def __init__(self, ref: str, reason: str):
        LookupError.__init__(self, f"dataset {reason}")
        self.ref = ref


class DatasetRejected(Invalid):
    """A dataset request that cannot be honoured as given (bad name, path outside the roots, ...)."""

    code = "invalid_dataset"


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name) or name in (".", ".."):
        raise DatasetRejected(f"invalid dataset name {name!r}: letters, digits, '.', '_' and '-' only")
    return name


def inside_roots(ctx: Context, path: Path) -> Path | None:
    """``path`` resolved, if it lies inside a data root (links followed), else None (also for a path
    the file system cannot take: a NUL byte, a lone surrogate, a link loop)."""
    return next((found for root in ctx.settings.data_roots if (found := inside(path, root)) is not None), None)


def registered(ctx: Context) -> dict[str, Path]:
    with ctx.db.session() as session:
        return {d.name: Path(d.path) for d in session.query(Dataset).all()}


def found(ctx: Context) -> dict[str, Path]:
    """Folders directly under each data root, the first root winning a name."""
    names: dict[str, Path] = {}
    for root in reversed(ctx.settings.data_roots):
        if root.is_dir():
            for child in root.iterdir():
                if child.is_dir() and not child.name.startswith(".") and inside_roots(ctx, child):
                    names[child.name] = child.resolve()
    return names


def known(ctx: Context) -> dict[str, Path]:
    return {**found(ctx), **registered(ctx)}


def resolve(ctx: Context, ref: str) -> tuple[str, Path]:
    """(name, folder) of a dataset given by name, or by a path inside a data root; or an ``s3://`` URI
    (a prefix or a .zip), named by its URI and fetched into the cache (docs/storage.md)."""
    if remote.is_remote(ref):
        return ref, fetch_remote(ctx, ref)
    datasets = known(ctx)
    if ref in datasets:
        return ref, datasets[ref]
    if "/" in ref and "\x00" not in ref:
        path = inside_roots(ctx, Path(ref) if Path(ref).is_absolute() else ctx.settings.data_root / ref)
        if path is not None and is_dir(path):
            return path.name, path
    raise DatasetNotFound(ref, sorted(datasets))


def fetch_remote(ctx: Context, uri: str) -> Path:
    """The cache folder of a remote dataset, brought up to date; its errors as the dataset errors."""
    try:
        return remote.fetch_dataset(ctx.settings, uri, archive_limits(ctx.settings))
    except remote.RemoteNotFound as exc:
        raise RemoteDatasetNotFound(uri, str(exc)) from exc
    except remote.RemoteError as exc:
        raise DatasetRejected(str(exc)) from exc


def list_datasets(ctx: Context) -> list[DatasetSummary]:
    summaries = []
    for name, path in sorted(known(ctx).items()):
        try:
            summaries.append(catalog.describe_dataset(path).model_copy(update={"name": name}))
        except (catalog.NotADataset, OSError):
            continue
    return summaries


def describe(ctx: Context, name: str, task: str | None = None) -> tuple[DatasetSummary, DatasetReport]:
    """Summary and the full check (every image opened), as training would see it: read for
    ``task``, or for the first task the data can train."""
    _, path = resolve(ctx, name)
    summary = _describe(name, path)
    if task is not None and task not in summary.tasks:
        raise DatasetRejected(f"dataset {name!r} has no {task} data; it can train: {', '.join(summary.tasks)}")
    try:
        data = formats.load(path, task or summary.tasks[0], verify=True)
    except formats.FormatMismatch as exc:
        raise DatasetRejected(str(exc)) from exc
    return summary, data.report


def register(ctx: Context, name: str, path: str) -> DatasetSummary:
    """Give a folder inside a data root a name (it must hold an image dataset)."""
    check_name(name)
    folder = inside_roots(ctx, Path(path) if Path(path).is_absolute() else ctx.settings.data_root / path)
    if folder is None or not is_dir(folder):
        raise DatasetRejected(f"{path!r} is not a folder inside a data root ({_roots(ctx)})")
    if name in known(ctx):
        raise DatasetRejected(f"a dataset named {name!r} exists already")
    summary = _describe(name, folder)
    with ctx.db.write() as session:
        session.add(Dataset(name=name, path=str(folder), source="registered"))
    return summary


def upload(ctx: Context, name: str, archive: Path) -> DatasetSummary:
    """Extract an uploaded zip safely into ``<data root>/<name>``."""
    check_name(name)
    if name in known(ctx):
        raise DatasetRejected(f"a dataset named {name!r} exists already")
    limits = archive_limits(ctx.settings)
    destination = ctx.settings.data_root / name
    ctx.settings.data_root.mkdir(parents=True, exist_ok=True)
    try:
        extract_zip(archive, destination, limits)
    except ArchiveError as exc:
        raise DatasetRejected(str(exc)) from exc
    try:
        summary = _describe(name, destination)
    except DatasetRejected:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    with ctx.db.write() as session:
        session.add(Dataset(name=name, path=str(destination), source="uploaded"))
    return summary


def samples(ctx: Context, name: str, per_class: int, split: str | None) -> list[SampleImage]:
    _, path = resolve(ctx, name)
    try:
        return catalog.sample_images(path, per_class, split)
    except ValueError as exc:
        raise DatasetRejected(str(exc)) from exc


def image_file(ctx: Context, name: str, relative: str) -> Path:
    """An image of a dataset, by its path relative to the dataset folder (checked strictly)."""
    _, root = resolve(ctx, name)
    try:
        path = resolve_under(root, relative)
    except PathOutsideRoot as exc:
        raise DatasetRejected(str(exc)) from exc
    if not is_file(path) or path.suffix.lower() not in IMAGE_SUFFIXES:
        raise DatasetNotFound(f"{name}/{relative}", [])
    return path


def _describe(name: str, path: Path) -> DatasetSummary:
    try:
        return catalog.describe_dataset(path).model_copy(update={"name": name})
    except catalog.NotADataset as exc:
        raise DatasetRejected(str(exc)) from exc


def _roots(ctx: Context) -> str:
    return ", ".join(str(r) for r in ctx.settings.data_roots)
