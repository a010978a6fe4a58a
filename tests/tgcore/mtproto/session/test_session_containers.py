"""msg_container, rpc_result and gzip_packed at the byte level."""

from __future__ import annotations

import gzip
import random
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telethon.extensions import BinaryReader
from telethon.tl.core import GzipPacked, MessageContainer

from tgcore.errors import SecurityError
from tgcore.mtproto.session import (
    ContainerError,
    Message,
    gzip_pack,
    gzip_unpack,
    maybe_gzip,
    pack_container,
    pack_rpc_result,
    unpack_container,
    unpack_rpc_result,
)
from tgcore.mtproto.session import _service as sv
from tgcore.tl.errors import TLDecodeError
from tgcore.tl.primitives import pack_bytes

bodies = st.binary(min_size=0, max_size=64).map(
    lambda b: b"\x01\x02\x03\x04" + b + b"\0" * (-len(b) % 4)
)
messages = st.builds(
    Message,
    msg_id=st.integers(-(2**63), 2**63 - 1),
    seq_no=st.integers(-(2**31), 2**31 - 1),
    body=bodies,
)


@given(st.lists(messages, max_size=20))
def test_container_round_trip(items: list[Message]) -> None:
    assert unpack_container(pack_container(items)) == items


def test_container_layout_matches_telethon() -> None:
    pong = sv.pack_pong(11, 12)
    ack = sv.pack_msg_ids(sv.MSGS_ACK_ID, [4])
    data = pack_container([Message(5, 1, pong), Message(9, 2, ack)])
    reader = BinaryReader(data)
    assert reader.read_int(signed=False) == MessageContainer.CONSTRUCTOR_ID
    parsed = MessageContainer.from_reader(reader)
    assert [(m.msg_id, m.seq_no) for m in parsed.messages] == [(5, 1), (9, 2)]
    assert parsed.messages[0].obj.ping_id == 12
    assert parsed.messages[1].obj.msg_ids == [4]


def _raw_container(count: int, entries: list[tuple[int, int, int, bytes]]) -> bytes:
    out = struct.pack("<Ii", sv.MSG_CONTAINER_ID, count)
    for msg_id, seq_no, length, body in entries:
        out += struct.pack("<qii", msg_id, seq_no, length) + body
    return out


@pytest.mark.parametrize(
    "data",
    [
        b"\xdc\xf8\xf1",  # truncated head
        struct.pack("<Ii", 0x12345678, 0),  # not a container
        _raw_container(-1, []),
        _raw_container(1025, []),
        _raw_container(1, []),  # header missing
        _raw_container(1, [(4, 1, 8, b"\x01\x02\x03\x04")]),  # length past the end
        _raw_container(1, [(4, 1, 2, b"\x01\x02\x03\x04")]),  # length not a multiple of 4
        _raw_container(1, [(4, 1, 0, b"")]),  # empty body
        _raw_container(1, [(4, 1, 4, b"\x01\x02\x03\x04")]) + b"\0\0\0\0",  # trailing bytes
        _raw_container(1, [(4, 1, 8, struct.pack("<Ii", sv.MSG_CONTAINER_ID, 0))]),  # nested
    ],
)
def test_container_rules(data: bytes) -> None:
    with pytest.raises(ContainerError):
        unpack_container(data)


def test_container_message_limit_is_configurable() -> None:
    data = pack_container([Message(4 * i, 0, b"\x01\x02\x03\x04") for i in range(3)])
    with pytest.raises(ContainerError):
        unpack_container(data, max_messages=2)
    assert len(unpack_container(data, max_messages=3)) == 3


def test_rpc_result() -> None:
    body = pack_rpc_result(-7, b"\x15\xc4\xb5\x1c\x00\x00\x00\x00")
    assert unpack_rpc_result(body) == (-7, b"\x15\xc4\xb5\x1c\x00\x00\x00\x00")
    with pytest.raises(TLDecodeError):
        unpack_rpc_result(body[:15])
    with pytest.raises(TLDecodeError):
        unpack_rpc_result(sv.pack_pong(1, 2) + b"\0" * 8)


@given(st.binary(min_size=4, max_size=4096))
def test_gzip_round_trip(data: bytes) -> None:
    if data[:4] == struct.pack("<I", sv.GZIP_PACKED_ID):
        data = b"\0\0\0\0" + data
    assert gzip_unpack(gzip_pack(data), max_size=1 << 20) == data


def test_gzip_pack_reads_in_telethon() -> None:
    data = b"\x15\xc4\xb5\x1c" + b"abc" * 400
    reader = BinaryReader(gzip_pack(data))
    assert GzipPacked.read(reader) == data
    # and Telethon's packing reads here
    assert gzip_unpack(bytes(GzipPacked(data)), max_size=1 << 20) == data


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip_pack(b"\x15\xc4\xb5\x1c" + b"\0" * (4 << 20))
    assert len(bomb) < 10_000
    with pytest.raises(SecurityError):
        gzip_unpack(bomb, max_size=1 << 20)
    assert len(gzip_unpack(bomb, max_size=(4 << 20) + 4)) == (4 << 20) + 4


@pytest.mark.parametrize(
    "packed",
    [
        b"not gzip at all",
        gzip.compress(b"\x15\xc4\xb5\x1c" * 100)[:-12],  # truncated stream
        gzip.compress(b""),  # nothing inside
        gzip.compress(gzip_pack(b"\x15\xc4\xb5\x1c")),  # gzip_packed inside gzip_packed
    ],
)
def test_gzip_malformed(packed: bytes) -> None:
    body = struct.pack("<I", sv.GZIP_PACKED_ID) + pack_bytes(packed)
    with pytest.raises(TLDecodeError):
        gzip_unpack(body, max_size=1 << 20)


def test_gzip_unpack_wants_gzip_packed() -> None:
    with pytest.raises(TLDecodeError):
        gzip_unpack(sv.pack_pong(1, 2), max_size=100)


def test_maybe_gzip_policy() -> None:
    small = b"\x15\xc4\xb5\x1c" + b"a" * 100
    assert maybe_gzip(small) is small
    text = b"\x15\xc4\xb5\x1c" + b"hello world " * 100
    packed = maybe_gzip(text)
    assert packed[:4] == struct.pack("<I", sv.GZIP_PACKED_ID)
    assert gzip_unpack(packed, max_size=1 << 20) == text
    # incompressible and small enough to try: kept as is because gzip is not smaller
    random_like = random.Random(1).randbytes(2000)
    assert maybe_gzip(random_like) is random_like
    # large and incompressible: skipped after sampling
    big_noise = random.Random(2).randbytes(200_000)
    assert maybe_gzip(big_noise) is big_noise
    # large and compressible: packed
    big_text = b"\x15\xc4\xb5\x1c" + b"x" * 200_000
    assert len(maybe_gzip(big_text)) < 2000
