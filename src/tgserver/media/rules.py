"""Telegram's limits on uploaded parts and download ranges, as pure functions.

Uploads: a part is at most 512 KB; every part but the last has the same size, a multiple of
1 KB that divides 512 KB; a file has at most 4000 parts (2,097,152,000 bytes with 512 KB
parts). Downloads (``upload.getFile``): offset and limit are multiples of 4 KB (1 KB with
``precise``), ``1048576 % limit == 0`` and a request never crosses a 1 MB boundary (both lifted
by ``precise``, which caps the limit at 1 MB instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tgserver.media.errors import (
    FILE_PART_EMPTY,
    FILE_PART_INVALID,
    FILE_PART_SIZE_CHANGED,
    FILE_PART_SIZE_INVALID,
    FILE_PART_TOO_BIG,
    FILE_PARTS_INVALID,
    LIMIT_INVALID,
    OFFSET_INVALID,
    file_part_missing,
    media_error,
)

__all__ = [
    "MAX_FILE_SIZE",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MEGABYTE",
    "check_complete",
    "check_consistent",
    "check_part",
    "check_parts_total",
    "check_range",
    "is_regular_part_size",
]

#: The largest part (512 KB).
MAX_PART_SIZE: Final = 512 * 1024
#: The most parts one file may have.
MAX_PARTS: Final = 4000
#: The largest file: 4000 parts of 512 KB.
MAX_FILE_SIZE: Final = MAX_PARTS * MAX_PART_SIZE
#: getFile requests never cross a multiple of this (unless ``precise``).
MEGABYTE: Final = 1024 * 1024


def is_regular_part_size(size: int) -> bool:
    """Whether ``size`` may be the size of a part that is not the last one."""
    return size > 0 and size % 1024 == 0 and MAX_PART_SIZE % size == 0


def check_parts_total(total: int) -> None:
    """The announced part count of a big file.

    Raises:
        RpcError: ``FILE_PARTS_INVALID`` outside 1..4000.
    """
    if not 1 <= total <= MAX_PARTS:
        raise media_error(FILE_PARTS_INVALID)


def check_part(part: int, size: int, total: int | None) -> None:
    """What a part can be checked for on its own (before anything is stored).

    Args:
        part: The part number.
        size: Its length in bytes.
        total: The part count of a big file (``saveBigFilePart``), None for a small one.

    Raises:
        RpcError: ``FILE_PART_EMPTY``, ``FILE_PART_TOO_BIG``, ``FILE_PARTS_INVALID``,
            ``FILE_PART_INVALID``, ``FILE_PART_SIZE_INVALID``.
    """
    if total is not None:
        check_parts_total(total)
    if not 0 <= part < (total if total is not None else MAX_PARTS):
        raise media_error(FILE_PART_INVALID)
    if size == 0:
        raise media_error(FILE_PART_EMPTY)
    if size > MAX_PART_SIZE:
        raise media_error(FILE_PART_TOO_BIG)
    if total is not None and part < total - 1 and not is_regular_part_size(size):
        raise media_error(FILE_PART_SIZE_INVALID)


def _check_sizes(sizes: Mapping[int, int], last: int) -> int:
    """The common part size of ``sizes`` (part -> size), ``last`` being the highest number
    that may hold the short last part; raises FILE_PART_SIZE_CHANGED / _INVALID."""
    full = {size for part, size in sizes.items() if part != last}
    if len(full) > 1:
        raise media_error(FILE_PART_SIZE_CHANGED)
    if not full:
        return sizes[last]
    (part_size,) = full
    if not is_regular_part_size(part_size):
        raise media_error(FILE_PART_SIZE_INVALID)
    if last in sizes and sizes[last] > part_size:
        raise media_error(FILE_PART_SIZE_CHANGED)
    return part_size


def check_consistent(sizes: Mapping[int, int], total: int | None) -> None:
    """The parts stored so far plus a new one still make a valid file.

    Only the highest part number (or ``total - 1`` of a big file) may be short.

    Raises:
        RpcError: ``FILE_PART_SIZE_CHANGED`` or ``FILE_PART_SIZE_INVALID``.
    """
    if sizes:
        _check_sizes(sizes, total - 1 if total is not None else max(sizes))


def check_complete(sizes: Mapping[int, int], parts: int, total: int | None) -> int:
    """The parts make a whole file of ``parts`` parts; returns the part size.

    Args:
        sizes: The stored parts (number -> size).
        parts: The part count the client announces in its InputFile.
        total: The part count a big upload announced with its parts, if any.

    Raises:
        RpcError: ``FILE_PARTS_INVALID``, ``FILE_PART_<n>_MISSING``,
            ``FILE_PART_SIZE_CHANGED``, ``FILE_PART_SIZE_INVALID``.
    """
    if not 1 <= parts <= MAX_PARTS or (total is not None and total != parts):
        raise media_error(FILE_PARTS_INVALID)
    for part in range(parts):
        if part not in sizes:
            raise file_part_missing(part)
    if any(part >= parts for part in sizes):
        raise media_error(FILE_PARTS_INVALID)
    return _check_sizes(sizes, parts - 1)


def check_range(offset: int, limit: int, *, precise: bool) -> None:
    """An ``upload.getFile`` range.

    Raises:
        RpcError: ``OFFSET_INVALID`` or ``LIMIT_INVALID``.
    """
    align = 1024 if precise else 4096
    if offset < 0 or offset % align:
        raise media_error(OFFSET_INVALID)
    if limit <= 0 or limit % align or limit > MEGABYTE:
        raise media_error(LIMIT_INVALID)
    if precise:
        return
    if MEGABYTE % limit:
        raise media_error(LIMIT_INVALID)
    if offset // MEGABYTE != (offset + limit - 1) // MEGABYTE:
        raise media_error(LIMIT_INVALID)
