"""The synthetic demo sets for detection, segmentation and change detection (layouts: docs/datasets.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visionyard.data.demo import DEMO_DATASETS
from visionyard.data.demo_dense import (
    _rng,
    _shapes_scene,
    write_shapes_change,
    write_shapes_detection,
    write_shapes_segmentation,
)

SMALL = {"train": 6, "val": 3, "test": 3}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_dense_demo_sets_are_registered():
    assert {"digits", "shapes", "shapes_detection", "shapes_segmentation", "shapes_change"} <= set(DEMO_DATASETS)


def test_shapes_detection_is_valid_coco(tmp_path: Path):
    write_shapes_detection(tmp_path, counts=SMALL, size=128)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test", "train", "val"]
    for split, count in SMALL.items():
        coco = json.loads((tmp_path / split / "annotations.json").read_text())
        assert [(c["id"], c["name"]) for c in coco["categories"]] == [(1, "circle"), (2, "square"), (3, "triangle")]
        assert len(coco["images"]) == count
        assert len({im["id"] for im in coco["images"]}) == count
        assert len({a["id"] for a in coco["annotations"]}) == len(coco["annotations"])
        assert sorted(p.name for p in (tmp_path / split / "images").iterdir()) == sorted(
            Path(im["file_name"]).name for im in coco["images"]
        )
        images = {im["id"]: im for im in coco["images"]}
        per_image = dict.fromkeys(images, 0)
        for im in coco["images"]:
            assert im["file_name"].startswith("images/")
            with Image.open(tmp_path / split / im["file_name"]) as image:
                assert image.mode == "RGB"
                assert image.size == (im["width"], im["height"]) == (128, 128)
        for ann in coco["annotations"]:
            im = images[ann["image_id"]]
            per_image[ann["image_id"]] += 1
            x, y, w, h = ann["bbox"]
            assert w > 0 and h > 0 and ann["area"] > 0
            assert min(x, y) >= 0 and x + w <= im["width"] and y + h <= im["height"]
            assert 20 <= max(w, h) <= 56
            assert ann["category_id"] in (1, 2, 3)
            assert ann["iscrowd"] == 0
            (polygon,) = ann["segmentation"]
            assert len(polygon) >= 6 and len(polygon) % 2 == 0
            xs, ys = polygon[0::2], polygon[1::2]
            assert [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)] == pytest.approx(ann["bbox"])
            assert ann["area"] <= w * h + 1e-6
        assert all(1 <= n <= 3 for n in per_image.values())


def test_shapes_detection_objects_are_drawn_where_annotated(tmp_path: Path):
    write_shapes_detection(tmp_path, counts={"train": 4}, size=128)
    coco = json.loads((tmp_path / "train" / "annotations.json").read_text())
    for im in coco["images"]:
        pixels = np.asarray(Image.open(tmp_path / "train" / im["file_name"]), dtype=np.float32)
        for ann in (a for a in coco["annotations"] if a["image_id"] == im["id"] and a["category_id"] == 2):
            x, y, w, h = (int(v) for v in ann["bbox"])
            inside = pixels[y + 1 : y + h - 1, x + 1 : x + w - 1].reshape(-1, 3)
            flat = np.abs(inside - np.median(inside, axis=0)).max(axis=1) < 25  # one colour under a little noise
            assert flat.mean() > 0.85  # neighbours may overlap a square's box a little


def test_shapes_segmentation_masks_match_images(tmp_path: Path):
    write_shapes_segmentation(tmp_path, counts=SMALL, size=64)
    assert (tmp_path / "classes.txt").read_text().splitlines() == ["background", "circle", "square", "triangle"]
    for split, count in SMALL.items():
        images = sorted(p.name for p in (tmp_path / split / "images").iterdir())
        assert len(images) == count
        assert sorted(p.name for p in (tmp_path / split / "masks").iterdir()) == images
        for name in images:
            with (
                Image.open(tmp_path / split / "images" / name) as image,
                Image.open(tmp_path / split / "masks" / name) as mask,
            ):
                assert image.mode == "RGB" and mask.mode == "L"
                assert image.size == mask.size == (64, 64)
                values = np.unique(np.asarray(mask))
            assert values[0] == 0 and set(values.tolist()) <= {0, 1, 2, 3}
            assert len(values) >= 2  # at least one shape


def test_shapes_change_pairs_and_labels(tmp_path: Path):
    write_shapes_change(tmp_path, counts=SMALL, size=64)
    unchanged = 0
    for split, count in SMALL.items():
        names = sorted(p.name for p in (tmp_path / split / "A").iterdir())
        assert len(names) == count
        assert sorted(p.name for p in (tmp_path / split / "B").iterdir()) == names
        assert sorted(p.name for p in (tmp_path / split / "label").iterdir()) == names
        for name in names:
            a = np.asarray(Image.open(tmp_path / split / "A" / name), dtype=np.int16)
            b = np.asarray(Image.open(tmp_path / split / "B" / name), dtype=np.int16)
            with Image.open(tmp_path / split / "label" / name) as label_image:
                assert label_image.mode == "L" and label_image.size == (64, 64)
                label = np.asarray(label_image)
            assert a.shape == b.shape == (64, 64, 3)
            assert set(np.unique(label).tolist()) <= {0, 255}
            diff = np.abs(a - b).sum(axis=-1)
            assert diff.mean() > 0  # brightness, tint and noise differ even where nothing changed
            changed = label == 255
            if not changed.any():
                unchanged += 1
                continue
            assert (diff[changed] > 0).mean() > 0.99
            assert diff[changed].mean() > 2 * diff[~changed].mean() + 20
    assert unchanged >= 1  # every tenth pair (index 5, 15, ...) has no change


def test_dense_demo_sets_are_deterministic(tmp_path: Path):
    for writer in (write_shapes_detection, write_shapes_segmentation, write_shapes_change):
        first, second = tmp_path / writer.__name__ / "1", tmp_path / writer.__name__ / "2"
        writer(first, counts=SMALL)
        writer(second, counts=SMALL)
        assert _files(first) == _files(second)
        assert len(_files(first)) > 12


def test_small_sets_are_a_prefix_of_the_full_sets(tmp_path: Path):
    write_shapes_change(tmp_path / "small", counts={"train": 2})
    write_shapes_change(tmp_path / "more", counts={"train": 4, "val": 1})
    small, more = _files(tmp_path / "small"), _files(tmp_path / "more")
    assert small == {name: data for name, data in more.items() if name in small}


def test_full_dense_demo_sets_are_quick(tmp_path: Path):
    start = time.process_time()  # CPU time: unaffected by other processes on a busy machine
    for name in ("shapes_detection", "shapes_segmentation", "shapes_change"):
        DEMO_DATASETS[name](tmp_path / name)
    assert time.process_time() - start < 5.0
    coco = json.loads((tmp_path / "shapes_detection" / "train" / "annotations.json").read_text())
    assert len(coco["images"]) == 160
    assert len(list((tmp_path / "shapes_segmentation" / "val" / "masks").iterdir())) == 40
    assert len(list((tmp_path / "shapes_change" / "test" / "label").iterdir())) == 40


@pytest.mark.parametrize(
    ("writer", "task", "fmt", "classes"),
    [
        (write_shapes_detection, "detection", "coco", ["circle", "square", "triangle"]),
        (write_shapes_detection, "segmentation", "coco", ["background", "circle", "square", "triangle"]),
        (write_shapes_segmentation, "segmentation", "masks", ["background", "circle", "square", "triangle"]),
        (write_shapes_change, "change_detection", "levir_cd", ["unchanged", "changed"]),
    ],
)
def test_formats_read_the_dense_demo_sets_without_issues(tmp_path: Path, writer, task: str, fmt: str, classes):
    from visionyard.data.formats import load, sniff

    writer(tmp_path, counts=SMALL)
    assert sniff(tmp_path) == [fmt]
    data = load(tmp_path, task)
    assert data.format == fmt
    assert data.classes == classes
    assert data.report.issues == []
    assert {split: len(samples) for split, samples in data.splits.items()} == SMALL


def test_coco_polygons_render_like_the_drawn_shapes(tmp_path: Path):
    from visionyard.data.formats import load, render_mask

    write_shapes_detection(tmp_path, counts={"train": 6}, size=64)
    for i, sample in enumerate(load(tmp_path, "segmentation").splits["train"]):
        _, drawn, _ = _shapes_scene(_rng(11, "train", i), 64)  # the scene behind images/00000{i + 1}.png
        rendered = render_mask(sample)
        assert rendered.shape == (64, 64)
        assert (rendered == np.asarray(drawn)).mean() > 0.97  # pycocotools and Pillow differ only at edges
