"""Photo size variants with Pillow: what a sent photo becomes.

Telegram keeps a photo as a few JPEG sizes, each fitting a square box, and clients pick the one
they need: ``s`` (100 px), ``m`` (320), ``x`` (800), ``y`` (1280), ``w`` (2560). A size is made
only when the original is larger than the box below it (a 500 px photo gets ``s``, ``m`` and an
``x`` of 500 px), never enlarged. Decoding is CPU work: callers run it in a worker thread.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from typing import Final

import attrs
from PIL import Image, ImageOps

from tgserver.media.errors import IMAGE_PROCESS_FAILED, PHOTO_INVALID_DIMENSIONS, media_error

__all__ = ["MAX_PHOTO_PIXELS", "PHOTO_BOXES", "PhotoVariant", "make_variants"]

#: The size types and their box sides, smallest first.
PHOTO_BOXES: Final = (("s", 100), ("m", 320), ("x", 800), ("y", 1280), ("w", 2560))
#: The most pixels a photo may have (larger ones are refused rather than decoded).
MAX_PHOTO_PIXELS: Final = 50_000_000
#: Telegram's limits: width + height at most 10000, a side ratio at most 20.
_MAX_SIDES: Final = 10_000
_MAX_RATIO: Final = 20
_QUALITY: Final = 87


@attrs.frozen
class PhotoVariant:
    """One size of a photo.

    Attributes:
        type: The size type (``"s"``, ``"m"`` ...).
        width: Pixels.
        height: Pixels.
        data: The JPEG bytes.
    """

    type: str
    width: int
    height: int
    data: bytes = attrs.field(repr=False)


def _decode(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # A decompression bomb warning is a refusal here, not a log line.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise media_error(PHOTO_INVALID_DIMENSIONS)
            image.load()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
            raise media_error(IMAGE_PROCESS_FAILED) from exc
        except Image.DecompressionBombError:
            raise media_error(PHOTO_INVALID_DIMENSIONS) from None
    return image


def make_variants(
    data: bytes, boxes: Sequence[tuple[str, int]] = PHOTO_BOXES
) -> list[PhotoVariant]:
    """The JPEG sizes of the image in ``data``, smallest first (blocking, CPU-bound).

    ``boxes`` are the size types and box sides to make (a document thumbnail: ``[("m", 320)]``).

    Raises:
        RpcError: ``IMAGE_PROCESS_FAILED`` (not an image Pillow decodes),
            ``PHOTO_INVALID_DIMENSIONS`` (too large, or sides out of proportion).
    """
    image = _decode(data)
    # A broken EXIF block only loses the rotation.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    width, height = image.size
    if width < 1 or height < 1 or width + height > _MAX_SIDES:
        raise media_error(PHOTO_INVALID_DIMENSIONS)
    if max(width, height) > _MAX_RATIO * min(width, height):
        raise media_error(PHOTO_INVALID_DIMENSIONS)
    if image.mode != "RGB":
        image = image.convert("RGBA").convert("RGB") if "A" in image.mode else image.convert("RGB")
    variants: list[PhotoVariant] = []
    previous = 0
    for kind, box in boxes:
        if variants and max(width, height) <= previous:
            break
        scaled = image.copy()
        scaled.thumbnail((box, box), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        scaled.save(out, format="JPEG", quality=_QUALITY)
        variants.append(PhotoVariant(kind, scaled.width, scaled.height, out.getvalue()))
        previous = box
    return variants
