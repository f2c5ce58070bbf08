"""Recognising layouts, choosing one for a task, classification through the same interface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.data.dataset_files import broken, kinds, png, write, write_json
from tests.helpers import make_image_folder
from visionyard.common.tasks import format_tasks
from visionyard.data import formats
from visionyard.data.checks import DatasetIssue, DatasetReport
from visionyard.data.formats import ClassSample, FormatMismatch


def test_the_formats_and_their_tasks():
    assert format_tasks() == {
        "image_folder": ["classification"],
        "coco": ["detection", "segmentation", "instance_segmentation"],
        "yolo": ["detection"],
        "masks": ["segmentation"],
        "levir_cd": ["change_detection"],
    }


def layouts(root: Path) -> dict[str, Path]:
    made = {
        "image_folder": make_image_folder(root / "classes", per_class=1),
        "flat": make_image_folder(root / "flat", per_class=1, splits=("",)),
        "coco": write(root / "coco" / "train" / "annotations.json", "not even parsed"),
        "roboflow": write(root / "roboflow" / "valid" / "x.txt", ""),
        "coco_official": write(root / "coco_official" / "annotations" / "instances_val2017.json", "not parsed"),
        "cvat": write(root / "cvat" / "annotations" / "instances_default.json", "not parsed"),
        "yolo_top": png(root / "yolo_top" / "images" / "train" / "a.png"),
        "yolo_nested": png(root / "yolo_nested" / "val" / "images" / "a.png"),
        "yolo_yaml": png(root / "yolo_yaml" / "data" / "images" / "a.png"),
        "masks": png(root / "masks" / "test" / "images" / "a.png"),
        "levir": png(root / "levir" / "train" / "A" / "a.png"),
    }
    write(root / "roboflow" / "val" / "_annotations.coco.json", "{}")
    (root / "yolo_top" / "labels" / "train").mkdir(parents=True)
    (root / "yolo_nested" / "val" / "labels").mkdir(parents=True)
    write(root / "yolo_yaml" / "data.yaml", "train: data/images\n")
    (root / "yolo_yaml" / "data" / "labels").mkdir()
    (root / "masks" / "test" / "masks").mkdir(parents=True)
    for part in ("B", "label"):
        (root / "levir" / "train" / part).mkdir(parents=True)
    return made


def test_sniffing_names_the_layouts_without_opening_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    layouts(tmp_path)
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("sniffing opened an image"))
    found = {name: formats.sniff(tmp_path / name) for name in sorted(p.name for p in tmp_path.iterdir())}
    assert found == {
        "classes": ["image_folder"],
        "flat": ["image_folder"],
        "coco": ["coco"],
        "roboflow": ["coco"],
        "coco_official": ["coco"],
        "cvat": ["coco"],
        "yolo_top": ["yolo"],  # its images/ folder is not a class
        "yolo_nested": ["yolo"],
        "yolo_yaml": ["yolo"],  # from the folder data.yaml names
        "masks": ["masks"],
        "levir": ["levir_cd"],
    }


def test_sniffing_finds_every_layout_a_folder_holds_and_nothing_elsewhere(tmp_path: Path):
    png(tmp_path / "both" / "train" / "images" / "a.png")
    write_json(tmp_path / "both" / "train" / "annotations.json", {})
    (tmp_path / "both" / "train" / "masks").mkdir()
    assert formats.sniff(tmp_path / "both") == ["coco", "masks"]
    (tmp_path / "empty").mkdir()
    write(tmp_path / "texts" / "a" / "notes.md", "hi")
    make_image_folder(tmp_path / "val_only", per_class=1, splits=("val",))
    (tmp_path / "val_only" / "train").mkdir()
    for name in ("empty", "texts", "val_only", "missing"):
        assert formats.sniff(tmp_path / name) == [], name
    assert formats.sniff(write(tmp_path / "file.txt", "x")) == []


def test_a_task_the_folder_has_no_layout_for_is_a_format_mismatch(tmp_path: Path):
    made = layouts(tmp_path)
    with pytest.raises(FormatMismatch, match="'coco' has no classification data: it holds coco; classification reads"):
        formats.load(tmp_path / "coco", "classification")
    with pytest.raises(FormatMismatch, match=r"no detection data: it holds image_folder; detection reads coco: .*yolo"):
        formats.load(made["image_folder"], "detection")
    with pytest.raises(FormatMismatch, match="the folder does not exist"):
        formats.load(tmp_path / "nowhere", "segmentation")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormatMismatch, match="no known layout is there"):
        formats.load(tmp_path / "empty", "change_detection")
    with pytest.raises(ValueError, match="unknown task 'captioning'"):
        formats.load(made["image_folder"], "captioning")
    assert issubclass(FormatMismatch, ValueError)


def test_classification_reads_image_folders_as_class_samples(tmp_path: Path):
    root = make_image_folder(tmp_path / "d", classes=("a", "b"), per_class=2)
    broken(root / "train" / "b" / "broken.png")
    write(root / "train" / "a" / "notes.txt", "x")
    data = formats.load(root, "classification")
    assert (data.task, data.format, data.classes) == ("classification", "image_folder", ["a", "b"])
    assert data.splits["train"] == [
        ClassSample(root / "train" / "a" / "0.png", 0),
        ClassSample(root / "train" / "a" / "1.png", 0),
        ClassSample(root / "train" / "b" / "0.png", 1),
        ClassSample(root / "train" / "b" / "1.png", 1),
    ]
    assert len(data.splits["val"]) == 4 and "test" not in data.splits
    assert kinds(data.report) == ["corrupt_image", "non_image"]
    assert (data.report.task, data.report.format) == ("classification", "image_folder")
    assert data.report.counts["train"] == {"a": 2, "b": 3}  # images found, before the check
    assert [i.kind for i in data.report.blocking(skip_invalid_images=False)] == ["corrupt_image"]
    assert data.report.blocking(skip_invalid_images=True) == []

    quick = formats.load(root, "classification", verify=False)
    assert kinds(quick.report) == ["non_image"] and len(quick.splits["train"]) == 5


def test_a_flat_folder_is_all_train(tmp_path: Path):
    root = make_image_folder(tmp_path / "flat", classes=("x", "y"), per_class=3, splits=("",))
    data = formats.load(root, "classification")
    assert list(data.splits) == ["train"] and [s.label for s in data.splits["train"]] == [0, 0, 0, 1, 1, 1]


def test_decompression_bombs_are_corrupt_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = make_image_folder(tmp_path / "d", classes=("a",), per_class=1, splits=("train",))
    png(root / "train" / "a" / "big.png", size=(400, 300))
    write(tmp_path / "y" / "classes.txt", "cat\n")
    png(tmp_path / "y" / "images" / "train" / "big.png", size=(400, 300))
    png(tmp_path / "y" / "images" / "train" / "small.png", size=(4, 3))
    (tmp_path / "y" / "labels" / "train").mkdir(parents=True)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 24 * 24)
    report = formats.load(root, "classification").report
    assert kinds(report) == ["corrupt_image"] and "DecompressionBombError" in report.issues[0].message
    data = formats.load(tmp_path / "y", "detection", verify=False)  # caught on the header too
    assert kinds(data.report) == ["corrupt_image"] and [s.image.name for s in data.splits["train"]] == ["small.png"]


def test_blocking_errors_depend_on_skipping_only_for_skippable_kinds():
    def issue(kind: str, severity: str = "error", skippable: bool = False) -> DatasetIssue:
        return DatasetIssue(severity=severity, kind=kind, message=kind, skippable=skippable)  # type: ignore[arg-type]

    report = DatasetReport(
        root="/d",
        issues=[issue("bad_box", skippable=True), issue("empty"), issue("clipped_box", "warning")],
    )
    assert [i.kind for i in report.blocking(skip_invalid_images=False)] == ["bad_box", "empty"]
    assert [i.kind for i in report.blocking(skip_invalid_images=True)] == ["empty"]


def test_the_formats_stay_torch_free():
    code = (
        "import sys; import visionyard.data.formats, visionyard.data.formats.overview, visionyard.data.catalog, "
        "visionyard.services.datasets; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')], 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
