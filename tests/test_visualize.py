"""Drawing helpers: colours land where they should and nothing else is touched."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from visionyard.data.drawing import (
    _GAP,
    _TITLE_HEIGHT,
    caption,
    draw_boxes,
    overlay_mask,
    palette,
    side_by_side,
    to_png,
)

GREY = (100, 100, 100)
CLASSES = ["cat", "dog", "bird"]


def grey(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (width, height), GREY)


def test_palette_distinct_saturated_and_stable() -> None:
    colours = palette(50)
    assert len(colours) == 50
    assert len(set(colours)) == 50
    assert all(max(c) - min(c) > 150 for c in colours)
    assert palette(50) == colours
    assert palette(7) == colours[:7]
    assert palette(0) == []


def test_draw_boxes_outlines_in_class_colour() -> None:
    image = grey(200, 200)
    out = draw_boxes(image, [(50, 60, 150, 160)], [1], CLASSES, scores=[0.87])
    colour = palette(len(CLASSES))[1]
    assert out.mode == "RGB"
    assert out is not image
    assert image.getpixel((50, 110)) == GREY
    assert out.getpixel((50, 110)) == colour  # left edge
    assert out.getpixel((150, 110)) == colour  # right edge
    assert out.getpixel((100, 160)) == colour  # bottom edge
    assert out.getpixel((50, 59)) == colour  # caption background just above the box
    assert out.getpixel((100, 110)) == GREY  # inside the box
    assert out.getpixel((190, 190)) == GREY  # far away


def test_draw_boxes_caption_stays_inside_at_the_top() -> None:
    out = draw_boxes(grey(200, 200), [(10, 0, 100, 80)], [2], CLASSES)
    colour = palette(len(CLASSES))[2]
    assert out.getpixel((11, 5)) == colour  # caption drawn inside the box, not above the image
    assert out.getpixel((50, 70)) == GREY


def test_draw_boxes_line_width_scales_with_image() -> None:
    out = draw_boxes(grey(800, 800), [(100, 100, 700, 700)], [0], CLASSES)
    colour = palette(len(CLASSES))[0]
    assert [out.getpixel((100 + dx, 400)) for dx in range(5)] == [colour] * 4 + [GREY]


def test_draw_boxes_without_boxes_and_with_unknown_label() -> None:
    image = grey(64, 48)
    assert np.array_equal(np.asarray(draw_boxes(image, [], [], CLASSES)), np.asarray(image))
    out = draw_boxes(image.convert("L"), [(5, 20, 40, 40)], [7], CLASSES)
    assert out.mode == "RGB"
    assert out.getpixel((5, 30)) == palette(8)[7]


def test_overlay_mask_tints_classes_only() -> None:
    image = grey(4, 2)
    mask = np.array([[0, 1, 2, 255], [3, 1, 0, 9]], dtype=np.uint8)
    out = np.asarray(overlay_mask(image, mask, num_classes=4, alpha=0.5))
    colours = palette(4)
    for y, x in [(0, 0), (1, 2), (0, 3), (1, 3)]:  # background, ignore, out of range
        assert tuple(out[y, x]) == GREY
    for y, x in [(0, 1), (0, 2), (1, 0), (1, 1)]:
        expected = np.rint(0.5 * np.array(GREY) + 0.5 * np.array(colours[mask[y, x]]))
        assert np.array_equal(out[y, x], expected)


def test_overlay_mask_background_none_colours_every_class() -> None:
    out = overlay_mask(grey(2, 1), np.array([[0, 1]]), num_classes=2, alpha=1.0, background=None)
    assert [out.getpixel((0, 0)), out.getpixel((1, 0))] == palette(2)


def test_overlay_mask_resizes_mask_nearest() -> None:
    mask = np.array([[0, 1], [2, 0]], dtype=np.int64)
    out = np.asarray(overlay_mask(grey(8, 6), mask, num_classes=3, alpha=1.0))
    colours = palette(3)
    assert out.shape == (6, 8, 3)
    assert (out[:3, :4] == GREY).all()
    assert (out[:3, 4:] == colours[1]).all()
    assert (out[3:, :4] == colours[2]).all()
    assert (out[3:, 4:] == GREY).all()


def test_caption_bar_colour_and_layout() -> None:
    image = Image.new("RGB", (120, 80), (10, 200, 30))
    bars = {}
    for ok in (True, False, None):
        out = caption(image, "pred: dog 0.91", ok)
        assert out.width == image.width
        assert out.height > image.height
        assert np.array_equal(np.asarray(out)[: image.height], np.asarray(image))
        bars[ok] = out.getpixel((0, out.height - 1))
    assert len(set(bars.values())) == 3
    assert bars[True][1] > bars[True][0]  # green-ish
    assert bars[False][0] > bars[False][1]  # red-ish


def test_caption_widens_for_long_text() -> None:
    out = caption(grey(20, 20), "truth: cat\npred: dog 0.91", ok=False)
    assert out.width > 20
    assert out.height > 20 + 20  # two lines of text


def test_side_by_side_layout() -> None:
    mask = np.zeros((50, 100), dtype=np.uint8)
    mask[:, 50:] = 255
    small = Image.fromarray(mask)  # short side < 128: scaled with NEAREST
    large = Image.new("RGB", (300, 200), (0, 0, 255))
    out = side_by_side([("mask", small), ("image", large)], height=120)
    assert out.mode == "RGB"
    assert out.size == (240 + _GAP + 180, _TITLE_HEIGHT + 120)
    panel = np.asarray(out)[_TITLE_HEIGHT:, :240]
    assert {tuple(c) for c in panel.reshape(-1, 3)} == {(0, 0, 0), (255, 255, 255)}  # crisp
    assert out.getpixel((240 + _GAP // 2, 60)) == (255, 255, 255)  # gap
    assert out.getpixel((240 + _GAP + 90, _TITLE_HEIGHT + 60)) == (0, 0, 255)
    with pytest.raises(ValueError):
        side_by_side([])


def test_to_png_round_trips() -> None:
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (12, 9, 3), dtype=np.uint8))
    data = to_png(image)
    assert data.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(data)) as back:
        assert back.format == "PNG"
        assert np.array_equal(np.asarray(back), np.asarray(image))


def test_module_does_not_import_torch() -> None:
    code = "import sys, visionyard.data.drawing; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
