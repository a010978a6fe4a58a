"""Byte vectors and edge cases of the TL primitives and the Reader."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgcore.tl import (
    BOOL_FALSE_ID,
    BOOL_TRUE_ID,
    VECTOR_ID,
    Reader,
    TLDecodeError,
    pack_bool,
    pack_bytes,
    pack_double,
    pack_int,
    pack_int128,
    pack_int256,
    pack_int_vector,
    pack_long,
    pack_long_vector,
    pack_object_vector,
    pack_string,
    pack_vector_header,
    types,
)


def test_integers() -> None:
    assert pack_int(1) == b"\x01\x00\x00\x00"
    assert pack_int(-1) == b"\xff\xff\xff\xff"
    assert pack_int(0xFFFFFFFF) == b"\xff\xff\xff\xff"  # unsigned accepted
    assert pack_long(-2) == b"\xfe" + b"\xff" * 7
    assert pack_long(2**64 - 2) == pack_long(-2)
    assert pack_int128(-1) == b"\xff" * 16
    assert pack_int256(1) == b"\x01" + b"\x00" * 31
    assert pack_double(1.0) == struct.pack("<d", 1.0)
    r = Reader(pack_int(-5) + pack_int(0xFFFFFFFB) + pack_long(-(2**63)) + pack_double(-0.5))
    assert r.read_int() == -5
    assert r.read_uint() == 0xFFFFFFFB
    assert r.read_long() == -(2**63)
    assert r.read_double() == -0.5
    assert r.remaining() == 0
    r = Reader(pack_int128(-(2**127)) + pack_int256(2**255 - 1))
    assert r.read_int128() == -(2**127)
    assert r.read_int256() == 2**255 - 1


def test_bool() -> None:
    assert pack_bool(True) == BOOL_TRUE_ID.to_bytes(4, "little")
    assert pack_bool(False) == BOOL_FALSE_ID.to_bytes(4, "little")
    r = Reader(pack_bool(True) + pack_bool(False) + pack_int(7))
    assert r.read_bool() is True
    assert r.read_bool() is False
    with pytest.raises(TLDecodeError, match="expected Bool"):
        r.read_bool()


@pytest.mark.parametrize(
    ("size", "prefix", "total"),
    [
        (0, b"\x00", 4),
        (1, b"\x01", 4),
        (3, b"\x03", 4),
        (4, b"\x04", 8),
        (252, b"\xfc", 256),
        (253, b"\xfd", 256),
        (254, b"\xfe\xfe\x00\x00", 260),
        (255, b"\xfe\xff\x00\x00", 260),
        (256, b"\xfe\x00\x01\x00", 260),
        (257, b"\xfe\x01\x01\x00", 264),
        (70000, b"\xfe\x70\x11\x01", 70004),
    ],
)
def test_bytes_layout(size: int, prefix: bytes, total: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    packed = pack_bytes(data)
    assert packed.startswith(prefix + data[:8])
    assert len(packed) == total and len(packed) % 4 == 0
    assert packed[len(prefix) + size :] == b"\x00" * (total - len(prefix) - size)
    r = Reader(packed + b"tail")
    assert r.read_bytes() == data
    assert r.read_raw(4) == b"tail"


def test_bytes_too_long() -> None:
    with pytest.raises(ValueError, match="too long"):
        pack_bytes(b"\x00" * (1 << 24))


def test_bytes_errors() -> None:
    with pytest.raises(TLDecodeError, match="0xff"):
        Reader(b"\xff\x00\x00\x00").read_bytes()
    with pytest.raises(TLDecodeError, match="unexpected end"):
        Reader(b"").read_bytes()
    with pytest.raises(TLDecodeError, match="unexpected end"):
        Reader(b"\xfe\x00").read_bytes()
    with pytest.raises(TLDecodeError, match="unexpected end"):
        Reader(b"\x05abcd").read_bytes()  # 5 bytes announced, 4 there
    with pytest.raises(TLDecodeError, match="unexpected end"):
        Reader(b"\x03abc\x00"[:4] + b"").read_raw(5)
    with pytest.raises(TLDecodeError, match="unexpected end"):
        Reader(pack_bytes(b"x" * 300)[:-1]).read_bytes()  # padding missing


def test_string() -> None:
    assert pack_string("é") == b"\x02\xc3\xa9\x00"
    r = Reader(pack_string("héllo") + pack_bytes(b"\xff\xfe"))
    assert r.read_string() == "héllo"
    assert r.read_string() == "\ufffd\ufffd"  # invalid UTF-8 is replaced, not raised


@pytest.mark.parametrize(
    "read",
    [
        Reader.read_int,
        Reader.read_uint,
        Reader.read_long,
        Reader.read_double,
        Reader.read_int128,
        Reader.read_int256,
        Reader.read_bool,
        Reader.read_int_vector,
        Reader.read_long_vector,
        Reader.read_object,
        Reader.read_request,
    ],
)
def test_truncated_primitives(read: object) -> None:
    r = Reader(b"\x01\x02\x03")
    with pytest.raises(TLDecodeError, match="unexpected end"):
        read(r)  # type: ignore[operator]


def test_reader_basics() -> None:
    r = Reader(memoryview(b"abcdefgh"), 2)
    assert r.data == b"abcdefgh" and r.position == 2 and r.remaining() == 6
    assert r.read_raw(3) == b"cde"
    with pytest.raises(TLDecodeError):
        r.read_raw(-1)
    with pytest.raises(TLDecodeError, match="need 4 bytes at offset 5, have 3"):
        r.read_int()
    assert r.unpack(struct.Struct("<bbb")) == (ord("f"), ord("g"), ord("h"))
    with pytest.raises(TLDecodeError):
        r.unpack(struct.Struct("<b"))


def test_vectors() -> None:
    assert pack_vector_header(2) == b"\x15\xc4\xb5\x1c\x02\x00\x00\x00"
    assert pack_int_vector([1, -1]) == pack_vector_header(2) + pack_int(1) + pack_int(-1)
    assert pack_long_vector([]) == pack_vector_header(0)
    users = [types.PeerUser(user_id=1), types.PeerChat(chat_id=2)]
    assert pack_object_vector(users) == pack_vector_header(2) + b"".join(map(bytes, users))
    r = Reader(pack_int_vector([5, 6]) + pack_long_vector([-(2**63)]) + pack_int(1) + pack_int(9))
    assert r.read_int_vector() == [5, 6]
    assert r.read_long_vector() == [-(2**63)]
    assert r.read_vector(Reader.read_int, bare=True) == [9]
    r = Reader(pack_vector_header(2) + pack_string("a") + pack_string("b"))
    assert r.read_vector(Reader.read_string) == ["a", "b"]


def test_nested_vectors() -> None:
    data = pack_vector_header(2) + pack_int_vector([1, 2]) + pack_int_vector([])
    r = Reader(data)
    assert r.read_vector(Reader.read_int_vector) == [[1, 2], []]


@pytest.mark.parametrize(
    "data",
    [
        pack_int(VECTOR_ID + 1) + pack_int(0),
        pack_vector_header(-1),
        pack_vector_header(3) + pack_int(1),
        pack_vector_header(1 << 30),
    ],
)
def test_bad_vectors(data: bytes) -> None:
    for read in (Reader.read_int_vector, Reader.read_long_vector):
        with pytest.raises(TLDecodeError):
            read(Reader(data))
    with pytest.raises(TLDecodeError):
        Reader(data).read_object_vector(types.PeerUser.SUBCLASS_OF_ID)


@pytest.mark.parametrize(
    "data",
    [pack_int(VECTOR_ID + 1) + pack_int(0), pack_vector_header(-1), pack_vector_header(1 << 30)],
)
def test_bad_vector_headers(data: bytes) -> None:
    with pytest.raises(TLDecodeError):
        Reader(data).read_vector_header()


def test_bare_vector_count_bounds() -> None:
    with pytest.raises(TLDecodeError, match="invalid vector length"):
        Reader(pack_int(5)).read_vector_header(bare=True)


@given(st.binary(max_size=2000))
def test_bytes_round_trip(data: bytes) -> None:
    packed = pack_bytes(data)
    assert len(packed) % 4 == 0
    r = Reader(packed)
    assert r.read_bytes() == data and r.remaining() == 0


@given(st.text())
def test_string_round_trip(text: str) -> None:
    try:
        packed = pack_string(text)
    except UnicodeEncodeError:  # lone surrogates cannot be UTF-8
        return
    assert Reader(packed).read_string() == text


@given(st.lists(st.integers(-(2**31), 2**31 - 1)), st.lists(st.integers(-(2**63), 2**63 - 1)))
def test_fixed_vectors_round_trip(ints: list[int], longs: list[int]) -> None:
    r = Reader(pack_int_vector(ints) + pack_long_vector(longs))
    assert r.read_int_vector() == ints
    assert r.read_long_vector() == longs
    assert r.remaining() == 0
