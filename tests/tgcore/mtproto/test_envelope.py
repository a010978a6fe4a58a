"""Plain and encrypted envelopes, with Telethon's MTProtoState as the oracle."""

from __future__ import annotations

import logging
import struct
import time
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telethon.crypto import AuthKey as TelethonAuthKey
from telethon.network.mtprotostate import MTProtoState
from telethon.tl.types import Pong

from tgcore.crypto import AuthKey, aes_key_iv, ige256_encrypt, msg_key
from tgcore.errors import RemoteProtocolError, SecurityError
from tgcore.mtproto.envelope import (
    MAX_PADDING,
    MIN_PADDING,
    X_CLIENT,
    X_SERVER,
    DecryptedMessage,
    decrypt_client_message,
    decrypt_message,
    decrypt_server_message,
    encrypt_client_message,
    encrypt_message,
    encrypt_server_message,
    pack_plain,
    peek_auth_key_id,
    unpack_plain,
)
from tgcore.testing import SeededRandom

KEY = AuthKey(SeededRandom(3)(256))
SALT = 0x1122334455667788
SESSION = -0x0102030405060708


def telethon_state() -> MTProtoState:
    loggers: defaultdict[str, logging.Logger] = defaultdict(lambda: logging.getLogger("telethon"))
    state = MTProtoState(TelethonAuthKey(KEY.key), loggers)
    state.id = SESSION
    state.salt = SALT
    return state


# -- plain --------------------------------------------------------------------------------------


def test_plain_round_trip_and_layout() -> None:
    payload = pack_plain(0x51E57AC42770964A, b"\x78\x97\x46\x60" + b"\0" * 16)
    assert payload[:8] == b"\0" * 8
    assert struct.unpack_from("<qi", payload, 8) == (0x51E57AC42770964A, 20)
    assert unpack_plain(payload) == (0x51E57AC42770964A, b"\x78\x97\x46\x60" + b"\0" * 16)
    assert unpack_plain(payload + b"pad") == (0x51E57AC42770964A, b"\x78\x97\x46\x60" + b"\0" * 16)


