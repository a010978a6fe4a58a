"""Obfuscated2 header layout, key derivation, MTProxy secrets and misuse; padding and tokens."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from Crypto.Cipher import AES
from Crypto.Util import Counter

from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport import (
    ERROR_MALFORMED,
    HEADER_SIZE,
    Abridged,
    Frame,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    Role,
    ServerTransport,
    quick_ack_token,
    strip_padding,
)
from tgcore.testing import SeededRandom

GOOD = bytes(range(1, 65))  # first byte 0x01, second int 05 06 07 08: an acceptable header


class ScriptedRng:
    """Hands out the scripted chunks, then falls back to a seeded stream."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)
        self._rest = SeededRandom(0)

    def __call__(self, n: int) -> bytes:
        if self._chunks:
            return self._chunks.pop(0)
        return self._rest(n)


def _ctr(key: bytes, iv: bytes) -> Any:
    # An independent AES-CTR (pycryptodome directly) to check the key layout against.
    return AES.new(key, AES.MODE_CTR, counter=Counter.new(128, initial_value=int.from_bytes(iv)))


def test_header_layout_and_keys_against_direct_aes() -> None:
    client = Obfuscated2(Role.CLIENT, Intermediate, rng=ScriptedRng(GOOD))
    header = client.preamble()
    assert header[:56] == GOOD[:56]
    plain = bytearray(GOOD)
    plain[56:60] = b"\xee\xee\xee\xee"
    encryptor = _ctr(GOOD[8:40], GOOD[40:56])
    assert header[56:] == encryptor.encrypt(bytes(plain))[56:]
    # The stream continues after the header.
    payload = bytes(range(40))
    wire = client.pack(payload)
    assert encryptor.encrypt(wire) == len(payload).to_bytes(4, "little") + payload
    # The server direction uses the reversed 48 bytes, from a fresh counter.
    reverse = GOOD[8:56][::-1]
    server_stream = _ctr(reverse[:32], reverse[32:48])
    reply = server_stream.encrypt(b"\x04\x00\x00\x00" + b"\x6c\xfe\xff\xff")
    assert client.feed(reply)[0].code == -404  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad",
    [
        b"\xef" + GOOD[1:],
        b"\xdd\xdd\xdd\xdd" + GOOD[4:],
        b"\xee\xee\xee\xee" + GOOD[4:],
        b"HEAD" + GOOD[4:],
        b"POST" + GOOD[4:],
        b"GET " + GOOD[4:],
        b"OPTI" + GOOD[4:],
        b"\x16\x03\x01\x02" + GOOD[4:],
        b"PVrG" + GOOD[4:],
        GOOD[:4] + bytes(4) + GOOD[8:],
    ],
)
def test_forbidden_headers_are_redrawn(bad: bytes) -> None:
    header = Obfuscated2(Role.CLIENT, rng=ScriptedRng(bad, GOOD)).preamble()
    assert header[:56] == GOOD[:56]


def test_rng_that_never_yields_a_valid_header() -> None:
    with pytest.raises(LocalProtocolError, match="forbidden"):
        Obfuscated2(Role.CLIENT, rng=lambda n: bytes(n))
    with pytest.raises(LocalProtocolError, match="returned 10 bytes"):
        Obfuscated2(Role.CLIENT, rng=lambda n: bytes(10))


def test_dc_id_is_carried_encrypted() -> None:
    client = Obfuscated2(Role.CLIENT, PaddedIntermediate, rng=ScriptedRng(GOOD), dc_id=-4)
    header = client.preamble()
    encryptor = _ctr(GOOD[8:40], GOOD[40:56])
    plain = encryptor.encrypt(header)
    assert plain[56:60] == b"\xdd\xdd\xdd\xdd"
    assert plain[60:62] == b"\xfc\xff"  # -4, int16 little-endian
    server = Obfuscated2(Role.SERVER)
    server.feed(header)
    assert server.dc_id == -4
    assert client.dc_id == -4


@pytest.mark.parametrize("secret", [bytes(range(16)), b"\xdd" + bytes(range(16))])
def test_mtproxy_secret_keys(secret: bytes) -> None:
    client = Obfuscated2(
        Role.CLIENT, PaddedIntermediate, rng=ScriptedRng(GOOD), secret=secret, dc_id=2
    )
    header = client.preamble()
    raw = secret[-16:]
    encryptor = _ctr(hashlib.sha256(GOOD[8:40] + raw).digest(), GOOD[40:56])
    assert encryptor.encrypt(header)[56:62] == b"\xdd\xdd\xdd\xdd\x02\x00"

    server = ServerTransport(secret=secret)
    events = server.feed(header + client.pack(bytes(range(24))))
    assert isinstance(events[0], Frame) and events[0].payload.startswith(bytes(range(24)))
    reply = server.pack(bytes(range(32)))
    got = client.feed(reply)
    assert isinstance(got[0], Frame) and got[0].payload.startswith(bytes(range(32)))


