"""YOLO detection: both layouts, both ``names`` styles and classes.txt, and every broken line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.dataset_files import broken, by_kind, kinds, png, write
from visionyard.data import formats
from visionyard.data.formats import DetectionSample

LINES = "0 0.5 0.5 0.5 0.5\n\n1 0.25 0.5 0.5 1.0\n"  # on a 40x20 image: (10, 5, 30, 15) and (0, 0, 20, 20)


def test_split_folders_under_images_and_labels_with_a_names_list(tmp_path: Path):
    png(tmp_path / "images" / "train" / "a.png", size=(40, 20))
    write(tmp_path / "labels" / "train" / "a.txt", LINES)
    png(tmp_path / "images" / "train" / "nested" / "b.jpg", size=(10, 10))  # no label file: background
    png(tmp_path / "images" / "val" / "c.png", size=(100, 50))
    write(tmp_path / "labels" / "val" / "c.txt", "1 0.1 0.2 0.1 0.2")
    write(tmp_path / "data.yaml", "path: .\ntrain: images/train\nval: images/val\nnames: [cat, dog]\n")

    assert formats.sniff(tmp_path) == ["yolo"]
    data = formats.load(tmp_path, "detection")
    assert (data.format, data.classes, data.report.issues) == ("yolo", ["cat", "dog"], [])
    boxes = ((10.0, 5.0, 30.0, 15.0), (0.0, 0.0, 20.0, 20.0))
    assert data.splits["train"] == [
        DetectionSample(tmp_path / "images" / "train" / "a.png", boxes, (0, 1)),
        DetectionSample(tmp_path / "images" / "train" / "nested" / "b.jpg", (), ()),
    ]
    (val,) = data.splits["val"]
    assert val.boxes[0] == pytest.approx((5.0, 5.0, 15.0, 15.0)) and val.labels == (1,)
    assert data.report.counts == {"train": {"cat": 1, "dog": 1}, "val": {"cat": 0, "dog": 1}}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("data.yaml", "names:\n  0: cat\n  1: dog\n"),
        ("data.yml", "nc: 2\nnames: {1: dog, 0: cat}\n"),
        ("classes.txt", "cat\ndog\n\n"),
    ],
)
def test_images_and_labels_under_each_split_with_other_name_files(tmp_path: Path, name: str, text: str):
    png(tmp_path / "train" / "images" / "a.png", size=(40, 20))
    write(tmp_path / "train" / "labels" / "a.txt", LINES)
    write(tmp_path / name, text)
    data = formats.load(tmp_path, "detection")
    assert data.classes == ["cat", "dog"] and data.report.issues == []
    assert data.splits["train"][0].boxes == ((10.0, 5.0, 30.0, 15.0), (0.0, 0.0, 20.0, 20.0))


def test_every_broken_line_is_left_out_and_reported(tmp_path: Path):
    write(tmp_path / "classes.txt", "cat\ndog\n")
    png(tmp_path / "images" / "train" / "a.png", size=(40, 20))
    lines = [
        "0 0.5 0.5 0.5 0.5",  # kept
        "0 0.5 0.5 0.2",  # four fields
        "0 0.5 0.5 0.2 0.2 0.9",  # six
        "cat 0.5 0.5 0.2 0.2",
        "1.5 0.5 0.5 0.2 0.2",
        "nan 0.5 0.5 0.2 0.2",
        "7 0.5 0.5 0.2 0.2",  # no class 7
        "-1 0.5 0.5 0.2 0.2",
        "0 nan 0.5 0.2 0.2",
        "0 0.5 0.5 0 0.2",  # no area
        "0 2 2 0.2 0.2",  # outside
        "0 1e308 0.5 1e308 0.2",  # overflows to inf
        "1 0.95 0.5 0.2 0.2",  # partly outside: clipped to (34, 8, 40, 12)
    ]
    write(tmp_path / "labels" / "train" / "a.txt", "\n".join(lines))
    png(tmp_path / "images" / "train" / "b.png", size=(10, 10))
    write(tmp_path / "labels" / "train" / "b.txt", b"0 0.5 0.5 \xff\xfe 0.5\n1 0.5 0.5 0.5 0.5\n")
    broken(tmp_path / "images" / "train" / "broken.png")
    write(tmp_path / "labels" / "train" / "broken.txt", "0 0.5 0.5 0.5 0.5")
    write(tmp_path / "images" / "train" / "notes.txt", "not an image")

    data = formats.load(tmp_path, "detection")
    a, b = data.splits["train"]
    assert a.boxes == ((10.0, 5.0, 30.0, 15.0), (34.0, 8.0, 40.0, 12.0)) and a.labels == (0, 1)
    assert b.boxes == ((2.5, 2.5, 7.5, 7.5),) and b.labels == (1,)
    assert kinds(data.report) == sorted(
        ["bad_label_line"] * 6
        + ["unknown_category"] * 2
        + ["bad_box"] * 4
        + ["clipped_box", "corrupt_image"]
        + ["non_image"]
    )
    label_file = tmp_path / "labels" / "train" / "a.txt"
    line_2 = f"{label_file}: line 2: '0 0.5 0.5 0.2' is not 'class cx cy w h' numbers"
    assert line_2 in by_kind(data.report, "bad_label_line")
    assert f"{label_file}: line 7: class 7 is not in 0..1" in by_kind(data.report, "unknown_category")
    assert data.report.counts == {"train": {"cat": 1, "dog": 2}}
    assert {i.kind for i in data.report.blocking(skip_invalid_images=False)} == {
        "bad_label_line",
        "unknown_category",
        "bad_box",
        "corrupt_image",
    }
    assert data.report.blocking(skip_invalid_images=True) == []


def test_without_verify_only_headers_are_read(tmp_path: Path):
    write(tmp_path / "classes.txt", "cat\n")
    path = png(tmp_path / "images" / "train" / "a.png", size=(40, 20))
    path.write_bytes(path.read_bytes()[:60])  # the header is whole, the pixels are not
    write(tmp_path / "labels" / "train" / "a.txt", "0 0.5 0.5 0.5 0.5")
    data = formats.load(tmp_path, "detection", verify=False)
    assert data.report.issues == [] and data.splits["train"][0].boxes == ((10.0, 5.0, 30.0, 15.0),)
    assert "corrupt_image" in kinds(formats.load(tmp_path, "detection").report)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("data.yaml", "names: [cat, dog", "not valid YAML"),
        ("data.yaml", "names:\n  0: cat\n  2: dog\n", "ids must be 0..K-1"),
        ("data.yaml", "names: {a: cat}\n", "ids must be integers"),
        ("data.yaml", "names: [[1, 2]]\n", "names must be strings"),
        ("data.yaml", "- just\n- a list\n", "no names"),
        ("classes.txt", "cat\n\ndog\n", "line 2 is empty"),
        ("classes.txt", "\n\n", "names no class"),
        (None, None, "no class names"),
    ],
)
def test_class_names_that_cannot_be_read_block(tmp_path: Path, name: str | None, text: str | None, message: str):
    png(tmp_path / "images" / "train" / "a.png")
    write(tmp_path / "labels" / "train" / "a.txt", "0 0.5 0.5 0.5 0.5")
    if name:
        write(tmp_path / name, text or "")
    data = formats.load(tmp_path, "detection")
    assert kinds(data.report) == ["bad_annotations"] and message in data.report.issues[0].message
    assert data.report.blocking(skip_invalid_images=True) == data.report.issues


def test_no_train_images_is_empty(tmp_path: Path):
    write(tmp_path / "classes.txt", "cat\n")
    png(tmp_path / "images" / "val" / "a.png")
    (tmp_path / "labels" / "val").mkdir(parents=True)
    data = formats.load(tmp_path, "detection")
    assert kinds(data.report) == ["empty"] and len(data.splits["val"]) == 1
    assert data.report.blocking(skip_invalid_images=True) == data.report.issues
