"""Datasets and configs at s3:// URIs, fetched from moto's S3 server into the cache, verified and reused."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import make_image_folder
from tests.s3 import S3Server
from visionyard.config import Settings
from visionyard.data import formats
from visionyard.data.image_folder import archive_limits
from visionyard.storage import remote
from visionyard.storage import s3 as store
from visionyard.storage.remote import RemoteError, RemoteNotFound, fetch_config


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys downloaded from now on."""
    seen: list[str] = []
    real = store.download

    def counting(fs, key, target, size, etag) -> None:
        seen.append(key.split("/", 1)[1])
        real(fs, key, target, size, etag)

    monkeypatch.setattr(store, "download", counting)
    return seen


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return make_image_folder(tmp_path / "source" / "x", classes=("a", "b"), per_class=3, size=16)


def fetch_dataset(settings: Settings, uri: str) -> Path:
    """A dataset fetched with a dataset's archive limits (the upload limits), as the services do."""
    return remote.fetch_dataset(settings, uri, archive_limits(settings))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_prefix_is_fetched_verified_and_reused(settings: Settings, s3: S3Server, bucket, dataset, downloads):
    keys = s3.put_folder(bucket, "datasets/x", dataset)
    uri = f"s3://{bucket}/datasets/x/"
    s3.client.put_object(Bucket=bucket, Key="datasets/x2/other.png", Body=b"not part of x")

    local = fetch_dataset(settings, uri)
    assert local.is_relative_to(settings.cache_dir / "remote") and local.name == "x"
    assert files_of(local) == files_of(dataset)
    assert sorted(downloads) == keys
    assert formats.load(local, "classification").classes == ["a", "b"]
    manifest = json.loads((local.parent / "manifest.json").read_text())
    assert manifest["uri"] == uri and manifest["objects"]["train/a/0.png"]["etag"].strip('"')

    downloads.clear()
    assert fetch_dataset(settings, uri.rstrip("/")) != local  # another URI, another cache slot
    downloads.clear()
    assert fetch_dataset(settings, uri) == local and downloads == []  # unchanged listing: nothing downloaded

    s3.client.put_object(Bucket=bucket, Key="datasets/x/train/a/0.png", Body=(dataset / "train/b/0.png").read_bytes())
    s3.client.delete_object(Bucket=bucket, Key="datasets/x/val/b/2.png")
    s3.client.put_object(Bucket=bucket, Key="datasets/x/val/b/9.png", Body=(dataset / "val/b/2.png").read_bytes())
    assert fetch_dataset(settings, uri) == local
    assert sorted(downloads) == ["datasets/x/train/a/0.png", "datasets/x/val/b/9.png"]  # only what changed
    assert (local / "train/a/0.png").read_bytes() == (dataset / "train/b/0.png").read_bytes()
    assert not (local / "val/b/2.png").exists() and (local / "val/b/9.png").is_file()

    downloads.clear()
    (local / "train/b/1.png").write_bytes(b"damaged")  # a cached file damaged (or removed) locally
    (local / "val/a/0.png").unlink()
    assert fetch_dataset(settings, uri) == local
    assert sorted(downloads) == ["datasets/x/train/b/1.png", "datasets/x/val/a/0.png"]
    assert (local / "train/b/1.png").read_bytes() == (dataset / "train/b/1.png").read_bytes()
    assert not [p for p in (settings.cache_dir / "remote").iterdir() if p.name.endswith(".tmp")]


def test_a_crash_mid_fetch_never_leaves_a_cache_that_looks_complete(
    settings: Settings, s3: S3Server, bucket, dataset, monkeypatch
):
    s3.put_folder(bucket, "d", dataset)
    uri = f"s3://{bucket}/d"
    real, calls = store.download, []

    def failing(fs, key, target, size, etag) -> None:
        calls.append(key)
        if len(calls) == 5:
            raise KeyboardInterrupt  # the process is killed mid-download
        real(fs, key, target, size, etag)

    monkeypatch.setattr(store, "download", failing)
    with pytest.raises(KeyboardInterrupt):
        fetch_dataset(settings, uri)
    slots = list((settings.cache_dir / "remote").iterdir())
    assert not [p for p in slots if not p.name.startswith(".")]  # no cache folder at all

    monkeypatch.setattr(store, "download", real)
    local = fetch_dataset(settings, uri)
    assert files_of(local) == files_of(dataset)

    s3.client.put_object(Bucket=bucket, Key="d/train/a/0.png", Body=b"changed")
    calls.clear()
    monkeypatch.setattr(store, "download", failing)
    s3.client.put_object(Bucket=bucket, Key="d/train/a/1.png", Body=b"changed")
    s3.client.put_object(Bucket=bucket, Key="d/train/a/2.png", Body=b"changed")
    s3.client.put_object(Bucket=bucket, Key="d/train/b/0.png", Body=b"changed")
    s3.client.put_object(Bucket=bucket, Key="d/train/b/1.png", Body=b"changed")
    with pytest.raises(KeyboardInterrupt):
        fetch_dataset(settings, uri)
    assert files_of(local) == files_of(dataset)  # the old version, whole, until a new one is
    monkeypatch.setattr(store, "download", real)
    assert fetch_dataset(settings, uri) == local and (local / "train/b/1.png").read_bytes() == b"changed"
    assert not [p for p in (settings.cache_dir / "remote").iterdir() if p.name.endswith(".tmp")]


