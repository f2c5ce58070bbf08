"""COCO for detection and segmentation: boxes, categories, polygons and RLE, every broken case, and the
official and CVAT layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pycocotools import mask as coco_mask

from tests.data.dataset_files import broken, by_kind, coco_json, kinds, png, write, write_json
from visionyard.common.training_config import TrainingConfig
from visionyard.data import formats
from visionyard.data.datamodule import carve_splits
from visionyard.data.formats import DetectionSample, InstanceSample, SegmentationSample, render_instances, render_mask

CATEGORIES = [{"id": 7, "name": "dog"}, {"id": 3, "name": "cat"}]  # classes in id order: cat, dog


def ann(id_: int, image_id: object, category_id: object = 3, bbox: object = (4, 5, 10, 6), **extra) -> dict:
    bbox = list(bbox) if isinstance(bbox, tuple) else bbox
    return {"id": id_, "image_id": image_id, "category_id": category_id, "bbox": bbox, **extra}


def coco(root: Path, images: list[dict], annotations: list[dict], split: str = "train", name: str = "annotations.json"):
    return write_json(root / split / name, {"images": images, "annotations": annotations, "categories": CATEGORIES})


def image(id_: int, file_name: str, size: tuple[int, int] = (40, 30)) -> dict:
    return {"id": id_, "file_name": file_name, "width": size[0], "height": size[1]}


def test_boxes_become_corners_and_categories_become_classes_in_id_order(tmp_path: Path):
    png(tmp_path / "train" / "images" / "a.png")
    png(tmp_path / "train" / "b.png")  # in the split folder itself
    png(tmp_path / "train" / "images" / "c.png")
    coco(
        tmp_path,
        [image(1, "a.png"), image(2, "b.png"), image(3, "c.png")],
        [
            ann(1, 1, 3, (4, 5, 10, 6)),
            ann(2, 1, 7, (0, 0, 40, 30)),
            ann(3, 2, 7, (1.5, 2.5, 3, 4)),
            ann(4, 2, 3, (0, 0, 5, 5), iscrowd=1),  # a crowd: not an object to detect
        ],
    )
    png(tmp_path / "val" / "v.png")
    coco(tmp_path, [image(9, "v.png")], [ann(1, 9, 7, (1, 1, 2, 2))], split="val", name="_annotations.coco.json")

    data = formats.load(tmp_path, "detection")
    assert (data.task, data.format, data.classes) == ("detection", "coco", ["cat", "dog"])
    assert data.report.issues == []
    train = {s.image.name: s for s in data.splits["train"]}
    assert train["a.png"] == DetectionSample(
        tmp_path / "train" / "images" / "a.png", ((4.0, 5.0, 14.0, 11.0), (0.0, 0.0, 40.0, 30.0)), (0, 1)
    )
    assert train["b.png"].boxes == ((1.5, 2.5, 4.5, 6.5),) and train["b.png"].labels == (1,)
    assert train["c.png"].boxes == () and train["c.png"].labels == ()  # background only: still a sample
    assert data.splits["val"][0].labels == (1,)
    assert data.report.counts == {"train": {"cat": 1, "dog": 2}, "val": {"cat": 0, "dog": 1}}
    assert (data.report.task, data.report.format, data.report.classes) == ("detection", "coco", ["cat", "dog"])


def test_every_broken_detection_annotation_is_left_out_and_reported(tmp_path: Path):
    png(tmp_path / "train" / "good.png", size=(40, 30))
    broken(tmp_path / "train" / "broken.png")
    png(tmp_path / "train" / "other.png")
    coco(
        tmp_path,
        [image(1, "good.png"), image(2, "broken.png"), image(3, "gone.png"), image(4, "other.png")],
        [
            ann(1, 1, 3, (4, 5, 10, 6)),  # kept
            ann(2, 1, 3, (30, 20, 20, 20)),  # partly outside: clipped to (30, 20, 40, 30)
            ann(3, 1, 3, (5, 5, 0, 4)),  # no area
            ann(4, 1, 3, (50, 5, 4, 4)),  # wholly outside
            ann(5, 1, 3, "1 2 3 4"),  # not numbers
            ann(6, 1, 3, (1, 2, 3, True)),  # a bool is not a number
            ann(7, 1, 3, (1e308, 1e308, 1e308, 1e308)),  # x + w overflows
            ann(8, 1, 99),  # no such category
            ann(9, 42),  # no such image
            ann(10, 2),  # on the corrupt image
            ann(11, 4, 7, (0, 0, 2, 2)),
        ],
    )
    data = formats.load(tmp_path, "detection")
    samples = {s.image.name: s for s in data.splits["train"]}
    assert sorted(samples) == ["good.png", "other.png"]
    assert samples["good.png"].boxes == ((4.0, 5.0, 14.0, 11.0), (30.0, 20.0, 40.0, 30.0))
    assert samples["other.png"].labels == (1,)
    assert kinds(data.report) == sorted(
        ["clipped_box", *["bad_box"] * 5, "unknown_category", "missing_image", "missing_image", "corrupt_image"]
    )
    assert "annotation 4: box (50, 5, 54, 9) lies outside the 40x30 image" in by_kind(data.report, "bad_box")[1]
    assert by_kind(data.report, "corrupt_image")[0].startswith(f"{tmp_path / 'train' / 'broken.png'}: cannot decode")
    assert any("gone.png" in m for m in by_kind(data.report, "missing_image"))
    assert data.report.counts == {"train": {"cat": 2, "dog": 1}}
    blocking = data.report.blocking(skip_invalid_images=False)
    assert {i.kind for i in blocking} == {"bad_box", "unknown_category", "missing_image", "corrupt_image"}
    assert data.report.blocking(skip_invalid_images=True) == []
    assert all(i.severity == "warning" for i in data.report.issues if i.kind == "clipped_box")


def test_without_verify_images_are_not_decoded(tmp_path: Path):
    broken(tmp_path / "train" / "broken.png")
    coco(tmp_path, [image(1, "broken.png")], [ann(1, 1)])
    data = formats.load(tmp_path, "detection", verify=False)
    assert data.report.issues == [] and len(data.splits["train"]) == 1  # the size came from the file
    checked = formats.load(tmp_path, "detection")
    assert kinds(checked.report) == ["corrupt_image", "empty"]  # nothing left to train on
    assert [i.kind for i in checked.report.blocking(skip_invalid_images=True)] == ["empty"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
        (b"[1, 2]", "the top level is not an object"),
        (b'{"images": "a.png"}', "must be lists"),
        (b'{"annotations": []}', "must be lists"),
        (b'{"images": [], "categories": [{"id": "1", "name": "a"}]}', "needs an integer id and a name"),
        (b'{"images": [], "categories": [{"id": 1}]}', "needs an integer id and a name"),
        (b'{"images": [], "categories": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]}', "given twice"),
    ],
)
def test_a_file_that_is_not_coco_is_a_blocking_issue(tmp_path: Path, content: bytes, message: str):
    write(tmp_path / "train" / "annotations.json", content)
    for task in ("detection", "segmentation"):
        data = formats.load(tmp_path, task)
        assert kinds(data.report) == ["bad_annotations"] and message in data.report.issues[0].message
        assert data.splits == {}
        assert [i.kind for i in data.report.blocking(skip_invalid_images=True)] == ["bad_annotations"]


def test_bad_entries_are_left_out_and_block(tmp_path: Path):
    png(tmp_path / "train" / "a.png")
    coco(
        tmp_path,
        [
            image(1, "a.png"),
            {"id": 2},
            {"id": [3], "file_name": "a.png"},
            {"id": 4, "file_name": "../../etc/passwd"},
            {"id": 5, "file_name": "/etc/passwd"},
            "a.png",
            {"id": 6, "file_name": "a.png", "width": 10**400, "height": -1},  # sizes ignored: the header is read
            {"id": 7, "file_name": "x" * 5000},  # a name the system refuses: not there
        ],
        [ann(1, 1), 5, ann(2, [1]), ann(3, 6, {"x": 1}), ann(4, 1, 3, None), ann(5, 6, 3, (0, 0, 10**400, 5))],
    )
    data = formats.load(tmp_path, "detection", verify=False)
    assert [s.image.name for s in data.splits["train"]] == ["a.png", "a.png"]
    assert kinds(data.report) == sorted(
        ["bad_annotations"] * 6 + ["missing_image", "missing_image", "unknown_category", "bad_box", "bad_box"]
    )
    assert any("leads outside the split folder" in m for m in by_kind(data.report, "bad_annotations"))
    assert {i.kind for i in data.report.blocking(skip_invalid_images=True)} == {"bad_annotations"}


def draw(size: tuple[int, int], shapes: list[tuple[int, list[tuple[int, int, int, int]]]]) -> np.ndarray:
    """A class mask drawn by hand: rectangles (x1, y1, x2, y2), right and bottom edges excluded."""
    canvas = Image.new("L", size, 0)
    pen = ImageDraw.Draw(canvas)
    for value, rectangles in shapes:
        for x1, y1, x2, y2 in rectangles:
            pen.rectangle((x1, y1, x2 - 1, y2 - 1), fill=value)
    return np.asarray(canvas)


def test_polygons_and_rle_are_rasterised_into_class_masks(tmp_path: Path):
    png(tmp_path / "train" / "images" / "a.png", size=(20, 16))
    blob = np.zeros((16, 20), dtype=np.uint8)
    blob[10:14, 1:6] = 1
    compressed = coco_mask.encode(np.asfortranarray(blob))
    compressed = {"size": compressed["size"], "counts": compressed["counts"].decode("ascii")}
    column_runs = {"size": [16, 20], "counts": [16 * 15 + 2, 3, 16 * 5 - 3 - 2 + 16 * 0]}
    column_runs["counts"].append(16 * 20 - sum(column_runs["counts"]))
    l_shape = [[2, 2, 10, 2, 10, 4, 4, 4, 4, 8, 2, 8]]  # an L: rows 2-3 across, then a column down to 8
    coco(
        tmp_path,
        [image(1, "a.png", (20, 16))],
        [
            ann(1, 1, 7, segmentation=l_shape),
            ann(2, 1, 3, segmentation=[[8, 3, 14, 3, 14, 6, 8, 6]]),  # paints over the L's arm
            ann(3, 1, 7, segmentation=compressed, iscrowd=1),  # crowds are painted in segmentation
            ann(4, 1, 3, segmentation=column_runs),
        ],
    )
    data = formats.load(tmp_path, "segmentation")
    assert data.classes == ["background", "cat", "dog"] and data.report.issues == []
    assert data.report.counts == {"train": {"images": 1}}
    (sample,) = data.splits["train"]
    assert isinstance(sample, SegmentationSample) and sample.size == (20, 16) and sample.mask is None
    assert [index for index, _ in sample.polygons] == [2, 1, 2, 1]
    expected = draw(
        (20, 16),
        [(2, [(2, 2, 10, 4), (2, 4, 4, 8)]), (1, [(8, 3, 14, 6)]), (2, [(1, 10, 6, 14)]), (1, [(15, 2, 16, 5)])],
    )
    assert np.array_equal(render_mask(sample), expected)


def test_bad_shapes_are_left_out(tmp_path: Path):
    png(tmp_path / "train" / "a.png", size=(20, 16))
    bad = [
        [[1, 2, 3, 4]],  # two points
        [[0, 0, 5, 0, "x", 5]],
        [[0, 0, 5, 0, float("nan"), 5]],
        [[30, 30, 40, 30, 40, 40]],  # outside
        [[1, 1, 5, 5, 9, 9]],  # a line: no area
        {"size": [8, 8], "counts": [64]},  # another size
        {"size": [16, 20], "counts": [10, 5]},  # does not cover the image
        {"size": [16, 20], "counts": "\x7f\x7f"},
        {"size": [16, 20], "counts": [-5, 325]},
        {"counts": [320]},
        "polygon",
        [],
        None,
    ]
    good = [[-5, -5, 10, -5, 10, 8, -5, 8]]  # partly outside: clipped
    coco(tmp_path, [image(1, "a.png", (20, 16))], [ann(i, 1, segmentation=s) for i, s in enumerate([*bad, good])])
    data = formats.load(tmp_path, "segmentation")
    assert kinds(data.report) == sorted(["bad_box"] * (len(bad) - 1) + ["mask_size", "clipped_box"])
    (sample,) = data.splits["train"]
    assert len(sample.polygons) == 1
    assert np.array_equal(render_mask(sample), draw((20, 16), [(1, [(0, 0, 10, 8)])]))
    assert data.report.blocking(skip_invalid_images=True) == []
    assert {i.kind for i in data.report.blocking(skip_invalid_images=False)} == {"bad_box", "mask_size"}


@pytest.mark.parametrize(
    ("file_name", "folder"),
    [
        ("instances_{split}2017.json", "{split}2017"),  # the COCO 2017 download
        ("instances_{split}.json", "{split}"),
        ("instances_{split}.json", "images/{split}"),
        ("instances_{split}2017.json", "images/{split}2017"),
    ],
)
def test_the_official_layout_reads_instances_files(tmp_path: Path, file_name: str, folder: str):
    splits = {"train": {"a.png": [(2, 4, 5, 10, 6)], "b.png": []}, "val": {"v.png": [(1, 0, 0, 8, 8)]}}
    for split, boxes in splits.items():
        for name in boxes:
            png(tmp_path / folder.format(split=split) / name)
        coco_json(tmp_path / "annotations" / file_name.format(split=split), boxes)
    write_json(tmp_path / "annotations" / "captions_train2017.json", {"annotations": []})  # other tasks' files
    png(tmp_path / "test2017" / "t.png")  # COCO's test images come without annotations: no test split

    assert formats.sniff(tmp_path) == ["coco"]
    data = formats.load(tmp_path, "detection")
    assert (data.format, data.classes, data.report.issues) == ("coco", ["cat", "dog"], [])
    train_folder = tmp_path / folder.format(split="train")
    assert data.splits["train"] == [
        DetectionSample(train_folder / "a.png", ((4.0, 5.0, 14.0, 11.0),), (1,)),
        DetectionSample(train_folder / "b.png", (), ()),
    ]
    assert [s.image for s in data.splits["val"]] == [tmp_path / folder.format(split="val") / "v.png"]
    assert list(data.splits) == ["train", "val"]  # val2017 is val
    assert data.report.counts == {"train": {"cat": 0, "dog": 1}, "val": {"cat": 1, "dog": 0}}


def test_the_official_layout_for_segmentation(tmp_path: Path):
    png(tmp_path / "train2017" / "a.png", size=(20, 16))
    coco_json(
        tmp_path / "annotations" / "instances_train2017.json",
        {"a.png": [(1, 2, 2, 4, 4)]},
        segmentation=[[2, 2, 6, 2, 6, 6, 2, 6]],
    )
    data = formats.load(tmp_path, "segmentation")
    assert data.classes == ["background", "cat", "dog"] and data.report.issues == []
    (sample,) = data.splits["train"]
    assert np.array_equal(render_mask(sample), draw((20, 16), [(1, [(2, 2, 6, 6)])]))


def test_a_cvat_export_is_one_train_split_and_val_is_carved_from_it(tmp_path: Path):
    boxes = {f"frame_{i:03d}.png": [(1, 1, 1, 4, 4)] for i in range(10)}
    for name in boxes:
        png(tmp_path / "images" / name)
    coco_json(tmp_path / "annotations" / "instances_default.json", boxes, names=("car",))

    assert formats.sniff(tmp_path) == ["coco"]
    data = formats.load(tmp_path, "detection")
    assert (data.classes, list(data.splits), data.report.issues) == (["car"], ["train"], [])
    assert len(data.splits["train"]) == 10 and data.report.counts == {"train": {"car": 10}}
    assert data.splits["train"][0] == DetectionSample(tmp_path / "images" / "frame_000.png", ((1, 1, 5, 5),), (0,))
    splits = carve_splits(data, TrainingConfig())  # as for any dataset without a val split
    assert (len(splits.train), len(splits.val), splits.test) == (8, 2, [])
    assert {s.image for s in splits.train + splits.val} == {s.image for s in data.splits["train"]}


@pytest.mark.parametrize(
    ("val_file", "train_folder", "expected"),
    [
        (
            "annotations/instances_val2017.json",
            "train2017",
            "annotations/instances_train.json or annotations/instances_train2017.json",
        ),
        ("val/annotations.json", "train", "train/annotations.json or train/_annotations.coco.json"),
    ],
)
def test_train_images_without_their_annotation_file_are_named(
    tmp_path: Path, val_file: str, train_folder: str, expected: str
):
    png(tmp_path / train_folder / "a.png")
    png(tmp_path / "val" / "v.png")  # in the split folder of either layout
    coco_json(tmp_path / val_file, {"v.png": []})
    data = formats.load(tmp_path, "detection")
    assert kinds(data.report) == ["bad_annotations"] and list(data.splits) == ["val"]
    (problem,) = data.report.issues
    assert problem.message == f"no annotation file for the images in {train_folder}/: expected {expected}"
    assert problem.path == str(tmp_path / expected.split(" or ")[0])
    assert data.report.blocking(skip_invalid_images=True) == [problem]


def test_missing_image_folders_and_images_are_named(tmp_path: Path):
    coco_json(tmp_path / "annotations" / "instances_train2017.json", {"a.png": [], "b.png": []})
    data = formats.load(tmp_path, "detection")
    assert by_kind(data.report, "bad_annotations") == [
        f"{tmp_path / 'annotations' / 'instances_train2017.json'}: no image folder for "
        "annotations/instances_train2017.json: expected train/ or train2017/ or images/train/ or images/train2017/"
    ]
    assert kinds(data.report) == ["bad_annotations"]  # one problem, not one per image

    png(tmp_path / "images" / "train2017" / "a.png")
    data = formats.load(tmp_path, "detection")
    assert [s.image.name for s in data.splits["train"]] == ["a.png"]
    assert by_kind(data.report, "missing_image") == [
        f"{tmp_path / 'images' / 'train2017' / 'b.png'}: image 'b.png' is not in images/train2017/"
    ]


def test_a_cvat_file_that_is_not_coco_is_named(tmp_path: Path):
    png(tmp_path / "images" / "a.png")
    write(tmp_path / "annotations" / "instances_default.json", "{oops")
    data = formats.load(tmp_path, "detection")
    assert by_kind(data.report, "bad_annotations")[0].startswith(
        f"{tmp_path / 'annotations' / 'instances_default.json'}: not valid JSON"
    )
    assert kinds(data.report) == ["bad_annotations"] and data.splits == {}


def test_instances_keep_each_object_with_its_own_mask_and_box(tmp_path: Path):
    """Instance segmentation: one object per annotation, its box from its bbox (or its shape's bounds when it has
    none), its own mask (polygons or RLE), overlapping objects kept apart; crowds and unknown categories left out
    as for detection, a broken shape left out with its issue."""
    png(tmp_path / "train" / "images" / "a.png", size=(20, 16))
    blob = np.zeros((16, 20), dtype=np.uint8)
    blob[10:14, 1:6] = 1
    compressed = coco_mask.encode(np.asfortranarray(blob))
    compressed = {"size": compressed["size"], "counts": compressed["counts"].decode("ascii")}
    coco(
        tmp_path,
        [image(1, "a.png", (20, 16))],
        [
            ann(1, 1, 7, bbox=(2, 2, 8, 6), segmentation=[[2, 2, 10, 2, 10, 8, 2, 8]]),
            ann(2, 1, 3, bbox=None, segmentation=[[6, 3, 14, 3, 14, 6, 6, 6]]),  # overlaps the first, no bbox
            {"id": 3, "image_id": 1, "category_id": 3, "segmentation": compressed},
            ann(4, 1, 7, segmentation=compressed, iscrowd=1),
            ann(5, 1, 99, segmentation=compressed),
            ann(6, 1, 3, segmentation=[[1, 2, 3, 4]]),
        ],
    )
    data = formats.load(tmp_path, "instance_segmentation")
    assert data.classes == ["cat", "dog"]
    assert sorted(kinds(data.report)) == ["bad_box", "unknown_category"]
    (sample,) = data.splits["train"]
    assert isinstance(sample, InstanceSample) and sample.size == (20, 16)
    assert sample.labels == (1, 0, 0)
    assert sample.boxes == ((2.0, 2.0, 10.0, 8.0), (6.0, 3.0, 14.0, 6.0), (1.0, 10.0, 6.0, 14.0))
    masks = render_instances(sample)
    assert masks.shape == (3, 16, 20) and masks.dtype == np.uint8
    assert np.array_equal(masks[2], blob)
    assert masks[0][3, 8] == masks[1][3, 8] == 1  # each object keeps the pixels it shares with the other
    assert data.report.counts == {"train": {"cat": 2, "dog": 1}}
