"""getFile range planning by Telegram's rules."""

from __future__ import annotations

from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgcore.files import (
    DEFAULT_REQUEST_SIZE,
    FileRange,
    check_file_request,
    iter_download,
    plan_download,
)

MIB = 1024 * 1024
REQUEST_SIZES = [4096 << k for k in range(9)]  # 4 KiB .. 1 MiB


def test_whole_mebibytes() -> None:
    assert DEFAULT_REQUEST_SIZE == MIB
    assert plan_download(3 * MIB) == [
        FileRange(0, MIB, MIB),
        FileRange(MIB, MIB, MIB),
        FileRange(2 * MIB, MIB, MIB),
    ]


def test_short_last_range_still_asks_for_a_whole_limit() -> None:
    assert plan_download(MIB + 10) == [FileRange(0, MIB, MIB), FileRange(MIB, MIB, 10)]
    assert plan_download(1) == [FileRange(0, MIB, 1)]


def test_half_mebibyte_requests() -> None:
    ranges = plan_download(MIB + 1, request_size=512 * 1024)
    assert [(r.offset, r.limit, r.expected) for r in ranges] == [
        (0, 524288, 524288),
        (524288, 524288, 524288),
        (MIB, 524288, 1),
    ]


def test_unaligned_start_steps_up_to_alignment() -> None:
    ranges = plan_download(2 * MIB, offset=12288)
    assert [(r.offset, r.limit) for r in ranges[:4]] == [
        (12288, 4096),
        (16384, 16384),
        (32768, 32768),
        (65536, 65536),
    ]
    assert ranges[-1] == FileRange(MIB, MIB, MIB)


def test_nothing_to_read() -> None:
    assert plan_download(0) == []
    assert plan_download(8192, offset=8192) == []


@pytest.mark.parametrize(
    ("size", "offset", "request_size"),
    [(-1, 0, MIB), (100, 4096 * 2, MIB), (MIB, 100, MIB), (MIB, 0, 3 * 4096), (MIB, 0, 2 * MIB)],
)
def test_bad_plans(size: int, offset: int, request_size: int) -> None:
    with pytest.raises(ValueError):
        plan_download(size, offset, request_size=request_size)


def test_unknown_size_iterates_without_end() -> None:
    ranges = list(islice(iter_download(4096), 3))
    assert ranges == [FileRange(4096, 4096), FileRange(8192, 8192), FileRange(16384, 16384)]
    assert all(r.expected is None for r in ranges)
    with pytest.raises(ValueError):
        next(iter_download(1))


@pytest.mark.parametrize(
    ("offset", "limit"),
    [(-4096, 4096), (1, 4096), (0, 0), (0, 4097), (0, 3 * 4096), (MIB - 4096, 8192), (0, 2 * MIB)],
)
def test_bad_requests(offset: int, limit: int) -> None:
    with pytest.raises(ValueError):
        check_file_request(offset, limit)


@given(
    size=st.integers(min_value=0, max_value=3 * 10**9),
    blocks=st.integers(min_value=0, max_value=2**20),
    request_size=st.sampled_from(REQUEST_SIZES),
)
def test_ranges_are_valid_and_cover_exactly(size: int, blocks: int, request_size: int) -> None:
    size = min(size, request_size * 3000)  # a plan of at most a few thousand ranges
    offset = min(blocks * 4096, size - size % 4096)
    ranges = plan_download(size, offset, request_size=request_size)
    position = offset
    for r in ranges:
        check_file_request(r.offset, r.limit)
        assert r.offset == position
        assert r.limit <= request_size
        assert r.expected == min(r.limit, size - r.offset)
        position += r.limit
    total = sum(r.expected or 0 for r in ranges)
    assert total == size - offset
