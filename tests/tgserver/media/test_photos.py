"""Photo sizes with Pillow and the refusals of what is not a usable image."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tgcore.errors import RpcError
from tgserver.media import make_variants


def image_bytes(width: int, height: int, fmt: str = "PNG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 128 if mode == "L" else (10, 200, 30, 255)[: len(mode)]).save(
        out, format=fmt
    )
    return out.getvalue()


def test_sizes_of_a_large_photo() -> None:
    variants = make_variants(image_bytes(3000, 2000, "JPEG"))
    assert [(v.type, v.width, v.height) for v in variants] == [
        ("s", 100, 67),
        ("m", 320, 213),
        ("x", 800, 533),
        ("y", 1280, 853),
        ("w", 2560, 1707),
    ]
    for variant in variants:
        decoded = Image.open(io.BytesIO(variant.data))
        assert decoded.format == "JPEG" and decoded.size == (variant.width, variant.height)


def test_a_small_photo_is_never_enlarged() -> None:
    variants = make_variants(image_bytes(500, 250))
    assert [(v.type, v.width, v.height) for v in variants] == [
        ("s", 100, 50),
        ("m", 320, 160),
        ("x", 500, 250),
    ]
    assert [(v.type, v.width) for v in make_variants(image_bytes(60, 40))] == [("s", 60)]


@pytest.mark.parametrize("mode", ["RGBA", "L", "P"])
def test_other_modes_become_jpeg(mode: str) -> None:
    out = io.BytesIO()
    Image.new(mode, (200, 100)).save(out, format="PNG")
    (_, medium) = make_variants(out.getvalue())
    assert Image.open(io.BytesIO(medium.data)).mode == "RGB"


def error(data: bytes) -> str:
    with pytest.raises(RpcError) as info:
        make_variants(data)
    return info.value.name


def test_refusals() -> None:
    assert error(b"not an image at all") == "IMAGE_PROCESS_FAILED"
    assert error(image_bytes(100, 100)[:60]) == "IMAGE_PROCESS_FAILED"
    assert error(image_bytes(2100, 100)) == "PHOTO_INVALID_DIMENSIONS"  # ratio > 20
    assert error(image_bytes(9000, 1500)) == "PHOTO_INVALID_DIMENSIONS"  # w + h > 10000
