"""Checks on images uploaded for prediction, before any of them reaches a model (torch-free)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from visionyard.common.errors import Invalid

ACCEPTED_MODES = {"RGB": 3, "L": 1, "P": 1, "RGBA": 4, "LA": 2, "1": 1}
"""Modes read as RGB: grey and palette images are expanded, an alpha band is dropped."""


class ImageRejected(Invalid):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code = status, code
        super().__init__(message)


def check_image(data: bytes, name: str, max_bytes: int, max_pixels: int) -> tuple[int, int]:
    """(width, height) of an acceptable image, or :class:`ImageRejected` saying why not. Larger than
    ``max_pixels``: refused as a decompression bomb, before anything is decoded."""
    if len(data) > max_bytes:
        raise ImageRejected(413, "image_too_large", f"{name}: {len(data)} bytes; the limit is {max_bytes}")
    if not data:
        raise ImageRejected(415, "not_an_image", f"{name}: the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height, mode, bands = image.width, image.height, image.mode, len(image.getbands())
                if width * height > max_pixels:
                    raise ImageRejected(
                        413, "image_too_large", f"{name}: {width}x{height} pixels; the limit is {max_pixels}"
                    )
                image.verify()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(413, "image_too_large", f"{name}: refused as a decompression bomb ({exc})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(415, "not_an_image", f"{name}: not an image Pillow can read ({exc})") from None
    if mode not in ACCEPTED_MODES:
        raise ImageRejected(
            422,
            "wrong_bands",
            f"{name}: {bands}-band {mode} image; the model takes RGB (grey, palette and RGBA are converted)",
        )
    return width, height
