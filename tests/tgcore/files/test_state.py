"""UploadState: progress bookkeeping and its byte format."""

from __future__ import annotations

import hashlib
import struct

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgcore.files import UploadState, plan_upload

MD5 = hashlib.md5(b"hello").hexdigest()


def test_fresh_state() -> None:
    plan = plan_upload(300_000, part_size=131072)
    state = UploadState.start(plan, file_id=-7, started_at=1.5)
    assert state.parts == 3
    assert state.plan == plan
    assert state.acked == b"\x00"
    assert list(state.missing()) == [0, 1, 2]
    assert (state.acked_parts, state.acked_bytes, state.complete) == (0, 0, False)


def test_acknowledging_parts() -> None:
    state = UploadState.start(plan_upload(300_000, part_size=131072), file_id=1)
    last = state.with_part(2)
    assert last.is_acked(2) and not last.is_acked(0)
    assert last.acked_bytes == 300_000 - 2 * 131072
    assert state.acked_parts == 0  # values are immutable
    both = last.with_part(0).with_part(0)
    assert both.acked == bytes([0b101])
    assert list(both.missing()) == [1]
    assert both.acked_bytes == 131072 + 300_000 - 2 * 131072
    done = both.with_part(1)
    assert done.complete and done.acked_bytes == 300_000
    assert not done.without_part(1).is_acked(1)
    assert done.without_part(1).without_part(1).acked == bytes([0b101])
    with pytest.raises(IndexError):
        state.with_part(3)
    with pytest.raises(IndexError):
        state.is_acked(-1)
    with pytest.raises(IndexError):
        state.without_part(3)


def test_md5() -> None:
    state = UploadState.start(plan_upload(5), file_id=1)
    assert state.with_md5(MD5).md5_checksum == MD5
    with pytest.raises(ValueError):
        state.with_md5("A" * 32)
    with pytest.raises(ValueError):
        state.with_md5("abc")


def test_file_id_range() -> None:
    plan = plan_upload(5)
    UploadState.start(plan, file_id=-(2**63))
    UploadState.start(plan, file_id=2**63 - 1)
    with pytest.raises(ValueError):
        UploadState.start(plan, file_id=2**63)


def test_byte_vector() -> None:
    plan = plan_upload(300_000, part_size=131072)
    state = UploadState.start(plan, file_id=0x0102030405060708, started_at=2.0).with_part(1)
    state = state.with_md5(MD5)
    expected = (
        b"TGUS\x01"
        + bytes.fromhex("0807060504030201")  # file_id
        + (300_000).to_bytes(8, "little")
        + (131072).to_bytes(4, "little")
        + struct.pack("<d", 2.0)
        + b"\x20"
        + MD5.encode()
        + b"\x02"
    )
    assert state.to_bytes() == expected
    assert UploadState.from_bytes(expected) == state


def _valid() -> bytes:
    state = UploadState.start(plan_upload(300_000, part_size=131072), file_id=9)
    return state.with_part(0).to_bytes()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"TGUS", "too short"),
        (b"XXXX" + _valid()[4:], "bad magic"),
        (_valid()[:4] + b"\x02" + _valid()[5:], "version 2"),
        (_valid()[:-1], "bitmap"),
        (_valid() + b"\x00", "bitmap"),
        (_valid()[:-1] + b"\x08", "past the last part"),
        (_valid()[:-2] + b"\x05" + _valid()[-1:], "bad md5"),
    ],
)
def test_bad_bytes(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UploadState.from_bytes(data)


def test_bad_md5_in_bytes() -> None:
    state = UploadState.start(plan_upload(5), file_id=1)
    good = state.with_md5(MD5).to_bytes()
    bad = good.replace(MD5.encode(), MD5.upper().encode())
    with pytest.raises(ValueError, match="bad md5"):
        UploadState.from_bytes(bad)


def test_bad_part_size_in_bytes() -> None:
    data = bytearray(_valid())
    data[21:25] = (1000).to_bytes(4, "little")
    with pytest.raises(ValueError):
        UploadState.from_bytes(bytes(data))


@given(
    size=st.integers(min_value=1, max_value=2_097_152_000),
    file_id=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    picks=st.lists(st.integers(min_value=0, max_value=10**6), max_size=50),
    with_md5=st.booleans(),
)
def test_round_trip(size: int, file_id: int, picks: list[int], with_md5: bool) -> None:
    plan = plan_upload(size)
    state = UploadState.start(plan, file_id, started_at=1_700_000_000.25)
    for pick in picks:
        state = state.with_part(pick % plan.parts)
    if with_md5:
        state = state.with_md5(MD5)
    assert UploadState.from_bytes(state.to_bytes()) == state
    assert state.acked_parts == len({p % plan.parts for p in picks})
    assert state.acked_parts + sum(1 for _ in state.missing()) == plan.parts
    assert 0 <= state.acked_bytes <= size
    assert attrs.evolve(state).complete == (state.acked_parts == plan.parts)
