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


def test_the_folders_data_yaml_names_are_read(tmp_path: Path):
    png(tmp_path / "data" / "images" / "training" / "a.png", size=(40, 20))
    write(tmp_path / "data" / "labels" / "training" / "a.txt", LINES)
    png(tmp_path / "data" / "images" / "validation" / "v.png", size=(40, 20))  # no label file: background
    (tmp_path / "data" / "labels" / "validation").mkdir()
    png(tmp_path / "images" / "train" / "stray.png")  # the conventional folders: the yaml says otherwise
    (tmp_path / "labels" / "train").mkdir(parents=True)
    write(
        tmp_path / "data.yaml",
        "path: .\ntrain: data/images/training\nval: ./data/images/validation/\ntest:\nnames:\n  0: cat\n  1: dog\n",
    )
    assert formats.sniff(tmp_path) == ["yolo"]
    data = formats.load(tmp_path, "detection")
    assert (data.format, data.classes, data.report.issues) == ("yolo", ["cat", "dog"], [])
    assert data.splits == {
        "train": [
            DetectionSample(
                tmp_path / "data" / "images" / "training" / "a.png",
                ((10.0, 5.0, 30.0, 15.0), (0.0, 0.0, 20.0, 20.0)),
                (0, 1),
            )
        ],
        "val": [DetectionSample(tmp_path / "data" / "images" / "validation" / "v.png", (), ())],
    }
    assert data.report.counts == {"train": {"cat": 1, "dog": 1}, "val": {"cat": 0, "dog": 0}}


@pytest.mark.parametrize(
    ("path", "read"),
    [
        ("sub", "sub/"),  # a folder inside the dataset: the others are relative to it
        ("/home/someone/datasets/ds", ""),  # where the yaml was written: the yaml's folder is meant
        ("../datasets/ds", ""),  # Ultralytics reads this from its datasets folder: likewise
    ],
)
def test_the_yaml_path_key_is_followed_inside_the_dataset_only(tmp_path: Path, path: str, read: str):
    png(tmp_path / f"{read}images" / "all" / "a.png", size=(40, 20))
    write(tmp_path / f"{read}labels" / "all" / "a.txt", LINES)
    write(tmp_path / "dataset.yaml", f"path: {path}\ntrain: images/all\nnames: [cat, dog]\n")
    data = formats.load(tmp_path, "detection")
    assert data.report.issues == [] and data.classes == ["cat", "dog"]
    assert [s.image for s in data.splits["train"]] == [tmp_path / f"{read}images" / "all" / "a.png"]


def test_a_roboflow_yaml_names_its_split_folders_from_one_level_up(tmp_path: Path):
    for split in ("train", "valid", "test"):
        png(tmp_path / split / "images" / f"{split}.png", size=(40, 20))
        write(tmp_path / split / "labels" / f"{split}.txt", "1 0.5 0.5 0.5 0.5\n")
    write(
        tmp_path / "data.yaml",
        "train: ../train/images\nval: ../valid/images\ntest: ../test/images\nnc: 2\nnames: ['cat', 'dog']\n",
    )
    data = formats.load(tmp_path, "detection")
    assert data.report.issues == []
    assert {split: [s.image.name for s in samples] for split, samples in data.splits.items()} == {
        "train": ["train.png"],
        "val": ["valid.png"],  # the folder layouts alone read no valid/
        "test": ["test.png"],
    }
    assert data.splits["val"][0].labels == (1,)


@pytest.mark.parametrize(
    "yaml",
    [
        "train: train.txt\nval: val.txt\n",  # CVAT's and Datumaro's Ultralytics export: lists of images
        "train: /content/dataset/images/train\n",  # a path on the machine that wrote the yaml
    ],
)
def test_folders_the_yaml_names_but_cannot_be_read_leave_the_folder_layouts(tmp_path: Path, yaml: str):
    png(tmp_path / "images" / "train" / "a.png", size=(40, 20))
    write(tmp_path / "labels" / "train" / "a.txt", LINES)
    write(tmp_path / "train.txt", "./images/train/a.png\n")
    write(tmp_path / "data.yaml", f"{yaml}names: [cat, dog]\n")
    data = formats.load(tmp_path, "detection")
    assert data.report.issues == [] and [s.image.name for s in data.splits["train"]] == ["a.png"]


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ("../../etc", "train: '../../etc' is not a folder inside the dataset (path '../etc' has a '..' component)"),
        ("images/../../etc", "train: 'images/../../etc' is not a folder inside the dataset"),
        ("/etc", "train: '/etc' is not a folder inside the dataset (path '/etc' is an absolute path)"),
        ("outside/images", "train: 'outside/images' is not a folder inside the dataset (path 'outside/images' leads"),
        ("images/missing", "train: 'images/missing' is not a folder of the dataset"),
        ("train.txt", "train: 'train.txt' is a list of images, which is not read: name the images folder"),
        ("[images/a, images/b]", "train: ['images/a', 'images/b'] is not a folder path (one folder per split)"),
        ("pictures", "train: 'pictures' has no 'images' folder in its path, so its 'labels' folder is unknown"),
        ("images/all", "no labels folder: expected labels/all"),
    ],
)
def test_yaml_folders_that_cannot_be_read_are_named(tmp_path: Path, train: str, message: str):
    root = tmp_path / "dataset"
    png(root / "images" / "all" / "a.png")
    png(root / "pictures" / "a.png")
    write(root / "train.txt", "images/all/a.png\n")
    png(tmp_path / "elsewhere" / "a.png")
    (root / "outside").mkdir()
    (root / "outside" / "images").symlink_to(tmp_path / "elsewhere")  # a link out of the dataset
    write(root / "data.yaml", f"train: {train}\nnames: [cat]\n")

    assert formats.sniff(root) == ["yolo"]  # named, so that what is wrong is said
    data = formats.load(root, "detection")
    (problem,) = data.report.issues
    assert problem.kind == "bad_annotations" and problem.path == str(root / "data.yaml")
    assert problem.message.startswith(f"data.yaml: {message}")
    assert data.report.blocking(skip_invalid_images=True) == [problem]
    assert not any(s.image.is_relative_to(tmp_path / "elsewhere") for s in data.splits.get("train", []))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("train: images/all\n", "data.yaml: no names: list or {id: name} map"),
        ("train: images/all\nnames: {}\n", "data.yaml: no names: list or {id: name} map"),
        ("train: [images/all\n", "data.yaml: not valid YAML"),
    ],
)
def test_a_yaml_layout_without_names_blocks(tmp_path: Path, text: str, message: str):
    png(tmp_path / "images" / "all" / "a.png")
    (tmp_path / "labels" / "all").mkdir(parents=True)
    write(tmp_path / "data.yaml", text)
    assert formats.sniff(tmp_path) == ["yolo"]
    data = formats.load(tmp_path, "detection")
    assert kinds(data.report) == ["bad_annotations"] and data.report.issues[0].message.startswith(message)
    assert data.report.issues[0].path == str(tmp_path / "data.yaml") and data.splits == {}


def test_a_yaml_without_splits_or_folders_is_no_yolo_dataset(tmp_path: Path):
    write(tmp_path / "data.yaml", "names: [cat]\n")
    png(tmp_path / "a" / "x.png")  # a class folder
    assert formats.sniff(tmp_path) == ["image_folder"]
