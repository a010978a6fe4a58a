"""The error names of media requests, as Telegram's servers answer them.

Every name here reaches clients as ``rpc_error`` (400) through :func:`media_error`; Telethon and
Kurigram map them to their own exception classes (``FilePartMissingError`` ...).
"""

from __future__ import annotations

from typing import Final

from tgcore.errors import RpcError

__all__ = [
    "FILE_PARTS_INVALID",
    "FILE_PART_EMPTY",
    "FILE_PART_INVALID",
    "FILE_PART_SIZE_CHANGED",
    "FILE_PART_SIZE_INVALID",
    "FILE_PART_TOO_BIG",
    "FILE_REFERENCE_EXPIRED",
    "IMAGE_PROCESS_FAILED",
    "LIMIT_INVALID",
    "LOCATION_INVALID",
    "MD5_CHECKSUM_INVALID",
    "MEDIA_CAPTION_TOO_LONG",
    "MEDIA_EMPTY",
    "MEDIA_INVALID",
    "MULTI_MEDIA_TOO_LONG",
    "OFFSET_INVALID",
    "PHOTO_INVALID_DIMENSIONS",
    "file_part_missing",
    "media_error",
]

FILE_PART_EMPTY: Final = "FILE_PART_EMPTY"
"""A part without bytes."""
FILE_PART_TOO_BIG: Final = "FILE_PART_TOO_BIG"
"""A part longer than 512 KB."""
FILE_PART_INVALID: Final = "FILE_PART_INVALID"
"""A part number outside 0..3999 (or outside the announced total of a big file)."""
FILE_PARTS_INVALID: Final = "FILE_PARTS_INVALID"
"""A part count outside 1..4000, one that changed, or that does not match the stored parts."""
FILE_PART_SIZE_INVALID: Final = "FILE_PART_SIZE_INVALID"
"""A part size that is not a multiple of 1 KB dividing 512 KB, on a part that cannot be the last."""
FILE_PART_SIZE_CHANGED: Final = "FILE_PART_SIZE_CHANGED"
"""A part whose size differs from the other parts of the same file."""
MD5_CHECKSUM_INVALID: Final = "MD5_CHECKSUM_INVALID"
"""The md5 of the stored parts is not the ``md5_checksum`` of the ``inputFile``."""
LIMIT_INVALID: Final = "LIMIT_INVALID"
"""A getFile ``limit`` that breaks Telegram's alignment rules."""
OFFSET_INVALID: Final = "OFFSET_INVALID"
"""A getFile ``offset`` that breaks Telegram's alignment rules."""
LOCATION_INVALID: Final = "LOCATION_INVALID"
"""A file location naming no file this user was shown (or an unsupported location kind)."""
FILE_REFERENCE_EXPIRED: Final = "FILE_REFERENCE_EXPIRED"
"""The ``file_reference`` is not the one this user was given."""
MEDIA_CAPTION_TOO_LONG: Final = "MEDIA_CAPTION_TOO_LONG"
"""A caption longer than 1024 UTF-16 code units."""
MEDIA_EMPTY: Final = "MEDIA_EMPTY"
"""sendMedia without usable media (``inputMediaEmpty``, an unsupported kind)."""
MEDIA_INVALID: Final = "MEDIA_INVALID"
"""An InputDocument / InputPhoto naming nothing this user was shown."""
MULTI_MEDIA_TOO_LONG: Final = "MULTI_MEDIA_TOO_LONG"
"""An album of more than 10 media."""
IMAGE_PROCESS_FAILED: Final = "IMAGE_PROCESS_FAILED"
"""The uploaded photo is not an image the server can decode."""
PHOTO_INVALID_DIMENSIONS: Final = "PHOTO_INVALID_DIMENSIONS"
"""The photo is too large, too small or too elongated."""


def file_part_missing(part: int) -> RpcError:
    """``FILE_PART_<part>_MISSING``: the file is finished but part ``part`` was never saved."""
    return RpcError(400, f"FILE_PART_{part}_MISSING")


def media_error(name: str) -> RpcError:
    """``RpcError(400, name)``."""
    return RpcError(400, name)
