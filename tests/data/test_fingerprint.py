"""Dataset fingerprints: the same files give the same hash wherever they lie; any change shows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.helpers import make_image_folder
from visionyard.data.fingerprint import fingerprint


def test_the_fingerprint_follows_names_sizes_and_contents_not_places_or_dates(tmp_path: Path):
    first = make_image_folder(tmp_path / "a", per_class=2)
    print_a = fingerprint(first)
    assert print_a.digest.startswith("sha256:") and len(print_a.digest) == 71
    assert print_a.files == 12 and print_a.bytes == sum(p.stat().st_size for p in first.rglob("*.png"))

    copy = tmp_path / "elsewhere" / "b"
    shutil.copytree(first, copy)
    os.utime(copy / "train" / "a" / "0.png", (1, 1))
    (copy / ".DS_Store").write_bytes(b"finder")
    (copy / ".cache").mkdir()
    (copy / ".cache" / "x").write_bytes(b"junk")
    assert fingerprint(copy) == print_a

    data = bytearray((copy / "val" / "b" / "1.png").read_bytes())
    data[-5] ^= 0xFF
    (copy / "val" / "b" / "1.png").write_bytes(bytes(data))
    assert fingerprint(copy).digest != print_a.digest

    (first / "train" / "a" / "0.png").rename(first / "train" / "a" / "renamed.png")
    assert fingerprint(first).digest != print_a.digest


def test_content_hashes_are_cached_by_size_and_date(tmp_path: Path):
    folder = make_image_folder(tmp_path / "a", per_class=2)
    cache = tmp_path / "cache"
    first = fingerprint(folder, cache)
    assert len(list((cache / "fingerprints").glob("*.json"))) == 1
    assert fingerprint(folder, cache) == first

    image = folder / "train" / "a" / "0.png"
    stat = image.stat()
    data = bytearray(image.read_bytes())
    data[-5] ^= 0xFF
    image.write_bytes(bytes(data))
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert fingerprint(folder, cache).digest != first.digest
