"""Draw predictions and ground truth on images: boxes, mask overlays, objects, captions and panel grids.

Pillow and numpy only: the HTTP API imports this module and must never import torch.
Boxes are absolute-pixel ``x1, y1, x2, y2``; masks are ``(H, W)`` arrays of class indices.
"""

from __future__ import annotations

import colorsys
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_GOLDEN = 0.618033988749895
_GAP = 8  # pixels between side_by_side panels
_TITLE_HEIGHT = 24  # side_by_side title bar
_TITLE_FONT = 14
_CAPTION_COLOURS = {True: (46, 160, 67), False: (214, 39, 40), None: (110, 110, 110)}

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def palette(n: int) -> list[tuple[int, int, int]]:
    """``n`` distinct saturated colours; ``palette(n)[i]`` is the same for every ``n > i``."""
    colours = []
    for i in range(max(n, 0)):
        r, g, b = colorsys.hsv_to_rgb((i * _GOLDEN) % 1.0, 0.85, 0.95)
        colours.append((round(r * 255), round(g * 255), round(b * 255)))
    return colours


def _font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow 10.0: fixed-size bitmap font only
        return ImageFont.load_default()


def _font_size(image: Image.Image) -> int:
    return max(10, round(min(image.size) / 32))


def _text_colour(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``fill``."""
    r, g, b = fill
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


def draw_boxes(
    image: Image.Image,
    boxes: Sequence[Sequence[float]],
    labels: Sequence[int],
    class_names: Sequence[str],
    scores: Sequence[float] | None = None,
) -> Image.Image:
    """An RGB copy of ``image`` with each box outlined in its class colour and captioned "name 0.87".

    Labels outside ``class_names`` are captioned with their number.
    """
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    width, height = out.size
    line = max(1, round(min(width, height) / 200))
    size = _font_size(out)
    font = _font(size)
    pad = max(2, size // 5)
    labels = [int(label) for label in labels]
    colours = palette(max(len(class_names), max(labels, default=-1) + 1))
    for i, (box, label) in enumerate(zip(boxes, labels, strict=True)):
        x1, x2 = sorted((float(box[0]), float(box[2])))
        y1, y2 = sorted((float(box[1]), float(box[3])))
        colour = colours[label]
        draw.rectangle((x1, y1, x2, y2), outline=colour, width=line)

        text = class_names[label] if 0 <= label < len(class_names) else str(label)
        if scores is not None:
            text = f"{text} {float(scores[i]):.2f}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        cap_w, cap_h = right - left + 2 * pad, bottom - top + 2 * pad
        cap_x = min(max(x1, 0), max(width - cap_w, 0))
        cap_y = y1 - cap_h if y1 - cap_h >= 0 else max(y1, 0)
        draw.rectangle((cap_x, cap_y, cap_x + cap_w - 1, cap_y + cap_h - 1), fill=colour)
        draw.text((cap_x + pad - left, cap_y + pad - top), text, fill=_text_colour(colour), font=font)
    return out


def overlay_mask(
    image: Image.Image,
    mask: np.ndarray,
    num_classes: int,
    alpha: float = 0.5,
    background: int | None = 0,
    ignore_index: int = 255,
) -> Image.Image:
    """``image`` as RGB with each mask class blended towards its palette colour at ``alpha``.

    A mask of another size is resized to the image (nearest neighbour). Pixels of ``background``
    (``None``: colour every class), ``ignore_index`` or outside ``0..num_classes-1`` are left as they are.
    """
    rgb = np.asarray(image.convert("RGB"))
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {mask.shape}")
    if mask.shape != rgb.shape[:2]:
        resized = Image.fromarray(mask.astype(np.int32)).resize(image.size, Image.Resampling.NEAREST)
        mask = np.asarray(resized)
    paint = (mask >= 0) & (mask < num_classes) & (mask != ignore_index)
    if background is not None:
        paint &= mask != background
    colours = np.array(palette(num_classes), dtype=np.float32).reshape(-1, 3)
    out = rgb.copy()
    blended = (1 - alpha) * rgb[paint].astype(np.float32) + alpha * colours[mask[paint]]
    out[paint] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return Image.fromarray(out, "RGB")


def draw_objects(
    image: Image.Image,
    masks: np.ndarray,
    boxes: Sequence[Sequence[float]],
    labels: Sequence[int],
    class_names: Sequence[str],
    scores: Sequence[float] | None = None,
    alpha: float = 0.5,
) -> Image.Image:
    """Objects of instance segmentation: each ``(H, W)`` 0/1 mask of ``masks`` blended towards its class
    colour (the first object on top), then the boxes as ``draw_boxes`` draws them."""
    rgb = np.asarray(image.convert("RGB"))
    colours = np.array(palette(max(len(class_names), max(labels, default=-1) + 1)), dtype=np.float32)
    out = rgb.copy()
    for mask, label in reversed(list(zip(masks, labels, strict=True))):
        paint = np.asarray(mask, dtype=bool)
        if paint.shape != rgb.shape[:2]:
            raise ValueError(f"a mask is {paint.shape}, its image {rgb.shape[:2]}")
        blended = (1 - alpha) * rgb[paint].astype(np.float32) + alpha * colours[int(label)]
        out[paint] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return draw_boxes(Image.fromarray(out, "RGB"), boxes, labels, class_names, scores)


def caption(image: Image.Image, text: str, ok: bool | None = None) -> Image.Image:
    """``image`` with ``text`` in a bar under it: green when ``ok``, red when not, grey when ``None``.

    The canvas widens (image centred on white) when the text is wider than the image.
    """
    src = image.convert("RGB")
    size = _font_size(src)
    font = _font(size)
    pad = size // 2
    probe = ImageDraw.Draw(src)
    left, top, right, bottom = probe.multiline_textbbox((0, 0), text, font=font)
    width = max(src.width, right - left + 2 * pad)
    bar_h = bottom - top + 2 * pad
    out = Image.new("RGB", (width, src.height + bar_h), (255, 255, 255))
    out.paste(src, ((width - src.width) // 2, 0))
    draw = ImageDraw.Draw(out)
    fill = _CAPTION_COLOURS[ok]
    draw.rectangle((0, src.height, width - 1, src.height + bar_h - 1), fill=fill)
    draw.multiline_text((pad - left, src.height + pad - top), text, fill=_text_colour(fill), font=font)
    return out


def side_by_side(panels: Sequence[tuple[str, Image.Image]], height: int = 384) -> Image.Image:
    """Panels scaled to ``height``, each under a title bar, left to right on white.

    Sources under 128 px on their short side are scaled with NEAREST so masks stay crisp.
    """
    if not panels:
        raise ValueError("side_by_side needs at least one panel")
    font = _font(_TITLE_FONT)
    tiles = []
    for title, image in panels:
        src = image.convert("RGB")
        size = (max(1, round(src.width * height / src.height)), height)
        small = min(src.size) < 128
        scaled = src.resize(size, Image.Resampling.NEAREST if small else Image.Resampling.LANCZOS)
        tile = Image.new("RGB", (size[0], _TITLE_HEIGHT + height), (235, 235, 235))
        tile.paste(scaled, (0, _TITLE_HEIGHT))
        # Drawing on the tile clips a title wider than its panel.
        draw = ImageDraw.Draw(tile)
        left, top, right, bottom = draw.textbbox((0, 0), title, font=font)
        origin = ((size[0] - (right - left)) / 2 - left, (_TITLE_HEIGHT - (bottom - top)) / 2 - top)
        draw.text(origin, title, fill=(30, 30, 30), font=font)
        tiles.append(tile)
    width = sum(tile.width for tile in tiles) + _GAP * (len(tiles) - 1)
    out = Image.new("RGB", (width, _TITLE_HEIGHT + height), (255, 255, 255))
    x = 0
    for tile in tiles:
        out.paste(tile, (x, 0))
        x += tile.width + _GAP
    return out


def to_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
