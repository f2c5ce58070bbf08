from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import make_image_folder
from visionyard.data.catalog import NotADataset, describe_dataset, find_datasets, sample_images
from visionyard.storage.paths import PathOutsideRoot, resolve_under


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """Two datasets, and everything that must not be listed as one."""
    root = tmp_path / "data"
    make_image_folder(root / "split", per_class=4)
    make_image_folder(root / "flat", classes=("x", "y"), per_class=3, splits=("",))
    (root / "flat" / "x" / "notes.txt").write_text("not an image")
    (root / "flat" / "y" / "broken.png").write_bytes(b"not decoded by the catalog")
    make_image_folder(root / ".hidden", per_class=1)
    (root / "texts" / "a").mkdir(parents=True)
    (root / "texts" / "a" / "readme.md").write_text("hi")
    (root / "empty").mkdir()
    (root / "readme.txt").write_text("a file, not a folder")
    make_image_folder(tmp_path / "elsewhere", per_class=1)
    (root / "escape").symlink_to(tmp_path / "elsewhere")
    (root / "alias").symlink_to(root / "split")
    (root / "self").symlink_to(root)
    return root


def test_only_image_datasets_inside_the_root_are_found(data_root: Path):
    assert [d.name for d in find_datasets(data_root)] == ["alias", "flat", "split"]


def test_a_split_dataset_is_summarized(data_root: Path):
    summary = {d.name: d for d in find_datasets(data_root)}["split"]
    assert summary.layout == "split_folders" and summary.splits == ["train", "val"]
    assert summary.classes == ["a", "b", "c"] and summary.image_count == 24
    assert summary.class_counts == {"train": {"a": 4, "b": 4, "c": 4}, "val": {"a": 4, "b": 4, "c": 4}}
    assert summary.path == str((data_root / "split").resolve())
    assert describe_dataset(data_root / "alias").model_dump(exclude={"name"}) == summary.model_dump(exclude={"name"})


def test_a_flat_dataset_is_counted_by_extension_without_decoding(data_root: Path):
    summary = describe_dataset(data_root / "flat")
    assert summary.layout == "image_folder" and summary.splits == ["train"]
    assert summary.class_counts == {"train": {"x": 3, "y": 4}}  # broken.png counts: nothing is opened
    assert summary.non_image_count == 1 and summary.image_count == 7
    assert summary.model_dump(mode="json")["path"] == str((data_root / "flat").resolve())


def test_a_missing_root_has_no_datasets(tmp_path: Path):
    assert find_datasets(tmp_path / "nowhere") == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("texts", "'texts' is not an image dataset: no class folders with images under the folder"),
        ("empty", "'empty' is not an image dataset"),
        ("readme.txt", "'readme.txt' is not a folder"),
        ("missing", "'missing' is not a folder"),
    ],
)
def test_a_folder_that_is_not_a_dataset_gets_a_clear_error(data_root: Path, name: str, message: str):
    with pytest.raises(NotADataset, match=message):
        describe_dataset(data_root / name)


def test_a_split_layout_without_train_images_is_not_a_dataset(tmp_path: Path):
    make_image_folder(tmp_path / "d", per_class=1, splits=("val",))
    (tmp_path / "d" / "train").mkdir()
    with pytest.raises(NotADataset, match="no class folders with images under train/"):
        describe_dataset(tmp_path / "d")


def test_samples_are_spread_evenly_and_deterministic(tmp_path: Path):
    root = make_image_folder(tmp_path / "d", classes=("a", "b"), per_class=8)
    samples = sample_images(root, per_class=3)
    assert samples == sample_images(root, per_class=3)
    assert [(s.split, s.class_name) for s in samples[:6]] == [("train", "a")] * 3 + [("train", "b")] * 3
    assert [s.path for s in samples[:3]] == ["train/a/0.png", "train/a/2.png", "train/a/5.png"]
    assert len(samples) == 12 and {s.split for s in samples[6:]} == {"val"}
    for sample in samples:
        assert resolve_under(root, sample.path).is_file()
    val = sample_images(root, per_class=100, split="val")
    assert len(val) == 16 and {s.split for s in val} == {"val"}


