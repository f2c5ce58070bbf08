"""Mask folders (segmentation) and LEVIR-CD (change detection): pairing, sizes, values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.data.dataset_files import broken, by_kind, kinds, mask, png, write
from visionyard.data import formats
from visionyard.data.formats import ChangeSample, SegmentationSample, render_mask

VALUES = np.array([[0, 1, 2, 255], [2, 2, 1, 0], [0, 0, 0, 0]], dtype=np.uint8)  # 4 wide, 3 high


def masks_dataset(root: Path) -> Path:
    write(root / "classes.txt", "background\nroad\ncar\n")
    png(root / "train" / "images" / "a.png", size=(4, 3))
    mask(root / "train" / "masks" / "a.png", VALUES)
    png(root / "train" / "images" / "b.jpg", size=(4, 3))
    mask(root / "train" / "masks" / "b.png", VALUES, mode="P")
    png(root / "val" / "images" / "v.png", size=(4, 3))
    mask(root / "val" / "masks" / "v.png", np.zeros((3, 4)))
    return root


def test_a_mask_folder_dataset_reads_masks_as_they_are(tmp_path: Path):
    root = masks_dataset(tmp_path)
    assert formats.sniff(root) == ["masks"]
    data = formats.load(root, "segmentation")
    assert (data.format, data.classes, data.report.issues) == ("masks", ["background", "road", "car"], [])
    a, b = data.splits["train"]
    assert a == SegmentationSample(root / "train" / "images" / "a.png", mask=root / "train" / "masks" / "a.png")
    assert np.array_equal(render_mask(a), VALUES) and render_mask(a).dtype == np.uint8
    assert np.array_equal(render_mask(b), VALUES)  # a palette mask gives its indexes
    assert data.report.counts == {"train": {"images": 2}, "val": {"images": 1}}


def test_every_broken_mask_is_left_out_and_reported(tmp_path: Path):
    root = masks_dataset(tmp_path)
    images, masks = root / "train" / "images", root / "train" / "masks"
    png(images / "no_mask.png", size=(4, 3))
    png(images / "small.png", size=(4, 3))
    mask(masks / "small.png", np.zeros((2, 2)))
    png(images / "nine.png", size=(4, 3))
    mask(masks / "nine.png", np.full((3, 4), 9))
    png(images / "colour.png", size=(4, 3))
    mask(masks / "colour.png", VALUES, mode="RGB")
    png(images / "bad_mask.png", size=(4, 3))
    broken(masks / "bad_mask.png")
    broken(images / "bad_image.png")
    mask(masks / "bad_image.png", VALUES)
    write(images / "readme.md", "hi")

    data = formats.load(root, "segmentation")
    assert [s.image.name for s in data.splits["train"]] == ["a.png", "b.jpg"]
    assert kinds(data.report) == sorted(
        ["missing_mask", "mask_size", "mask_values", "mask_values", "corrupt_image", "corrupt_image", "non_image"]
    )
    assert by_kind(data.report, "mask_size") == [f"{masks / 'small.png'}: mask is 2x2, its image 4x3"]
    nine = f"{masks / 'nine.png'}: mask has values beyond classes 0..2 (and 255): 9"
    assert nine in by_kind(data.report, "mask_values")
    assert by_kind(data.report, "missing_mask") == [f"{images / 'no_mask.png'}: no mask no_mask.png for this image"]
    assert data.report.blocking(skip_invalid_images=True) == []
    assert len(data.report.blocking(skip_invalid_images=False)) == 6

    quick = formats.load(root, "segmentation", verify=False)  # nothing opened: only the missing mask shows
    assert kinds(quick.report) == ["missing_mask", "non_image"] and len(quick.splits["train"]) == 7


@pytest.mark.parametrize(("text", "message"), [(None, "no classes.txt"), ("a\n\nb", "line 2 is empty")])
def test_mask_classes_that_cannot_be_read_block(tmp_path: Path, text: str | None, message: str):
    root = masks_dataset(tmp_path)
    (root / "classes.txt").unlink()
    if text is not None:
        write(root / "classes.txt", text)
    data = formats.load(root, "segmentation")
    assert kinds(data.report) == ["bad_annotations"] and message in data.report.issues[0].message
    assert data.report.blocking(skip_invalid_images=True) == data.report.issues


def change_pair(split_dir: Path, name: str, size=(8, 6), label=None, after_size=None) -> None:
    png(split_dir / "A" / name, size=size, color=(10, 10, 10))
    png(split_dir / "B" / name, size=after_size or size, color=(250, 250, 250))
    values = np.zeros((size[1], size[0])) if label is None else label
    mask(split_dir / "label" / name, values)


def test_a_levir_cd_dataset_pairs_files_by_name(tmp_path: Path):
    changed = np.zeros((6, 8))
    changed[1:3, 2:5] = 255
    change_pair(tmp_path / "train", "1.png", label=changed)
    change_pair(tmp_path / "train", "2.png", label=(changed > 0).astype(np.uint8))  # 1 means changed too
    change_pair(tmp_path / "test", "9.png")
    assert formats.sniff(tmp_path) == ["levir_cd"]
    data = formats.load(tmp_path, "change_detection")
    assert (data.format, data.classes, data.report.issues) == ("levir_cd", ["unchanged", "changed"], [])
    train = tmp_path / "train"
    first = ChangeSample(train / "A" / "1.png", train / "B" / "1.png", train / "label" / "1.png")
    assert data.splits["train"][0] == first
    assert data.report.counts == {"train": {"images": 2}, "test": {"images": 1}}


def test_every_broken_change_pair_is_left_out_and_reported(tmp_path: Path):
    split = tmp_path / "train"
    change_pair(split, "good.png")
    change_pair(split, "grey.png", label=np.full((6, 8), 128))
    change_pair(split, "sizes.png", after_size=(4, 4))
    change_pair(split, "label_size.png", label=np.zeros((3, 3)))
    change_pair(split, "corrupt.png")
    broken(split / "B" / "corrupt.png")
    change_pair(split, "lonely.png")
    (split / "B" / "lonely.png").unlink()
    (split / "label" / "lonely.png").unlink()
    mask(split / "label" / "orphan.png", np.zeros((6, 8)))
    write(split / "A" / "Thumbs.db", "x")

    data = formats.load(tmp_path, "change_detection")
    assert [s.before.name for s in data.splits["train"]] == ["good.png"]
    assert kinds(data.report) == sorted(
        ["mask_values", "mask_size", "mask_size", "corrupt_image", "unpaired", "unpaired", "non_image"]
    )
    assert f"{split / 'A' / 'lonely.png'}: lonely.png has no partner in B/, label/" in by_kind(data.report, "unpaired")
    assert f"{split / 'label' / 'orphan.png'}: orphan.png has no partner in A/, B/" in by_kind(data.report, "unpaired")
    assert data.report.blocking(skip_invalid_images=True) == []
    quick = formats.load(tmp_path, "change_detection", verify=False)
    assert kinds(quick.report) == ["non_image", "unpaired", "unpaired"] and len(quick.splits["train"]) == 5


def test_an_empty_change_split_blocks(tmp_path: Path):
    for part in ("A", "B", "label"):
        (tmp_path / "train" / part).mkdir(parents=True)
    data = formats.load(tmp_path, "change_detection")
    assert kinds(data.report) == ["empty"] and data.report.blocking(skip_invalid_images=True) == data.report.issues
