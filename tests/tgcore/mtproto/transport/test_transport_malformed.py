"""Hostile input raises TransportError without buffering; local misuse raises LocalProtocolError."""

from __future__ import annotations

import binascii

import pytest

from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport import (
    DEFAULT_MAX_FRAME_SIZE,
    ERROR_FRAME_TOO_LARGE,
    ERROR_MALFORMED,
    Abridged,
    BaseFramer,
    Frame,
    Full,
    Intermediate,
    PaddedIntermediate,
    Role,
)

PLAIN = [Abridged, Intermediate, PaddedIntermediate, Full]


def _full(seq: int, payload: bytes, *, total: int | None = None) -> bytes:
    size = len(payload) + 12 if total is None else total
    head = size.to_bytes(4, "little", signed=True) + seq.to_bytes(4, "little", signed=True)
    return head + payload + binascii.crc32(head + payload).to_bytes(4, "little")


def _raises(framer: BaseFramer, data: bytes, code: int, match: str | None = None) -> None:
    with pytest.raises(TransportError, match=match) as info:
        framer.feed(data)
    assert info.value.code == code
    # The framer stays failed: the connection must be closed.
    with pytest.raises(TransportError, match="already failed") as again:
        framer.feed(b"\x00")
    assert again.value.code == code


# -- oversized frames are refused from their header alone --------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_abridged_oversized(role: Role) -> None:
    _raises(Abridged(role, max_frame_size=16), b"\x05", ERROR_FRAME_TOO_LARGE, "exceeds")
    _raises(Abridged(role), b"\x7f\xff\xff\x7f", ERROR_FRAME_TOO_LARGE)


@pytest.mark.parametrize("role", list(Role))
def test_intermediate_oversized(role: Role) -> None:
    _raises(Intermediate(role, max_frame_size=64), b"\x44\x00\x00\x00", ERROR_FRAME_TOO_LARGE)
    _raises(Intermediate(role), b"\x00\x00\x00\x7f", ERROR_FRAME_TOO_LARGE)


def test_padded_limit_allows_fifteen_bytes_of_padding() -> None:
    server = PaddedIntermediate(Role.SERVER, max_frame_size=64)
    assert server.feed((64 + 15).to_bytes(4, "little") + bytes(79)) == [Frame(bytes(79))]
    _raises(server.__class__(Role.SERVER, max_frame_size=64), b"\x50\x00\x00\x00", -429)


@pytest.mark.parametrize("role", list(Role))
def test_full_oversized(role: Role) -> None:
    head = (DEFAULT_MAX_FRAME_SIZE + 16).to_bytes(4, "little") + bytes(4)
    _raises(Full(role), head, ERROR_FRAME_TOO_LARGE)


def test_oversized_default_is_four_mib() -> None:
    assert DEFAULT_MAX_FRAME_SIZE == 4 * 1024 * 1024
    server = Intermediate(Role.SERVER)
    at_limit = DEFAULT_MAX_FRAME_SIZE.to_bytes(4, "little")
    assert server.feed(at_limit) == []  # accepted header, waiting for the body
    _raises(Intermediate(Role.SERVER), (DEFAULT_MAX_FRAME_SIZE + 4).to_bytes(4, "little"), -429)


def test_partial_frame_buffer_stays_bounded() -> None:
    server = Intermediate(Role.SERVER, max_frame_size=1024)
    assert server.feed((1024).to_bytes(4, "little") + bytes(1000)) == []
    assert len(server._buffer) <= 1024 + 4
    assert server.feed(bytes(24) + b"\x08\x00\x00") == [Frame(bytes(1024))]
    assert len(server._buffer) == 3


# -- malformed lengths --------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_zero_length_frames(role: Role) -> None:
    _raises(Abridged(role), b"\x00", ERROR_MALFORMED, "empty")
    _raises(Abridged(role), b"\x7f\x00\x00\x00", ERROR_MALFORMED, "empty")
    _raises(Intermediate(role), bytes(4), ERROR_MALFORMED, "empty")
    _raises(PaddedIntermediate(role), bytes(4), ERROR_MALFORMED, "empty")


def test_abridged_zero_length_with_quick_ack_flag_from_client() -> None:
    _raises(Abridged(Role.SERVER), b"\x80", ERROR_MALFORMED)


@pytest.mark.parametrize("role", list(Role))
def test_intermediate_unaligned_length(role: Role) -> None:
    _raises(Intermediate(role), b"\x05\x00\x00\x00", ERROR_MALFORMED, "multiple of 4")


def test_padded_accepts_unaligned_length() -> None:
    assert PaddedIntermediate(Role.SERVER).feed(b"\x05\x00\x00\x00abcde") == [Frame(b"abcde")]


