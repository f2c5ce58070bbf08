from __future__ import annotations

from pathlib import Path

from tests.helpers import make_image_folder
from visionyard.data.checks import check_image_folder
from visionyard.data.demo import write_demo_datasets
from visionyard.data.image_folder import scan_folder, stratified_split


def kinds(root: Path) -> dict[str, list[str]]:
    report, _ = check_image_folder(root)
    found: dict[str, list[str]] = {}
    for issue in report.issues:
        found.setdefault(issue.kind, []).append(f"{issue.severity}:{issue.path}:{issue.message}")
    return found


def test_a_clean_folder_has_no_issues(tmp_path: Path):
    report, _ = check_image_folder(make_image_folder(tmp_path / "ok"))
    assert report.issues == [] and report.classes == ["a", "b", "c"]
    assert report.counts["val"] == {"a": 8, "b": 8, "c": 8}


def test_every_kind_of_problem_is_reported_with_where(tmp_path: Path):
    root = make_image_folder(tmp_path / "bad", per_class=3)
    (root / "train" / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (root / "train" / "a" / "notes.txt").write_text("hello")
    (root / "train" / "empty").mkdir()
    make_image_folder(root, classes=("zebra",), per_class=1, splits=("val",))
    found = kinds(root)
    assert found["corrupt_image"][0].startswith(f"error:{root / 'train' / 'a' / 'broken.png'}:cannot decode")
    assert found["non_image"] == [f"warning:{root / 'train' / 'a' / 'notes.txt'}:not an image file; skipped"]
    assert "class 'empty' has no images in train" in found["empty_class"][0]
    assert "val has classes that train lacks: zebra" in found["unknown_class"][0]
    assert "val has no folder for: empty" in found["missing_class"][0]


def test_skip_invalid_images_unblocks_only_corrupt_files(tmp_path: Path):
    root = make_image_folder(tmp_path / "bad", per_class=3)
    (root / "train" / "a" / "broken.jpg").write_bytes(b"\xff\xd8garbage")
    report, _ = check_image_folder(root)
    assert [i.kind for i in report.blocking(skip_invalid_images=False)] == ["corrupt_image"]
    assert report.blocking(skip_invalid_images=True) == []
    assert report.invalid_files == {str(root / "train" / "a" / "broken.jpg")}


def test_missing_and_empty_datasets_say_so(tmp_path: Path):
    assert "does not exist" in kinds(tmp_path / "nope")["missing"][0]
    (tmp_path / "empty").mkdir()
    assert "no class folders with images" in kinds(tmp_path / "empty")["empty"][0]


def test_stratified_split_is_seeded_and_keeps_every_class(tmp_path: Path):
    scan = scan_folder(make_image_folder(tmp_path / "flat", per_class=10, splits=("",)))
    train, val = stratified_split(scan.files["train"], 0.2, seed=1)
    again_train, again_val = stratified_split(scan.files["train"], 0.2, seed=1)
    assert (train, val) == (again_train, again_val)
    assert {k: len(v) for k, v in val.items()} == {"a": 2, "b": 2, "c": 2}
    assert not set(train["a"]) & set(val["a"])


def test_demo_writes_digits_from_scikit_learn(tmp_path: Path):
    folders = write_demo_datasets(tmp_path)
    report, _ = check_image_folder(folders["digits"])
    assert report.issues == []
    assert report.classes == [str(d) for d in range(10)]
    assert sum(sum(split.values()) for split in report.counts.values()) == 1797
