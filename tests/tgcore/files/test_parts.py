"""Upload part planning by Telegram's rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgcore.files import (
    BIG_FILE_THRESHOLD,
    MAX_FILE_SIZE,
    MAX_PART_SIZE,
    MAX_UPLOAD_PARTS,
    SMALL_FILE_PART_SIZE,
    check_part_size,
    plan_upload,
)

VALID_PART_SIZES = [1024 << k for k in range(10)]  # 1 KiB .. 512 KiB


def test_the_limits_are_telegrams() -> None:
    assert MAX_PART_SIZE == 524288
    assert MAX_UPLOAD_PARTS == 4000
    assert MAX_FILE_SIZE == 2_097_152_000
    assert BIG_FILE_THRESHOLD == 10 * 1024 * 1024
    assert VALID_PART_SIZES[-1] == MAX_PART_SIZE


@pytest.mark.parametrize(
    ("size", "part_size", "parts", "big"),
    [
        (1, SMALL_FILE_PART_SIZE, 1, False),
        (131072, 131072, 1, False),
        (131073, 131072, 2, False),
        (10 * 1024 * 1024, 131072, 80, False),  # exactly 10 MiB is still small
        (10 * 1024 * 1024 + 1, 524288, 21, True),
        (1_500_000_000, 524288, 2862, True),
        (MAX_FILE_SIZE, 524288, 4000, True),
    ],
)
def test_default_plans(size: int, part_size: int, parts: int, big: bool) -> None:
    plan = plan_upload(size)
    assert (plan.size, plan.part_size, plan.parts, plan.big) == (size, part_size, parts, big)


def test_part_offsets_and_lengths() -> None:
    plan = plan_upload(300_000, part_size=131072)
    assert plan.parts == 3
    assert [plan.part_offset(i) for i in range(3)] == [0, 131072, 262144]
    assert [plan.part_length(i) for i in range(3)] == [131072, 131072, 300_000 - 262144]
    with pytest.raises(IndexError):
        plan.part_offset(3)
    with pytest.raises(IndexError):
        plan.part_length(-1)


@pytest.mark.parametrize("size", [0, -1, MAX_FILE_SIZE + 1])
def test_sizes_refused(size: int) -> None:
    with pytest.raises(ValueError):
        plan_upload(size)


def test_too_many_parts_refused() -> None:
    with pytest.raises(ValueError, match="4001 parts"):
        plan_upload(4001 * 1024, part_size=1024)
    assert plan_upload(4000 * 1024, part_size=1024).parts == 4000


@pytest.mark.parametrize("part_size", VALID_PART_SIZES)
def test_valid_part_sizes(part_size: int) -> None:
    check_part_size(part_size)
    assert plan_upload(part_size * 3, part_size=part_size).parts == 3


@pytest.mark.parametrize("part_size", [0, -1024, 1000, 3072, 1024 * 1024, 524288 + 1024, 1.0])
def test_invalid_part_sizes(part_size: int) -> None:
    with pytest.raises(ValueError):
        check_part_size(part_size)
    with pytest.raises(ValueError):
        plan_upload(10_000, part_size=part_size)


@given(
    size=st.integers(min_value=1, max_value=MAX_FILE_SIZE),
    part_size=st.sampled_from([*VALID_PART_SIZES, None]),
)
def test_parts_cover_the_file_exactly(size: int, part_size: int | None) -> None:
    try:
        plan = plan_upload(size, part_size=part_size)
    except ValueError:
        assert part_size is not None and -(-size // part_size) > MAX_UPLOAD_PARTS
        return
    assert plan.big == (size > BIG_FILE_THRESHOLD)
    assert plan.parts <= MAX_UPLOAD_PARTS
    assert plan.part_size % 1024 == 0 and 524288 % plan.part_size == 0
    last = plan.parts - 1
    assert plan.part_offset(last) + plan.part_length(last) == size
    assert 0 < plan.part_length(last) <= plan.part_size
    if last:
        assert plan.part_length(last - 1) == plan.part_size
