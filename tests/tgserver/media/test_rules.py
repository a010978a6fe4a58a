"""Telegram's part and range rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgcore.errors import RpcError
from tgserver.media import (
    MAX_FILE_SIZE,
    MAX_PART_SIZE,
    MAX_PARTS,
    check_complete,
    check_consistent,
    check_part,
    check_range,
)
from tgserver.media.rules import MEGABYTE, is_regular_part_size


def name_of(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(RpcError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value.name


def test_limits() -> None:
    assert MAX_FILE_SIZE == 2_097_152_000 == MAX_PARTS * MAX_PART_SIZE


@pytest.mark.parametrize("size", [1024, 2048, 4096, 8192, 65536, 131072, 262144, 524288])
def test_regular_part_sizes(size: int) -> None:
    assert is_regular_part_size(size)
    check_part(0, size, 10)


@pytest.mark.parametrize("size", [1000, 3072, 5120, 524288 - 1024, 100])
def test_irregular_sizes_only_last(size: int) -> None:
    assert not is_regular_part_size(size)
    assert name_of(check_part, 0, size, 10) == "FILE_PART_SIZE_INVALID"
    check_part(9, size, 10)  # the last part of a big file may be anything
    check_part(5, size, None)  # a small file's last part is not known yet


def test_part_errors() -> None:
    assert name_of(check_part, 0, 0, None) == "FILE_PART_EMPTY"
    assert name_of(check_part, 0, MAX_PART_SIZE + 1, None) == "FILE_PART_TOO_BIG"
    assert name_of(check_part, -1, 1024, None) == "FILE_PART_INVALID"
    assert name_of(check_part, MAX_PARTS, 1024, None) == "FILE_PART_INVALID"
    assert name_of(check_part, 10, 1024, 10) == "FILE_PART_INVALID"
    assert name_of(check_part, 0, 1024, 0) == "FILE_PARTS_INVALID"
    assert name_of(check_part, 0, 1024, MAX_PARTS + 1) == "FILE_PARTS_INVALID"
    check_part(MAX_PARTS - 1, 1024, MAX_PARTS)


def test_consistency() -> None:
    check_consistent({0: 4096, 1: 4096, 2: 100}, None)
    check_consistent({5: 4096, 0: 4096}, None)  # out of order
    assert name_of(check_consistent, {0: 4096, 1: 8192, 2: 8192}, None) == "FILE_PART_SIZE_CHANGED"
    # A short part that is not the highest one.
    assert name_of(check_consistent, {0: 4096, 1: 100, 2: 4096}, None) == "FILE_PART_SIZE_CHANGED"
    # The last part longer than the others.
    assert name_of(check_consistent, {0: 4096, 1: 8192}, None) == "FILE_PART_SIZE_CHANGED"
    check_consistent({0: 4096, 3: 10}, 4)


def test_complete() -> None:
    assert check_complete({0: 4096, 1: 4096, 2: 1}, 3, None) == 4096
    assert check_complete({0: 77}, 1, None) == 77
    assert name_of(check_complete, {0: 4096, 2: 5}, 3, None) == "FILE_PART_1_MISSING"
    assert name_of(check_complete, {1: 4096}, 2, None) == "FILE_PART_0_MISSING"
    assert name_of(check_complete, {0: 4096, 1: 4096, 2: 1}, 2, None) == "FILE_PARTS_INVALID"
    assert name_of(check_complete, {0: 4096}, 1, 2) == "FILE_PARTS_INVALID"
    assert name_of(check_complete, {}, 0, None) == "FILE_PARTS_INVALID"
    assert name_of(check_complete, {0: 3000, 1: 3000}, 2, None) == "FILE_PART_SIZE_INVALID"


def test_ranges() -> None:
    check_range(0, 4096, precise=False)
    check_range(MEGABYTE - 4096, 4096, precise=False)
    check_range(MEGABYTE, MEGABYTE, precise=False)
    assert name_of(check_range, 1024, 4096, precise=False) == "OFFSET_INVALID"
    assert name_of(check_range, -4096, 4096, precise=False) == "OFFSET_INVALID"
    assert name_of(check_range, 0, 0, precise=False) == "LIMIT_INVALID"
    assert name_of(check_range, 0, 1024, precise=False) == "LIMIT_INVALID"
    assert name_of(check_range, 0, 3 * 4096, precise=False) == "LIMIT_INVALID"  # 1 MB % limit
    assert name_of(check_range, 4096, MEGABYTE, precise=False) == "LIMIT_INVALID"  # crosses 1 MB
    assert name_of(check_range, 0, 2 * MEGABYTE, precise=False) == "LIMIT_INVALID"
    # precise: 1 KB alignment, any limit up to 1 MB, crossing allowed.
    check_range(1024, 3 * 1024, precise=True)
    check_range(MEGABYTE - 1024, MEGABYTE, precise=True)
    assert name_of(check_range, 512, 1024, precise=True) == "OFFSET_INVALID"
    assert name_of(check_range, 0, MEGABYTE + 1024, precise=True) == "LIMIT_INVALID"


@given(st.integers(0, 2**40), st.integers(-10, 2 * MEGABYTE), st.booleans())
def test_accepted_ranges_are_aligned(offset: int, limit: int, precise: bool) -> None:
    try:
        check_range(offset, limit, precise=precise)
    except RpcError as exc:
        assert exc.name in ("OFFSET_INVALID", "LIMIT_INVALID")
        return
    align = 1024 if precise else 4096
    assert offset % align == 0 and limit % align == 0 and 0 < limit <= MEGABYTE
    if not precise:
        assert offset // MEGABYTE == (offset + limit - 1) // MEGABYTE
