from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from visionyard.data.catalog import describe_dataset
from visionyard.data.image_folder import SPLITS
from visionyard.storage.archive import (
    ArchiveError,
    ArchiveLimits,
    DestinationExists,
    UnsafeArchive,
    _Member,
    _write_member,
    extract_zip,
)


def png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (value, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression=method) as archive:
        warnings.simplefilter("ignore")  # duplicate names are built on purpose
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def write_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]], **kwargs) -> Path:
    path.write_bytes(make_zip(entries, **kwargs))
    return path


def every_file(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """An empty data root; the zips live elsewhere, so anything left here is a leftover."""
    (tmp_path / "uploads").mkdir()
    return tmp_path / "data"


GOOD = [
    ("mydata/train/cat/0.png", png(10)),
    ("mydata/train/cat/1.png", png(20)),
    ("mydata/train/dog/0.png", png(30)),
    ("mydata/val/cat/0.png", png(40)),
    ("mydata/val/dog/0.png", png(50)),
    ("mydata/.DS_Store", b"junk"),
    ("__MACOSX/mydata/train/cat/._0.png", b"resource fork"),
]


def test_a_zipped_dataset_folder_becomes_the_dataset(tmp_path: Path, place: Path):
    source = write_zip(tmp_path / "uploads" / "up.zip", GOOD)
    result = extract_zip(source, place / "pets")
    dest = place / "pets"
    assert result.unwrapped == "mydata" and result.files == 5 and result.skipped == 2
    assert result.bytes == sum(len(data) for name, data in GOOD[:5])
    assert every_file(dest) == {
        "train",
        "train/cat",
        "train/cat/0.png",
        "train/cat/1.png",
        "train/dog",
        "train/dog/0.png",
        "val",
        "val/cat",
        "val/cat/0.png",
        "val/dog",
        "val/dog/0.png",
    }
    assert (dest / "train/dog/0.png").read_bytes() == png(30)
    assert [p.name for p in place.iterdir()] == ["pets"]  # no staging folder left
    summary = describe_dataset(dest)
    assert summary.layout == "split_folders" and summary.class_counts["train"] == {"cat": 2, "dog": 1}


def test_a_stream_with_class_folders_at_the_top_is_taken_as_is(place: Path):
    data = make_zip([("a/1.png", png(1)), ("b/1.png", png(2)), ("b/", b"")], method=zipfile.ZIP_STORED)
    result = extract_zip(io.BytesIO(data), place / "flat", ArchiveLimits(max_files=2))
    assert result.unwrapped is None and every_file(place / "flat") == {"a", "a/1.png", "b", "b/1.png"}


@pytest.mark.parametrize(
    ("entries", "kept"),
    [
        ([("train/a/1.png", b"x"), ("train/b/1.png", b"y")], {"train", "train/a", "train/b"}),
        ([("cats/1.png", b"x"), ("cats/2.png", b"y")], {"cats"}),
    ],
    ids=["a split folder", "a class folder"],
)
def test_a_lone_split_or_class_folder_is_not_unwrapped(place: Path, entries, kept):
    """Split folders are content to a dataset's limits (``data.image_folder.archive_limits``)."""
    limits = ArchiveLimits(content_folders=frozenset(SPLITS))
    result = extract_zip(io.BytesIO(make_zip(entries)), place / "d", limits)
    assert result.unwrapped is None
    assert {p for p in every_file(place / "d") if "." not in p} == kept


def assert_nothing_left(tmp_path: Path, place: Path) -> None:
    assert not place.exists() or list(place.iterdir()) == []
    outside = {p.name for p in tmp_path.rglob("*")}
    assert "evil.txt" not in outside and not any(n.endswith(".extracting") for n in outside)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../evil.txt", "has a '..' component"),
        ("ok/../../evil.txt", "has a '..' component"),
        ("/tmp/evil.txt", "is an absolute path"),
        ("C:/evil.txt", "starts with a drive letter"),
        ("ok\\..\\..\\evil.txt", "has a backslash"),
        ("ok/evil\x01.txt", "has control characters"),
    ],
)
def test_unsafe_names_are_refused_naming_the_member(tmp_path: Path, place: Path, name: str, why: str):
    source = write_zip(tmp_path / "uploads" / "bad.zip", [("ok/a/1.png", png(1)), (name, b"pwned")])
    with pytest.raises(UnsafeArchive, match=re.escape(f"member {name!r} {why}")):
        extract_zip(source, place / "d")
    assert_nothing_left(tmp_path, place)


@pytest.mark.parametrize(
    ("mode", "message"),
    [(0o120777, "is a symbolic link"), (0o010644, "is a special file"), (0o020644, "is a special file")],
    ids=["symlink", "fifo", "char device"],
)
def test_links_and_special_files_are_refused(tmp_path: Path, place: Path, mode: int, message: str):
    entry = zipfile.ZipInfo("a/link.png")
    entry.create_system = 3
    entry.external_attr = mode << 16
    source = write_zip(tmp_path / "uploads" / "link.zip", [("a/1.png", png(1)), (entry, b"/etc/passwd")])
    with pytest.raises(UnsafeArchive, match=f"member 'a/link.png' {message}"):
        extract_zip(source, place / "d")
    assert_nothing_left(tmp_path, place)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["a/1.png", "a/1.png"], "member 'a/1.png' duplicates 'a/1.png'"),
        (["a/1.png", "./a//1.png"], "member './a//1.png' duplicates 'a/1.png'"),
        (["a/x", "a/x/1.png"], "member 'a/x' is a file, but 'a/x/1.png' uses it as a folder"),
    ],
)
def test_duplicates_and_file_folder_clashes_are_refused(tmp_path: Path, place: Path, names, message):
    data = make_zip([(n, png(i)) for i, n in enumerate(names)])
    with pytest.raises(UnsafeArchive, match=re.escape(message)):
        extract_zip(io.BytesIO(data), place / "d")
    assert_nothing_left(tmp_path, place)


