"""How a file is cut into upload parts, by Telegram's rules.

Telegram takes a file in numbered parts (``upload.saveFilePart`` / ``upload.saveBigFilePart``)
of one size, the last part shorter. The size must divide 512 KiB and be a multiple of 1 KiB;
a file has at most 4000 parts, so at most 2,097,152,000 bytes with 512 KiB parts. Files over
10 MiB are "big": they go through ``saveBigFilePart`` (which repeats the part count) and are
named by ``inputFileBig``, without an md5; smaller ones by ``inputFile`` with the md5 hex of the
whole content.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = [
    "BIG_FILE_THRESHOLD",
    "MAX_FILE_SIZE",
    "MAX_PART_SIZE",
    "MAX_UPLOAD_PARTS",
    "MIN_PART_SIZE",
    "SMALL_FILE_PART_SIZE",
    "UploadPlan",
    "check_part_size",
    "plan_upload",
]

#: Largest part: every part size divides it.
MAX_PART_SIZE: Final = 512 * 1024
#: Part sizes are multiples of this.
MIN_PART_SIZE: Final = 1024
#: Most parts one file may have.
MAX_UPLOAD_PARTS: Final = 4000
#: Largest file: 4000 parts of 512 KiB.
MAX_FILE_SIZE: Final = MAX_UPLOAD_PARTS * MAX_PART_SIZE
#: Files strictly larger than this are big (saveBigFilePart, inputFileBig, no md5).
BIG_FILE_THRESHOLD: Final = 10 * 1024 * 1024
#: The part size of small files, as Telegram's mobile clients use (fewer, larger requests
#: for big files; small ones stay responsive on slow links).
SMALL_FILE_PART_SIZE: Final = 128 * 1024


def check_part_size(part_size: int) -> None:
    """Raise ValueError unless ``part_size`` is one Telegram accepts.

    Accepted: a multiple of 1024 that divides 524288 (1, 2, 4, ... 512 KiB).
    """
    if (
        not isinstance(part_size, int)
        or part_size <= 0
        or part_size % MIN_PART_SIZE
        or MAX_PART_SIZE % part_size
    ):
        raise ValueError(f"part size {part_size!r} must be a multiple of 1024 that divides 524288")


@attrs.frozen
class UploadPlan:
    """How one file of ``size`` bytes is uploaded.

    Attributes:
        size: Bytes in the file (at least 1).
        part_size: Bytes per part (the last part holds the rest).
        parts: How many parts.
        big: Whether it goes through ``saveBigFilePart`` / ``inputFileBig`` (no md5).
    """

    size: int
    part_size: int
    parts: int
    big: bool

    def part_offset(self, index: int) -> int:
        """Where part ``index`` (0-based) starts in the file."""
        self._check_index(index)
        return index * self.part_size

    def part_length(self, index: int) -> int:
        """How many bytes part ``index`` holds (``part_size`` except for the last part)."""
        self._check_index(index)
        return min(self.part_size, self.size - index * self.part_size)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.parts:
            raise IndexError(f"part {index} is not in 0..{self.parts - 1}")


def plan_upload(size: int, *, part_size: int | None = None) -> UploadPlan:
    """The upload plan of a file of ``size`` bytes.

    Args:
        size: Bytes in the file: 1 .. :data:`MAX_FILE_SIZE`.
        part_size: Force a part size (checked by :func:`check_part_size`); by default 512 KiB
            for big files and 128 KiB for files up to 10 MiB.

    Raises:
        ValueError: an empty or too large file, a bad part size, or more than 4000 parts.
    """
    if not isinstance(size, int) or size <= 0:
        raise ValueError(f"cannot upload {size!r} bytes: a file has at least 1 byte")
    if size > MAX_FILE_SIZE:
        raise ValueError(f"a file of {size} bytes is over the {MAX_FILE_SIZE}-byte limit")
    big = size > BIG_FILE_THRESHOLD
    if part_size is None:
        part_size = MAX_PART_SIZE if big else SMALL_FILE_PART_SIZE
    check_part_size(part_size)
    parts = -(-size // part_size)
    if parts > MAX_UPLOAD_PARTS:
        raise ValueError(
            f"{size} bytes in parts of {part_size} make {parts} parts; at most"
            f" {MAX_UPLOAD_PARTS} are allowed (use larger parts)"
        )
    return UploadPlan(size=size, part_size=part_size, parts=parts, big=big)
