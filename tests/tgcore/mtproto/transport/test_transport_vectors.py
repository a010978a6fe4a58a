"""Byte vectors for each framing, both roles, written out from the MTProto transport spec."""

from __future__ import annotations

import binascii
from collections.abc import Callable

import pytest

from tgcore.mtproto.transport import (
    Abridged,
    Frame,
    Full,
    Intermediate,
    PaddedIntermediate,
    QuickAck,
    Role,
    TransportErrorReceived,
)

P4 = bytes.fromhex("01020304")
P508 = bytes(range(256)) + bytes(range(252))  # 127 words: the first long abridged length
MINUS_404 = bytes.fromhex("6cfeffff")


class ScriptedRng:
    """Returns the scripted chunks in order (each call must ask for the scripted length)."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)

    def __call__(self, n: int) -> bytes:
        chunk = self._chunks.pop(0)
        assert len(chunk) == n
        return chunk


# -- abridged --------------------------------------------------------------------------------


def test_abridged_client_pack() -> None:
    c = Abridged(Role.CLIENT)
    assert c.pack(P4) == b"\xef\x01" + P4  # the tag rides on the first frame
    assert c.pack(P4) == b"\x01" + P4
    assert c.pack(P4, quick_ack=True) == b"\x81" + P4
    assert c.pack(P508) == b"\x7f\x7f\x00\x00" + P508
    assert c.pack(P508, quick_ack=True) == b"\xff\x7f\x00\x00" + P508
    assert c.pack(bytes(126 * 4)) == b"\x7e" + bytes(126 * 4)


def test_abridged_server_decodes_flags() -> None:
    s = Abridged(Role.SERVER)
    wire = b"\x81" + P4 + b"\x01" + P4 + b"\xff\x7f\x00\x00" + P508 + b"\x7f\x7f\x00\x00" + P508
    assert s.feed(wire) == [
        Frame(P4, quick_ack=True),
        Frame(P4),
        Frame(P508, quick_ack=True),
        Frame(P508),
    ]


def test_abridged_server_pack() -> None:
    s = Abridged(Role.SERVER)
    assert s.preamble() == b""
    assert s.pack(P4) == b"\x01" + P4
    assert s.pack(P508) == b"\x7f\x7f\x00\x00" + P508
    # Quick-ack tokens go byte-swapped, with no length byte.
    assert s.pack_quick_ack(0x80ABCDEF) == bytes.fromhex("80abcdef")
    assert s.pack_error(-404) == b"\x01" + MINUS_404
    assert s.pack_error(404) == b"\x01" + MINUS_404


def test_abridged_client_decodes_ack_and_error() -> None:
    c = Abridged(Role.CLIENT)
    wire = bytes.fromhex("80abcdef") + b"\x01" + MINUS_404 + b"\x7f\x7f\x00\x00" + P508
    assert c.feed(wire) == [QuickAck(0x80ABCDEF), TransportErrorReceived(-404), Frame(P508)]


def test_abridged_client_quick_ack_split_across_feeds() -> None:
    c = Abridged(Role.CLIENT)
    assert c.feed(b"\x80\xab") == []
    assert c.feed(b"\xcd\xef\x01") == [QuickAck(0x80ABCDEF)]
    assert c.feed(P4) == [Frame(P4)]


def test_abridged_client_positive_four_byte_frame_is_a_frame() -> None:
    assert Abridged(Role.CLIENT).feed(b"\x01" + P4) == [Frame(P4)]


# -- intermediate ----------------------------------------------------------------------------


def test_intermediate_vectors() -> None:
    c = Intermediate(Role.CLIENT)
    assert c.preamble() == b"\xee\xee\xee\xee"
    assert c.preamble() == b""
    assert c.pack(P4) == b"\x04\x00\x00\x00" + P4
    assert c.pack(P4, quick_ack=True) == b"\x04\x00\x00\x80" + P4

    s = Intermediate(Role.SERVER)
    wire = b"\x04\x00\x00\x80" + P4 + b"\xfc\x01\x00\x00" + P508
    assert s.feed(wire) == [Frame(P4, quick_ack=True), Frame(P508)]
    assert s.pack(P4) == b"\x04\x00\x00\x00" + P4
    assert s.pack_quick_ack(0x80ABCDEF) == bytes.fromhex("efcdab80")
    assert s.pack_error(-429) == b"\x04\x00\x00\x00" + (-429).to_bytes(4, "little", signed=True)

    assert c.feed(bytes.fromhex("efcdab80") + b"\x04\x00\x00\x00" + MINUS_404) == [
        QuickAck(0x80ABCDEF),
        TransportErrorReceived(-404),
    ]


# -- padded intermediate ---------------------------------------------------------------------


def test_padded_client_pack_with_scripted_padding() -> None:
    c = PaddedIntermediate(Role.CLIENT, rng=ScriptedRng(b"\x23", b"abc", b"\x10"))
    # 0x23 % 16 == 3 bytes of padding; 0x10 % 16 == 0 bytes.
    assert c.pack(P4) == b"\xdd\xdd\xdd\xdd\x07\x00\x00\x00" + P4 + b"abc"
    assert c.pack(P4, quick_ack=True) == b"\x04\x00\x00\x80" + P4


def test_padded_server_keeps_padding_in_payload() -> None:
    s = PaddedIntermediate(Role.SERVER)
    assert s.feed(b"\x07\x00\x00\x80" + P4 + b"abc") == [Frame(P4 + b"abc", quick_ack=True)]


def test_padded_server_pack_pads_at_most_three_by_default() -> None:
    s = PaddedIntermediate(Role.SERVER, rng=ScriptedRng(b"\x07", b"xyz"))
    assert s.pack(P4) == b"\x07\x00\x00\x00" + P4 + b"xyz"  # 7 % 4 == 3


def test_padded_quick_ack_and_error_vectors() -> None:
    s = PaddedIntermediate(Role.SERVER, rng=ScriptedRng(b"\x0b", b"pp", b"\x00"))
    ack = s.pack_quick_ack(0x80ABCDEF)  # 0x0b % 9 == 2 bytes of padding
    assert ack == b"\x0a\x00\x00\x00" + b"\xff\xff\xff\xff" + bytes.fromhex("efcdab80") + b"pp"
    error = s.pack_error(-404)
    assert error == b"\x04\x00\x00\x00" + MINUS_404

    c = PaddedIntermediate(Role.CLIENT)
    padded_error = b"\x13\x00\x00\x00" + MINUS_404 + bytes(15)
    assert c.feed(ack + error + padded_error) == [
        QuickAck(0x80ABCDEF),
        TransportErrorReceived(-404),
        TransportErrorReceived(-404),
    ]


def test_padded_client_short_frames_that_are_neither() -> None:
    c = PaddedIntermediate(Role.CLIENT)
    # A positive short frame, and a 3-byte one: handed up for the session to reject.
    assert c.feed(b"\x08\x00\x00\x00" + P4 + P4 + b"\x03\x00\x00\x00abc") == [
        Frame(P4 + P4),
        Frame(b"abc"),
    ]
    # Twenty bytes or more is a message even if it starts like an error.
    assert c.feed(b"\x14\x00\x00\x00" + MINUS_404 + bytes(16)) == [Frame(MINUS_404 + bytes(16))]
    # ff ff ff ff but too long to be a quick ack: -1 is an (odd) transport error.
    assert c.feed(b"\x11\x00\x00\x00" + b"\xff" * 17) == [TransportErrorReceived(-1)]


def test_padded_without_padding() -> None:
    c = PaddedIntermediate(Role.CLIENT, max_padding=0, rng=ScriptedRng())
    assert c.pack(P4) == b"\xdd\xdd\xdd\xdd\x04\x00\x00\x00" + P4


# -- full ------------------------------------------------------------------------------------


def _full(seq: int, payload: bytes) -> bytes:
    head = (len(payload) + 12).to_bytes(4, "little") + seq.to_bytes(4, "little")
    return head + payload + binascii.crc32(head + payload).to_bytes(4, "little")


def test_full_vectors() -> None:
    c = Full(Role.CLIENT)
    assert c.preamble() == b""
    first = c.pack(P4)
    assert first == bytes.fromhex("10000000 00000000 01020304") + first[-4:]
    assert first == _full(0, P4)
    assert c.pack(P508) == _full(1, P508)
    assert c.pack(P4) == _full(2, P4)

    s = Full(Role.SERVER)
    assert s.feed(_full(0, P4) + _full(1, P508)) == [Frame(P4), Frame(P508)]
    assert s.pack(P4) == _full(0, P4)
    assert s.pack_error(-404) == _full(1, MINUS_404)

    c2 = Full(Role.CLIENT)
    assert c2.feed(_full(0, P4) + _full(1, MINUS_404)) == [Frame(P4), TransportErrorReceived(-404)]


def test_known_crc_vector() -> None:
    # CRC32 of "123456789" is the standard check value 0xcbf43926.
    assert binascii.crc32(b"123456789") == 0xCBF43926
    s = Full(Role.SERVER)
    frame = _full(0, b"12345678")
    assert s.feed(frame) == [Frame(b"12345678")]


@pytest.mark.parametrize(
    ("factory", "tag"),
    [
        (lambda: Abridged(Role.CLIENT), b"\xef"),
        (lambda: Intermediate(Role.CLIENT), b"\xee" * 4),
        (lambda: PaddedIntermediate(Role.CLIENT, max_padding=0), b"\xdd" * 4),
        (lambda: Full(Role.CLIENT), b""),
    ],
)
def test_preamble_taken_explicitly_is_not_repeated(
    factory: Callable[[], Abridged | Intermediate | PaddedIntermediate | Full], tag: bytes
) -> None:
    framer = factory()
    assert framer.preamble() == tag
    assert not framer.pack(P4).startswith(tag) or tag == b""
    assert framer.preamble() == b""