def test_too_many_files_are_refused_before_anything_is_written(tmp_path: Path, place: Path):
    data = make_zip([(f"a/{i}.png", png(i)) for i in range(4)] + [("__MACOSX/._x", b"")])
    with pytest.raises(UnsafeArchive, match="holds 4 files; the limit is 3"):
        extract_zip(io.BytesIO(data), place / "d", ArchiveLimits(max_files=3))
    assert not place.exists()


def test_too_many_bytes_are_refused(tmp_path: Path, place: Path):
    data = make_zip([("a/1.bin", b"x" * 600), ("b/1.bin", b"y" * 600)])
    with pytest.raises(UnsafeArchive, match="unpacks to 1200 bytes; the limit is 1000"):
        extract_zip(io.BytesIO(data), place / "d", ArchiveLimits(max_bytes=1000))
    assert not place.exists()


def test_a_zip_bomb_member_is_refused_by_its_ratio(tmp_path: Path, place: Path):
    data = make_zip([("a/1.png", png(1)), ("a/bomb.bin", bytes(5 * 1024**2))])
    assert len(data) < 50_000
    with pytest.raises(UnsafeArchive, match=r"member 'a/bomb\.bin' expands 5242880 bytes .* zip bomb"):
        extract_zip(io.BytesIO(data), place / "d")
    assert not place.exists()


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local and central headers."""
    raw = bytearray(data)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = raw.find(signature)
        while at >= 0 and raw[at + name_at : at + name_at + len(encoded)] != encoded:
            at = raw.find(signature, at + 1)
        assert at >= 0
        raw[at + size_at : at + size_at + 4] = struct.pack("<I", size)
    return bytes(raw)


def test_a_zip_that_understates_a_size_fails_and_leaves_nothing(tmp_path: Path, place: Path):
    honest = make_zip([("a/1.png", png(1)), ("a/2.png", png(2)), ("a/big.bin", b"z" * 100_000)])
    lying = lie_about_size(honest, "a/big.bin", 10)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("a/big.bin").file_size == 10
    with pytest.raises(ArchiveError, match=re.escape("member 'a/big.bin' is corrupt: Bad CRC-32")):
        extract_zip(io.BytesIO(lying), place / "d", ArchiveLimits(max_bytes=50_000))
    assert_nothing_left(tmp_path, place)  # 1.png and 2.png were written, then removed


def test_a_zip_that_overstates_a_size_is_refused_on_its_word(place: Path):
    """The ratio (or total) check on the headers refuses it before a byte is written."""
    lying = lie_about_size(make_zip([("a/1.bin", b"x" * 100)]), "a/1.bin", 3 * 1024**3)
    with pytest.raises(UnsafeArchive, match="3221225472 bytes"):
        extract_zip(io.BytesIO(lying), place / "d")
    assert not place.exists()


def test_bytes_are_counted_while_streaming_whatever_the_header_says(tmp_path: Path):
    """The last line of defence: the copy stops at the budget it is given, not at the header's size."""
    archive = zipfile.ZipFile(io.BytesIO(make_zip([("a/big.bin", b"z" * 3_000_000)])))
    member = _Member(archive.getinfo("a/big.bin"), ("a", "big.bin"), is_dir=False)
    with pytest.raises(UnsafeArchive, match=re.escape("more than 2000000 bytes (at member 'a/big.bin')")):
        _write_member(archive, member, tmp_path / "big.bin", ArchiveLimits(max_bytes=2_000_000), 2_000_000)
    assert (tmp_path / "big.bin").stat().st_size <= 2_000_000


@pytest.mark.parametrize("payload", [b"", b"hello, not a zip", png(1)])
def test_not_a_zip_is_a_clear_error(tmp_path: Path, place: Path, payload: bytes):
    with pytest.raises(ArchiveError, match="not a zip file"):
        extract_zip(io.BytesIO(payload), place / "d")
    assert not place.exists()


def test_a_zip_of_only_junk_and_folders_holds_no_dataset(place: Path):
    data = make_zip([("empty/", b""), (".DS_Store", b"x"), ("__MACOSX/._a", b"y")])
    with pytest.raises(ArchiveError, match="holds no files"):
        extract_zip(io.BytesIO(data), place / "d")


def test_an_existing_destination_is_never_overwritten(tmp_path: Path, place: Path):
    (place / "d").mkdir(parents=True)
    (place / "d" / "keep.txt").write_text("mine")
    with pytest.raises(DestinationExists, match="'d' already exists"):
        extract_zip(io.BytesIO(make_zip(GOOD)), place / "d")
    assert every_file(place) == {"d", "d/keep.txt"} and (place / "d/keep.txt").read_text() == "mine"
    (place / "e").mkdir()  # even an empty one
    with pytest.raises(DestinationExists):
        extract_zip(io.BytesIO(make_zip(GOOD)), place / "e")
    assert list((place / "e").iterdir()) == []


def test_the_module_does_not_import_torch():
    code = (
        "import sys, visionyard.storage.archive, visionyard.data.catalog\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'torch', 'torchvision', 'lightning'})\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