def test_sample_arguments_are_checked(tmp_path: Path):
    root = make_image_folder(tmp_path / "d", per_class=1)
    with pytest.raises(ValueError, match="split 'test' is not in 'd'; it has: train, val"):
        sample_images(root, per_class=1, split="test")
    with pytest.raises(ValueError, match="per_class must be at least 1"):
        sample_images(root, per_class=0)


def test_samples_leave_out_what_could_not_be_served(tmp_path: Path):
    root = make_image_folder(tmp_path / "d", classes=("a",), per_class=1, splits=("",))
    make_image_folder(tmp_path / "secret", classes=("s",), per_class=1, splits=("",))
    (root / "a" / "link.png").symlink_to(tmp_path / "secret" / "s" / "0.png")
    (root / "a" / ".cache").mkdir()
    (root / "a" / ".cache" / "thumb.png").write_bytes((root / "a" / "0.png").read_bytes())
    assert [s.path for s in sample_images(root, per_class=10)] == ["a/0.png"]


@pytest.mark.parametrize(
    ("relative", "why"),
    [
        ("", "names no file or folder"),
        (".", "names no file or folder"),
        ("./", "names no file or folder"),
        ("/etc/passwd", "is an absolute path"),
        ("~/x", "is an absolute path"),
        ("C:/x", "starts with a drive letter"),
        ("../x", "has a '..' component"),
        ("a/../../x", "has a '..' component"),
        ("a/..", "has a '..' component"),
        ("a\x00.png", "has control characters"),
        ("a/\n.png", "has control characters"),
        ("a\\..\\x", "has a backslash"),
        (".hidden/0.png", "has a hidden component"),
        ("a/.env", "has a hidden component"),
        ("a" * 5000, "is too long"),
    ],
)
def test_resolve_under_refuses_unsafe_paths(tmp_path: Path, relative: str, why: str):
    with pytest.raises(PathOutsideRoot, match=f"{why}$"):
        resolve_under(tmp_path, relative)


def test_resolve_under_follows_links_only_inside_the_root(tmp_path: Path):
    root = tmp_path / "root"
    (root / "d" / "a").mkdir(parents=True)
    (root / "d" / "a" / "0.png").write_bytes(b"x")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.png").write_bytes(b"s")
    (root / "d" / "out").symlink_to(tmp_path / "outside")
    (root / "d" / "in").symlink_to(root / "d" / "a")
    (root / "d" / "up").symlink_to(root)
    (root / "loop").symlink_to(root / "loop")

    assert resolve_under(root, "d/a/0.png") == (root / "d" / "a" / "0.png").resolve()
    assert resolve_under(root, "d//a/./0.png") == (root / "d" / "a" / "0.png").resolve()
    assert resolve_under(root, "d/in/0.png") == (root / "d" / "a" / "0.png").resolve()
    assert resolve_under(root, "new-dataset") == root.resolve() / "new-dataset"  # need not exist
    assert resolve_under(root / "d", ".hidden", allow_hidden=True) == (root / "d" / ".hidden").resolve()
    for escape in ("d/out/secret.png", "d/out", "d/up"):
        with pytest.raises(PathOutsideRoot, match="leads outside its root"):
            resolve_under(root, escape)
    with pytest.raises(PathOutsideRoot):
        resolve_under(root, "loop/x")


def test_resolve_under_works_through_a_linked_root(tmp_path: Path):
    make_image_folder(tmp_path / "real" / "d", classes=("a",), per_class=1, splits=("",))
    os.symlink(tmp_path / "real", tmp_path / "linked")
    assert resolve_under(tmp_path / "linked", "d/a/0.png") == (tmp_path / "real" / "d" / "a" / "0.png")