def test_a_zip_object_is_extracted_safely_and_reused(settings: Settings, s3: S3Server, bucket, dataset, downloads):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(dataset.rglob("*.png")):
            archive.write(path, f"x/{path.relative_to(dataset).as_posix()}")
    s3.client.put_object(Bucket=bucket, Key="archives/x.zip", Body=buffer.getvalue())
    uri = f"s3://{bucket}/archives/x.zip"

    local = fetch_dataset(settings, uri)
    assert local.name == "x" and files_of(local) == files_of(dataset)  # the wrapping folder unwrapped
    assert downloads == ["archives/x.zip"] and not list(local.parent.glob("*.zip"))
    assert fetch_dataset(settings, uri) == local and downloads == ["archives/x.zip"]

    (local / "train/a/0.png").write_bytes(b"damaged")
    assert fetch_dataset(settings, uri) == local and len(downloads) == 2
    assert files_of(local) == files_of(dataset)

    s3.client.put_object(Bucket=bucket, Key="archives/evil.zip", Body=_zip({"../../etc/x.png": b"x"}))
    with pytest.raises(RemoteError, match=r"'\.\.'"):
        fetch_dataset(settings, f"s3://{bucket}/archives/evil.zip")
    s3.client.put_object(Bucket=bucket, Key="archives/junk.zip", Body=b"not a zip")
    with pytest.raises(RemoteError, match="not a zip"):
        fetch_dataset(settings, f"s3://{bucket}/archives/junk.zip")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_configs_are_single_yaml_objects(settings: Settings, s3: S3Server, bucket, downloads):
    s3.client.put_object(Bucket=bucket, Key="configs/job.yaml", Body=b"epochs: 1\n")
    path = fetch_config(settings, f"s3://{bucket}/configs/job.yaml")
    assert path.name == "job.yaml" and path.read_text() == "epochs: 1\n"
    assert fetch_config(settings, f"s3://{bucket}/configs/job.yaml") == path and len(downloads) == 1
    s3.client.put_object(Bucket=bucket, Key="configs/job.yaml", Body=b"epochs: 2\n")
    assert fetch_config(settings, f"s3://{bucket}/configs/job.yaml").read_text() == "epochs: 2\n"

    s3.client.put_object(Bucket=bucket, Key="configs/big.yaml", Body=b"#" * (1024**2 + 1))
    with pytest.raises(RemoteError, match="too big"):
        fetch_config(settings, f"s3://{bucket}/configs/big.yaml")
    with pytest.raises(RemoteError, match="YAML"):
        fetch_config(settings, f"s3://{bucket}/configs/notes.txt")
    with pytest.raises(RemoteNotFound, match="no such object"):
        fetch_config(settings, f"s3://{bucket}/configs/missing.yaml")


@pytest.mark.parametrize(
    ("uri", "error", "needle"),
    [
        ("s3://no-such-bucket/datasets/x/", RemoteNotFound, "no such bucket"),
        ("s3://{bucket}/datasets/empty/", RemoteNotFound, "no objects under this prefix"),
        ("s3://{bucket}/datasets/missing.zip", RemoteNotFound, "no such object"),
        ("s3://{bucket}/datasets/one.png", RemoteError, "is a single object"),
        ("s3:///datasets/x", RemoteError, "is not an s3:// URI"),
        ("https://example.com/x", RemoteError, "is not an s3:// URI"),
        ("s3://{bucket}/datasets/odd/", RemoteError, "backslash"),
    ],
)
def test_remote_datasets_fail_clearly(settings: Settings, s3: S3Server, bucket, uri, error, needle):
    s3.client.put_object(Bucket=bucket, Key="datasets/one.png", Body=b"x")
    s3.client.put_object(Bucket=bucket, Key="datasets/odd/a\\b.png", Body=b"x")
    with pytest.raises(error, match=needle):
        fetch_dataset(settings, uri.format(bucket=bucket))
    assert not (settings.cache_dir / "remote").exists() or not any(
        not p.name.startswith(".") for p in (settings.cache_dir / "remote").iterdir()
    )


def test_remote_datasets_are_bounded_like_uploads(tmp_path: Path, s3: S3Server, bucket, dataset):
    s3.put_folder(bucket, "x", dataset)
    tight = {"home": tmp_path / "home", "s3_endpoint_url": s3.endpoint}
    with pytest.raises(RemoteError, match="too big: 12 files"):
        fetch_dataset(Settings(**tight, upload_max_files=5), f"s3://{bucket}/x")
    with pytest.raises(RemoteError, match="too big"):
        fetch_dataset(Settings(**tight, upload_max_bytes=100), f"s3://{bucket}/x")


def test_without_s3fs_the_error_says_what_to_install(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "s3fs", None)
    with pytest.raises(RemoteError, match=r"visionyard\[s3\]"):
        fetch_dataset(settings, "s3://bucket/x/")
