"""Samples of detection datasets carry their boxes as fractions of the image, read without opening it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.data.dataset_files import mask, png, write, write_json
from tests.helpers import make_image_folder
from visionyard.data import formats
from visionyard.data.catalog import sample_images
from visionyard.data.demo_dense import write_shapes_detection


@pytest.fixture
def no_image_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("the sample listing opened an image"))


def boxes_of(samples) -> dict[str, list[tuple[str, list[float]]] | None]:
    return {
        s.path: None if s.boxes is None else [(b.class_name, pytest.approx(b.box, abs=1e-6)) for b in s.boxes]
        for s in samples
    }


def coco_dataset(root: Path) -> Path:
    for name in ("a.png", "b.png", "c.png", "d.png"):
        png(root / "train" / "images" / name, size=(40, 20))
    png(root / "val" / "images" / "v.png", size=(40, 20))
    annotations = [
        {"id": 1, "image_id": 1, "category_id": 7, "bbox": [4, 2, 10, 8]},
        {"id": 2, "image_id": 1, "category_id": 3, "bbox": [20, 10, 20, 10]},
        {"id": 3, "image_id": 1, "category_id": 3, "bbox": [30, 15, 20, 20]},  # clipped to the image
        {"id": 4, "image_id": 1, "category_id": 3, "bbox": [0, 0, 40, 20], "iscrowd": 1},  # a group: not drawn
        {"id": 5, "image_id": 2, "category_id": 3, "bbox": "oops"},  # malformed
        {"id": 6, "image_id": 2, "category_id": 99, "bbox": [1, 1, 2, 2]},  # no such category
        {"id": 7, "image_id": 2, "category_id": [3], "bbox": [1, 1, 2, 2]},  # not even an id
        {"id": 8, "image_id": 2, "category_id": 3, "bbox": [1, 1, 0, 5]},  # no area
        {"id": 9, "image_id": 2, "category_id": 7, "bbox": [0, 0, 40, 20]},
        {"id": 10, "image_id": 3, "category_id": 3, "bbox": [0, 0, 10, 10]},  # its entry has no size
        {"id": 11, "image_id": 42, "category_id": 3, "bbox": [0, 0, 10, 10]},  # no such image
        "not an annotation",
    ]
    write_json(
        root / "train" / "annotations.json",
        {
            "images": [
                {"id": 1, "file_name": "a.png", "width": 40, "height": 20},
                {"id": 2, "file_name": "b.png", "width": 40, "height": 20},
                {"id": 3, "file_name": "c.png"},
                {"id": 4, "file_name": "d.png", "width": 40, "height": 20},  # no annotations: a background image
            ],
            "annotations": annotations,
            "categories": [{"id": 7, "name": "truck"}, {"id": 3, "name": "car"}],
        },
    )
    write_json(
        root / "val" / "annotations.json",
        {
            "images": [{"id": "v", "file_name": "v.png", "width": 40, "height": 20}],
            "annotations": [{"id": 1, "image_id": "v", "category_id": 7, "bbox": [10, 5, 20, 10]}],
            "categories": [{"id": 7, "name": "truck"}, {"id": 3, "name": "car"}],
        },
    )
    return root


def test_coco_samples_carry_their_boxes_as_fractions(tmp_path: Path, no_image_opened: None):
    samples = sample_images(coco_dataset(tmp_path / "coco"), per_class=10)
    assert boxes_of(samples) == {
        "train/images/a.png": [
            ("truck", [0.1, 0.1, 0.35, 0.5]),
            ("car", [0.5, 0.5, 1.0, 1.0]),
            ("car", [0.75, 0.75, 1.0, 1.0]),
        ],
        "train/images/b.png": [("truck", [0.0, 0.0, 1.0, 1.0])],
        "train/images/c.png": [],
        "train/images/d.png": [],
        "val/images/v.png": [("truck", [0.25, 0.25, 0.75, 0.75])],
    }
    assert sample_images(tmp_path / "coco", per_class=10, split="val")[0].boxes == samples[-1].boxes


def test_coco_sample_boxes_are_the_boxes_training_reads(tmp_path: Path):
    write_shapes_detection(tmp_path / "shapes", {"train": 4, "val": 2}, size=48)
    data = formats.load(tmp_path / "shapes", "detection")
    assert not data.report.issues
    expected = {}
    for split_samples in data.splits.values():
        for sample in split_samples:
            path = sample.image.relative_to(tmp_path / "shapes").as_posix()
            expected[path] = [
                (data.classes[c], [v / 48 for v in box]) for box, c in zip(sample.boxes, sample.labels, strict=True)
            ]
    listed = boxes_of(sample_images(tmp_path / "shapes", per_class=100))
    assert listed == expected and sum(len(b) for b in expected.values()) > 6


def test_yolo_samples_carry_the_boxes_of_their_label_files(tmp_path: Path, no_image_opened: None):
    root = tmp_path / "yolo"
    write(root / "data.yaml", "names: [cat, dog]\n")
    for name in ("a", "b", "c", "d", "e"):
        png(root / "images" / "train" / f"{name}.jpg", size=(40, 20))
    png(root / "images" / "train" / "deep" / "f.png")
    labels = root / "labels" / "train"
    write(labels / "a.txt", "0 0.5 0.5 0.5 0.5\n\n1 0.25 0.5 0.5 1.0\n")
    write(labels / "b.txt", "bad line\n7 0.5 0.5 0.1 0.1\n1 0.5 0.5 0 0.2\n0.5 0.5 0.5 0.1 0.1\n1 0.9 0.9 0.4 0.4\n")
    (labels / "c.txt").mkdir(parents=True)  # a label "file" that cannot be read
    write(labels / "d.txt", b"\xff\xfe\x00garbage")
    write(labels / "deep" / "f.txt", "1 0.5 0.5 1 1\n")  # e.jpg has no label file: a background image
    samples = sample_images(root, per_class=10)
    assert boxes_of(samples) == {
        "images/train/a.jpg": [("cat", [0.25, 0.25, 0.75, 0.75]), ("dog", [0.0, 0.0, 0.5, 1.0])],
        "images/train/b.jpg": [("dog", [0.7, 0.7, 1.0, 1.0])],  # clipped; the malformed lines left out
        "images/train/c.jpg": [],
        "images/train/d.jpg": [],
        "images/train/e.jpg": [],
        "images/train/deep/f.png": [("dog", [0.0, 0.0, 1.0, 1.0])],
    }


def test_yolo_boxes_in_the_nested_layout_and_without_class_names(tmp_path: Path, no_image_opened: None):
    root = tmp_path / "nested"
    png(root / "val" / "images" / "a.png")
    write(root / "val" / "labels" / "a.txt", "2 0.5 0.5 0.2 0.4\n")
    write(root / "classes.txt", "cat\ndog\nbird\n")
    assert boxes_of(sample_images(root, per_class=1)) == {"val/images/a.png": [("bird", [0.4, 0.3, 0.6, 0.7])]}
    (root / "classes.txt").unlink()  # no class names: the boxes cannot be named, none are given
    assert boxes_of(sample_images(root, per_class=1)) == {"val/images/a.png": []}


def test_formats_without_boxes_give_none(tmp_path: Path):
    make_image_folder(tmp_path / "classes", per_class=2)
    write(tmp_path / "masks" / "classes.txt", "background\nroad\n")
    png(tmp_path / "masks" / "train" / "images" / "a.png")
    mask(tmp_path / "masks" / "train" / "masks" / "a.png", np.zeros((30, 40)))
    for part in ("A", "B", "label"):
        png(tmp_path / "levir" / "train" / part / "1.png")
    for name in ("classes", "masks", "levir"):
        samples = sample_images(tmp_path / name, per_class=2)
        assert samples and all(s.boxes is None for s in samples), name
        assert all("boxes" in s.model_dump() for s in samples)


def test_an_unreadable_annotation_file_leaves_the_listing_standing(tmp_path: Path):
    root = coco_dataset(tmp_path / "coco")
    write(root / "val" / "annotations.json", "{oops")
    samples = sample_images(root, per_class=10)
    assert [s.split for s in samples] == ["train"] * 4
    assert boxes_of(samples)["train/images/b.png"] == [("truck", [0.0, 0.0, 1.0, 1.0])]
