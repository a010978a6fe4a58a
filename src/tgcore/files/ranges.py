"""Which ``upload.getFile`` requests read a file back, by Telegram's rules.

A request names an ``offset`` and a ``limit``: both multiples of 4096, ``limit`` a divisor of
1 MiB, and the range must not cross a 1 MiB boundary. The answer holds ``limit`` bytes, fewer
only at the end of the file (and none at ``offset == size``). Aligning every request to its
own size keeps all three rules: a range of ``limit`` bytes starting at a multiple of ``limit``
stays inside one MiB since ``limit`` divides 1 MiB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import attrs

__all__ = [
    "DEFAULT_REQUEST_SIZE",
    "DOWNLOAD_ALIGN",
    "DOWNLOAD_WINDOW",
    "FileRange",
    "check_file_request",
    "iter_download",
    "plan_download",
]

#: Offsets and limits of getFile are multiples of this.
DOWNLOAD_ALIGN: Final = 4096
#: No getFile request crosses a multiple of this; limits divide it.
DOWNLOAD_WINDOW: Final = 1024 * 1024
#: The request size a download uses unless told otherwise (the largest allowed).
DEFAULT_REQUEST_SIZE: Final = DOWNLOAD_WINDOW


@attrs.frozen
class FileRange:
    """One ``upload.getFile`` request: ``limit`` bytes from ``offset``.

    Attributes:
        offset: Where it starts (a multiple of 4096 and of ``limit``).
        limit: The most bytes it asks for.
        expected: How many bytes the answer must hold (``limit`` except at the end of a file
            of known size; None when the size is unknown).
    """

    offset: int
    limit: int
    expected: int | None = None


def check_file_request(offset: int, limit: int) -> None:
    """Raise ValueError unless ``(offset, limit)`` is a getFile request Telegram accepts."""
    if offset < 0 or offset % DOWNLOAD_ALIGN:
        raise ValueError(f"offset {offset} is not a non-negative multiple of 4096")
    if limit <= 0 or limit % DOWNLOAD_ALIGN or DOWNLOAD_WINDOW % limit:
        raise ValueError(f"limit {limit} is not a multiple of 4096 that divides 1048576")
    if offset // DOWNLOAD_WINDOW != (offset + limit - 1) // DOWNLOAD_WINDOW:
        raise ValueError(f"{limit} bytes from {offset} cross a 1 MiB boundary")


def _limit_at(offset: int, request_size: int) -> int:
    # The largest allowed size not above request_size that offset is a multiple of: an
    # unaligned start (a resumed download) takes smaller steps until it is aligned again.
    limit = request_size
    while offset % limit:
        limit //= 2
    return limit


def _check_start(offset: int, request_size: int) -> None:
    check_file_request(0, request_size)
    if offset < 0 or offset % DOWNLOAD_ALIGN:
        raise ValueError(f"offset {offset} is not a non-negative multiple of 4096")


def iter_download(
    offset: int = 0, *, request_size: int = DEFAULT_REQUEST_SIZE
) -> Iterator[FileRange]:
    """The getFile requests of a file of unknown size, from ``offset``, without end.

    The caller stops at the first answer shorter than its ``limit`` (the end of the file).

    Raises:
        ValueError: ``offset`` is not a multiple of 4096, or ``request_size`` is not a
            multiple of 4096 dividing 1 MiB.
    """
    _check_start(offset, request_size)
    while True:
        limit = _limit_at(offset, request_size)
        yield FileRange(offset, limit)
        offset += limit


def plan_download(
    size: int, offset: int = 0, *, request_size: int = DEFAULT_REQUEST_SIZE
) -> list[FileRange]:
    """The getFile requests that read bytes ``offset .. size`` of a file of ``size`` bytes.

    Every range but the last holds ``limit`` bytes; the ranges are disjoint, in order, and
    cover exactly ``offset .. size``, so they can be fetched in parallel and written at their
    offsets. A file of 0 bytes (or ``offset == size``) needs no request.

    Raises:
        ValueError: a negative size, ``offset`` not a multiple of 4096 or past ``size``, or a
            bad ``request_size``.
    """
    _check_start(offset, request_size)
    if size < 0 or offset > size:
        raise ValueError(f"cannot read from {offset} in a file of {size} bytes")
    ranges: list[FileRange] = []
    while offset < size:
        limit = _limit_at(offset, request_size)
        ranges.append(FileRange(offset, limit, min(limit, size - offset)))
        offset += limit
    return ranges
