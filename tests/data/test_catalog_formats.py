"""The catalog lists and samples datasets of every format without opening an image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.data.dataset_files import broken, coco_json, mask, png, write, write_json
from tests.helpers import make_image_folder
from visionyard.data.catalog import describe_dataset, find_datasets, sample_images
from visionyard.storage.paths import resolve_under


def coco_files(root: Path, segmentation: bool = True) -> Path:
    for split, names in {"train": ["a.png", "b.png", "c.png"], "val": ["v.png"]}.items():
        for name in names:
            png(root / split / "images" / name)
        shape = {"segmentation": [[0, 0, 4, 0, 4, 4]]} if segmentation else {}
        write_json(
            root / split / "annotations.json",
            {
                "images": [{"id": i, "file_name": n} for i, n in enumerate(names)],
                "annotations": [
                    {"id": 1, "image_id": 0, "category_id": 5, "bbox": [0, 0, 4, 4], **shape},
                    {"id": 2, "image_id": 0, "category_id": 2, "bbox": [0, 0, 4, 4], **shape},
                    {"id": 3, "image_id": 0, "category_id": 2, "bbox": [0, 0, 4, 4], **shape},
                ],
                "categories": [{"id": 5, "name": "truck"}, {"id": 2, "name": "car"}],
            },
        )
    return root


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    make_image_folder(root / "classes", per_class=2)
    coco_files(root / "coco")
    coco_files(root / "boxes_only", segmentation=False)
    write(root / "yolo" / "data.yaml", "names: [cat, dog]\n")
    for name in ("a", "b", "c"):
        png(root / "yolo" / "images" / "train" / f"{name}.jpg")
    broken(root / "yolo" / "images" / "train" / "d.jpg")  # counted: nothing is opened
    write(root / "yolo" / "images" / "train" / "notes.txt", "x")
    write(root / "yolo" / "labels" / "train" / "a.txt", "0 .5 .5 .1 .1\n1 .5 .5 .1 .1\n1 .5 .5 .1 .1\nbad line\n")
    write(root / "masks" / "classes.txt", "background\nroad\n")
    png(root / "masks" / "train" / "images" / "a.png")
    mask(root / "masks" / "train" / "masks" / "a.png", np.zeros((30, 40)))
    for name in ("1.png", "2.png"):
        for part in ("A", "B", "label"):
            png(root / "levir" / "train" / part / name)
    png(root / "levir" / "train" / "A" / "3.png")  # unpaired: not a sample
    write(root / "broken_coco" / "train" / "annotations.json", "{oops")
    return root


def test_every_format_is_found_and_summarised(data_root: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("the catalog opened an image"))
    found = {d.name: d for d in find_datasets(data_root)}
    assert sorted(found) == ["boxes_only", "broken_coco", "classes", "coco", "levir", "masks", "yolo"]
    shape = {n: (d.format, d.layout, d.tasks) for n, d in found.items()}
    assert shape == {
        "classes": ("image_folder", "split_folders", ["classification"]),
        "coco": ("coco", "coco", ["detection", "segmentation", "instance_segmentation"]),
        "boxes_only": ("coco", "coco", ["detection"]),
        "broken_coco": ("coco", "coco", ["detection", "segmentation", "instance_segmentation"]),
        "yolo": ("yolo", "yolo", ["detection"]),
        "masks": ("masks", "masks", ["segmentation"]),
        "levir": ("levir_cd", "levir_cd", ["change_detection"]),
    }
    coco = found["coco"]
    assert coco.classes == ["car", "truck"] and coco.splits == ["train", "val"] and coco.image_count == 4
    assert coco.class_counts == {"train": {"car": 2, "truck": 1}, "val": {"car": 2, "truck": 1}}
    yolo = found["yolo"]
    assert (yolo.classes, yolo.image_count, yolo.non_image_count) == (["cat", "dog"], 4, 1)
    assert yolo.class_counts == {"train": {"cat": 1, "dog": 2}}
    assert found["masks"].classes == ["background", "road"]
    assert found["masks"].class_counts == {"train": {"images": 1}}
    levir = found["levir"]
    assert (levir.classes, levir.image_count, levir.class_counts) == (
        ["unchanged", "changed"],
        2,
        {"train": {"images": 2}},
    )
    assert (found["broken_coco"].classes, found["broken_coco"].image_count) == ([], 0)
    assert describe_dataset(data_root / "yolo") == yolo


def test_samples_of_formats_without_a_class_per_image(data_root: Path):
    coco = sample_images(data_root / "coco", per_class=1)
    assert [(s.path, s.class_name, s.split) for s in coco] == [
        ("train/images/a.png", None, "train"),
        ("train/images/b.png", None, "train"),
        ("val/images/v.png", None, "val"),
    ]
    assert [s.path for s in sample_images(data_root / "yolo", per_class=1, split="train")] == [
        "images/train/a.jpg",
        "images/train/c.jpg",
    ]
    levir = sample_images(data_root / "levir", per_class=5)
    assert [s.path for s in levir] == ["train/A/1.png", "train/B/1.png", "train/A/2.png", "train/B/2.png"]
    for name, samples in (("coco", coco), ("levir", levir)):
        assert all(resolve_under(data_root / name, s.path).is_file() for s in samples)
    with pytest.raises(ValueError, match="split 'test' is not in 'masks'; it has: train"):
        sample_images(data_root / "masks", per_class=1, split="test")
    assert sample_images(data_root / "broken_coco", per_class=3) == []


def test_classification_summaries_say_their_format(data_root: Path):
    summary = describe_dataset(data_root / "classes")
    assert (summary.format, summary.tasks, summary.classes) == ("image_folder", ["classification"], ["a", "b", "c"])
    assert {s.class_name for s in sample_images(data_root / "classes", per_class=1)} == {"a", "b", "c"}


def test_the_official_coco_cvat_and_yaml_layouts_are_listed_with_their_images(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    root = tmp_path / "data"
    for split in ("train", "val"):
        png(root / "official" / f"{split}2017" / f"{split}.png")
        annotations = root / "official" / "annotations" / f"instances_{split}2017.json"
        coco_json(annotations, {f"{split}.png": [(2, 0, 0, 4, 4)]}, size=(40, 30))
    png(root / "cvat" / "images" / "a.png")
    coco_json(root / "cvat" / "annotations" / "instances_default.json", {"a.png": [(1, 0, 0, 4, 4)]}, size=(40, 30))
    png(root / "yolo" / "data" / "images" / "training" / "a.png")
    write(root / "yolo" / "data" / "labels" / "training" / "a.txt", "1 0.5 0.5 0.5 0.5\n")
    write(root / "yolo" / "data.yaml", "train: data/images/training\nnames: [cat, dog]\n")
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("the catalog opened an image"))

    found = {d.name: (d.format, d.splits, d.classes, d.image_count, d.class_counts) for d in find_datasets(root)}
    assert found == {
        "official": ("coco", ["train", "val"], ["cat", "dog"], 2, {s: {"cat": 0, "dog": 1} for s in ("train", "val")}),
        "cvat": ("coco", ["train"], ["cat", "dog"], 1, {"train": {"cat": 1, "dog": 0}}),
        "yolo": ("yolo", ["train"], ["cat", "dog"], 1, {"train": {"cat": 0, "dog": 1}}),
    }
    listed = {
        name: [(s.path, s.split, [b.class_name for b in s.boxes or []]) for s in sample_images(root / name, 1)]
        for name in found
    }
    assert listed == {
        "official": [("train2017/train.png", "train", ["dog"]), ("val2017/val.png", "val", ["dog"])],
        "cvat": [("images/a.png", "train", ["cat"])],
        "yolo": [("data/images/training/a.png", "train", ["dog"])],
    }
