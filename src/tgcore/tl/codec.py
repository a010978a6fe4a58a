"""Whole-buffer decoding entry points."""

from __future__ import annotations

from tgcore.tl.primitives import Reader
from tgcore.tl.tlobject import TLObject

__all__ = ["read_object"]


def read_object(data: bytes | bytearray | memoryview) -> TLObject:
    """Decode one boxed TL object (constructor or function call) from the start of ``data``.

    ``gzip_packed`` is inflated transparently. Raises
    :class:`~tgcore.tl.errors.UnknownConstructorError` for an id the schema lacks and
    :class:`~tgcore.tl.errors.TLDecodeError` for any other malformed input.
    """
    return Reader(data).read_object()