@pytest.mark.parametrize(
    "payload",
    [
        b"\0" * 10,
        struct.pack("<qqi", 5, 4, 0),
        struct.pack("<qqi", 0, 4, 8) + b"1234",
        struct.pack("<qqi", 0, 4, -1),
        struct.pack("<qqi", 0, 4, 0) + b"x" * 16,
    ],
)
def test_plain_malformed(payload: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        unpack_plain(payload)


def test_peek_auth_key_id() -> None:
    assert peek_auth_key_id(pack_plain(4, b"abcd")) == 0
    message = DecryptedMessage(SALT, SESSION, 4, 1, b"abcd")
    assert peek_auth_key_id(encrypt_client_message(KEY, message, SeededRandom(0))) == KEY.key_id
    with pytest.raises(RemoteProtocolError):
        peek_auth_key_id(b"1234567")


# -- encrypted: layout and round trip -----------------------------------------------------------


def test_encrypted_layout_vector() -> None:
    body = b"\xec\x77\xbe\x7a" + struct.pack("<q", 42)  # ping
    message = DecryptedMessage(SALT, SESSION, 0x6553F10000000004, 1, body)
    payload = encrypt_client_message(KEY, message, SeededRandom(0))
    header = struct.pack("<qqqii", SALT, SESSION, 0x6553F10000000004, 1, len(body))
    padding = SeededRandom(0)(-(len(header) + len(body) + 12) % 16 + 12)
    plaintext = header + body + padding
    assert len(plaintext) % 16 == 0 and MIN_PADDING <= len(padding) <= MIN_PADDING + 15
    key = msg_key(KEY, plaintext, 0)
    aes_key, aes_iv = aes_key_iv(KEY, key, 0)
    assert payload == struct.pack("<q", KEY.key_id) + key + ige256_encrypt(
        plaintext, aes_key, aes_iv
    )
    assert decrypt_client_message(KEY, payload) == message


@settings(max_examples=50)
@given(
    salt=st.integers(-(2**63), 2**63 - 1),
    session_id=st.integers(-(2**63), 2**63 - 1),
    msg_id=st.integers(-(2**63), 2**63 - 1),
    seq_no=st.integers(0, 2**31 - 1),
    words=st.binary(max_size=400),
    x=st.sampled_from([X_CLIENT, X_SERVER]),
)
def test_encrypted_round_trip(
    salt: int, session_id: int, msg_id: int, seq_no: int, words: bytes, x: int
) -> None:
    body = words + b"\0" * (-len(words) % 4)
    message = DecryptedMessage(salt, session_id, msg_id, seq_no, body)
    payload = encrypt_message(KEY, message, x=x, rng=SeededRandom(seq_no))
    assert (len(payload) - 24) % 16 == 0
    assert decrypt_message(KEY, payload, x=x) == message
    # the other direction's keys do not open it
    with pytest.raises(SecurityError):
        decrypt_message(KEY, payload, x=X_SERVER - x)


# -- encrypted: Telethon as the oracle ----------------------------------------------------------


def test_telethon_client_payload_decrypts_as_client_message() -> None:
    state = telethon_state()
    body = bytes(Pong(1, 2))
    inner = struct.pack("<qii", 0x6553F10000000004, 3, len(body)) + body
    payload = state.encrypt_message_data(inner)
    assert peek_auth_key_id(payload) == KEY.key_id
    assert decrypt_client_message(KEY, payload) == DecryptedMessage(
        SALT, SESSION, 0x6553F10000000004, 3, body
    )


def test_our_server_payload_decrypts_in_telethon() -> None:
    state = telethon_state()
    msg_id = int(time.time() * 2**32) & ~3 | 1  # Telethon checks the time with the real clock
    body = bytes(Pong(5, 6))
    payload = encrypt_server_message(
        KEY, DecryptedMessage(SALT, SESSION, msg_id, 1, body), SeededRandom(1)
    )
    message = state.decrypt_message_data(payload)
    assert message.msg_id == msg_id and message.seq_no == 1
    assert message.obj == Pong(5, 6)
    assert decrypt_server_message(KEY, payload).body == body


def test_our_client_payload_is_what_telethon_would_send() -> None:
    # Same plaintext and padding: byte-identical output.
    import os
    from unittest import mock

    state = telethon_state()
    body = bytes(Pong(1, 2))
    inner = struct.pack("<qii", 8, 1, len(body)) + body
    padding = SeededRandom(5)(-(16 + len(inner) + 12) % 16 + 12)
    with mock.patch.object(os, "urandom", return_value=padding):
        theirs = state.encrypt_message_data(inner)
    ours = encrypt_client_message(
        KEY, DecryptedMessage(SALT, SESSION, 8, 1, body), lambda n: padding[:n]
    )
    assert ours == theirs


# -- encrypted: security checks -----------------------------------------------------------------


def _sealed(plaintext: bytes, x: int = X_CLIENT) -> bytes:
    """Encrypt an arbitrary plaintext correctly (valid msg_key) to test the later checks."""
    key = msg_key(KEY, plaintext, x)
    aes_key, aes_iv = aes_key_iv(KEY, key, x)
    return struct.pack("<q", KEY.key_id) + key + ige256_encrypt(plaintext, aes_key, aes_iv)


def _good_payload() -> bytes:
    return encrypt_client_message(KEY, DecryptedMessage(1, 2, 4, 1, b"abcd" * 4), SeededRandom(0))


def test_flipped_bits_fail_the_msg_key_check() -> None:
    payload = bytearray(_good_payload())
    payload[-1] ^= 1
    with pytest.raises(SecurityError):
        decrypt_client_message(KEY, bytes(payload))
    payload = bytearray(_good_payload())
    payload[10] ^= 0x80  # msg_key itself
    with pytest.raises(SecurityError):
        decrypt_client_message(KEY, bytes(payload))


def test_wrong_auth_key_is_refused() -> None:
    other = AuthKey(SeededRandom(4)(256))
    with pytest.raises(SecurityError):
        decrypt_client_message(other, _good_payload())


@pytest.mark.parametrize("cut", [1, 16, 24 + 48 - 100])
def test_bad_payload_sizes(cut: int) -> None:
    payload = _good_payload()
    truncated = payload[:-cut] if cut > 0 else payload[: 24 + 32]
    with pytest.raises(SecurityError):
        decrypt_client_message(KEY, truncated)


def _plaintext(length_field: int, body: bytes, padding: int) -> bytes:
    return struct.pack("<qqqii", 1, 2, 4, 1, length_field) + body + b"\0" * padding


@pytest.mark.parametrize(
    "plaintext",
    [
        _plaintext(16, b"x" * 16, 0) + b"\0" * 16,  # padding 16 but length claims more
        _plaintext(64, b"x" * 16, 16),  # length past the end
        _plaintext(-4, b"x" * 16, 16),  # negative length
        _plaintext(18, b"x" * 20, 12),  # not a multiple of 4
        _plaintext(4, b"x" * 4, 12),  # the smallest valid message
        _plaintext(8, b"x" * 8, MAX_PADDING + 8),  # padding above 1024
        _plaintext(24, b"x" * 24, 8),  # padding 8, below 12
    ],
)
def test_length_and_padding_checks(plaintext: bytes) -> None:
    padding = len(plaintext) - 32 - struct.unpack_from("<i", plaintext, 28)[0]
    length = struct.unpack_from("<i", plaintext, 28)[0]
    assert len(plaintext) % 16 == 0
    ok = length >= 0 and length % 4 == 0 and MIN_PADDING <= padding <= MAX_PADDING
    payload = _sealed(plaintext)
    if ok:
        assert decrypt_client_message(KEY, payload).body == plaintext[32 : 32 + length]
    else:
        with pytest.raises(SecurityError):
            decrypt_client_message(KEY, payload)


def test_padding_bounds_are_inclusive() -> None:
    low = _plaintext(4, b"abcd", MIN_PADDING)
    assert len(low) == 48
    assert decrypt_client_message(KEY, _sealed(low)).body == b"abcd"
    high = _plaintext(16, b"abcd" * 4, MAX_PADDING)
    assert len(high) % 16 == 0
    assert decrypt_client_message(KEY, _sealed(high)).body == b"abcd" * 4
    too_high = _plaintext(0, b"", MAX_PADDING + 16)
    with pytest.raises(SecurityError):
        decrypt_client_message(KEY, _sealed(too_high))