def test_server_rejects_header_without_known_tag() -> None:
    server = Obfuscated2(Role.SERVER)
    with pytest.raises(TransportError, match="accepted protocol") as info:
        server.feed(GOOD)
    assert info.value.code == ERROR_MALFORMED
    with pytest.raises(TransportError, match="already failed"):
        server.feed(b"x")


def test_restricted_server_rejects_other_codec() -> None:
    header = Obfuscated2(Role.CLIENT, Intermediate, rng=SeededRandom(1)).preamble()
    with pytest.raises(TransportError, match="accepted protocol"):
        Obfuscated2(Role.SERVER, Abridged).feed(header)


def test_server_cannot_pack_before_header() -> None:
    server = Obfuscated2(Role.SERVER)
    with pytest.raises(LocalProtocolError, match="header"):
        server.pack(b"abcd")
    with pytest.raises(LocalProtocolError, match="header"):
        server.pack_quick_ack(0x80000000)
    with pytest.raises(LocalProtocolError, match="header"):
        server.pack_error(-404)
    server.feed(Obfuscated2(Role.CLIENT, rng=SeededRandom(3)).preamble()[: HEADER_SIZE - 1])
    with pytest.raises(LocalProtocolError):
        server.pack(b"abcd")


def test_client_role_rules_pass_through() -> None:
    client = Obfuscated2(Role.CLIENT, Abridged, rng=SeededRandom(3))
    assert client.role is Role.CLIENT
    with pytest.raises(LocalProtocolError, match="only the server"):
        client.pack_error(-404)
    with pytest.raises(LocalProtocolError, match="only the server"):
        client.pack_quick_ack(0x80000000)
    # Refused payloads leave both the preamble and the cipher stream untouched.
    with pytest.raises(LocalProtocolError):
        client.pack(b"abc")
    server = ServerTransport()
    assert server.feed(client.pack(b"abcd")) == [Frame(b"abcd")]


def test_constructor_validation() -> None:
    with pytest.raises(TypeError, match="Role"):
        Obfuscated2("server")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot be carried"):
        Obfuscated2(Role.CLIENT, Full)
    with pytest.raises(ValueError, match="dc_id"):
        Obfuscated2(Role.SERVER, dc_id=2)
    with pytest.raises(ValueError, match="dc_id"):
        Obfuscated2(Role.CLIENT, dc_id=40000)
    for secret in (b"", bytes(15), b"\xee" + bytes(16), bytes(32)):
        with pytest.raises(ValueError, match="secret"):
            Obfuscated2(Role.CLIENT, secret=secret)
    with pytest.raises(ValueError, match="max_frame_size"):
        Obfuscated2(Role.CLIENT, max_frame_size=1)


# -- strip_padding and quick_ack_token ------------------------------------------------------


def test_strip_padding_plain_message() -> None:
    body = bytes(range(24))
    plain = bytes(8) + (1234).to_bytes(8, "little") + len(body).to_bytes(4, "little") + body
    assert strip_padding(plain + b"pad") == plain
    assert strip_padding(plain) == plain
    liar = plain[:16] + (999).to_bytes(4, "little") + body
    assert strip_padding(liar) == liar


def test_strip_padding_encrypted_message() -> None:
    encrypted = b"\x01" * 8 + b"k" * 16 + bytes(32)
    for pad in range(16):
        assert strip_padding(encrypted + bytes(pad)) == encrypted


def test_strip_padding_leaves_short_payloads() -> None:
    for payload in (b"", b"abcd", b"\x01" * 23):
        assert strip_padding(payload) == payload


def test_quick_ack_token() -> None:
    key = bytes(range(256))
    plaintext = b"salt" * 8
    expected = int.from_bytes(hashlib.sha256(key[88:120] + plaintext).digest()[:4], "little")
    assert quick_ack_token(key, plaintext) == expected | 0x80000000
    other = int.from_bytes(hashlib.sha256(key[96:128] + plaintext).digest()[:4], "little")
    assert quick_ack_token(key, plaintext, x=8) == other | 0x80000000
    server = Intermediate(Role.SERVER)
    server.pack_quick_ack(quick_ack_token(key, plaintext))  # always a valid token
    with pytest.raises(ValueError, match="x is"):
        quick_ack_token(key, plaintext, x=4)
    with pytest.raises(ValueError, match="short"):
        quick_ack_token(key[:100], plaintext)