# -- full: crc, seq, lengths --------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_full_bad_crc(role: Role) -> None:
    frame = bytearray(_full(0, bytes(24)))
    frame[10] ^= 0x01
    _raises(Full(role), bytes(frame), ERROR_MALFORMED, "CRC32")


@pytest.mark.parametrize("role", list(Role))
def test_full_bad_seq(role: Role) -> None:
    _raises(Full(role), _full(1, bytes(24)), ERROR_MALFORMED, "sequence number 1, expected 0")
    framer = Full(role)
    assert framer.feed(_full(0, bytes(24))) == [Frame(bytes(24))]
    _raises(framer, _full(0, bytes(24)), ERROR_MALFORMED, "expected 1")


@pytest.mark.parametrize("total", [0, 8, 12, 15, 18, 33])
def test_full_bad_lengths(total: int) -> None:
    _raises(Full(Role.SERVER), _full(0, bytes(24), total=total), ERROR_MALFORMED, "length")


def test_full_negative_length() -> None:
    # From a client it is just malformed; from a server it is the error Telegram put there.
    _raises(Full(Role.SERVER), _full(0, bytes(4), total=-429), ERROR_MALFORMED)
    quirk = (-429).to_bytes(4, "little", signed=True) * 3
    _raises(Full(Role.CLIENT), quirk, -429, "transport error -429")


def test_full_sequence_runs_on() -> None:
    server = Full(Role.SERVER)
    wire = b"".join(_full(i, bytes([i]) * 8) for i in range(5))
    assert server.feed(wire) == [Frame(bytes([i]) * 8) for i in range(5)]


# -- local misuse -------------------------------------------------------------------------


@pytest.mark.parametrize("cls", PLAIN)
def test_pack_rejects_empty_and_oversized(cls: type[BaseFramer]) -> None:
    framer = cls(Role.CLIENT, max_frame_size=16)
    with pytest.raises(LocalProtocolError, match="empty"):
        framer.pack(b"")
    with pytest.raises(LocalProtocolError, match="exceeds"):
        framer.pack(bytes(20))
    # A refused payload does not swallow the preamble.
    assert framer.pack(bytes(8)).startswith(cls.TAG)


@pytest.mark.parametrize("cls", [Abridged, Intermediate])
def test_pack_rejects_unaligned(cls: type[BaseFramer]) -> None:
    with pytest.raises(LocalProtocolError, match="multiple of 4"):
        cls(Role.CLIENT).pack(b"abc")


def test_abridged_cannot_express_64_mib() -> None:
    framer = Abridged(Role.CLIENT, max_frame_size=2**27)
    with pytest.raises(LocalProtocolError, match="64 MiB"):
        framer.pack(bytes(1 << 26))


@pytest.mark.parametrize("cls", PLAIN)
def test_role_rules(cls: type[BaseFramer]) -> None:
    client, server = cls(Role.CLIENT), cls(Role.SERVER)
    assert client.role is Role.CLIENT and server.role is Role.SERVER
    assert server.max_frame_size == DEFAULT_MAX_FRAME_SIZE
    with pytest.raises(LocalProtocolError, match="only the client"):
        server.pack(bytes(8), quick_ack=True)
    with pytest.raises(LocalProtocolError, match="only the server"):
        client.pack_quick_ack(0x80000000)
    with pytest.raises(LocalProtocolError, match="only the server"):
        client.pack_error(-404)


def test_full_has_no_quick_ack() -> None:
    with pytest.raises(LocalProtocolError, match="no quick acks"):
        Full(Role.CLIENT).pack(bytes(8), quick_ack=True)
    with pytest.raises(LocalProtocolError, match="no quick acks"):
        Full(Role.SERVER).pack_quick_ack(0x80000000)


@pytest.mark.parametrize("token", [0, 0x7FFFFFFF, 0x100000000, -1])
def test_quick_ack_token_range(token: int) -> None:
    with pytest.raises(LocalProtocolError, match="token"):
        Intermediate(Role.SERVER).pack_quick_ack(token)


@pytest.mark.parametrize("code", [0, 2**31 + 1])
def test_error_code_range(code: int) -> None:
    with pytest.raises(LocalProtocolError, match="int32"):
        Abridged(Role.SERVER).pack_error(code)


def test_most_negative_error_code_fits() -> None:
    assert Intermediate(Role.SERVER).pack_error(-(2**31)) == b"\x04\x00\x00\x00\x00\x00\x00\x80"


def test_constructor_validation() -> None:
    with pytest.raises(TypeError, match="Role"):
        Abridged("client")  # type: ignore[arg-type]
    for bad in (0, 3, 2**31):
        with pytest.raises(ValueError, match="max_frame_size"):
            Intermediate(Role.SERVER, max_frame_size=bad)
    for bad_padding in (-1, 16):
        with pytest.raises(ValueError, match="max_padding"):
            PaddedIntermediate(Role.CLIENT, max_padding=bad_padding)
