"""Hashes, the auth key, and the MTProto 2.0 KDF, checked against Telethon as an oracle."""

from __future__ import annotations

import hashlib
import logging
import os
import struct
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telethon import helpers as telethon_helpers
from telethon.crypto import AuthKey as TelethonAuthKey
from telethon.network.mtprotostate import MTProtoState

from tgcore.crypto import (
    AuthKey,
    aes_key_iv,
    ige256_decrypt,
    ige256_encrypt,
    msg_key,
    sha1,
    sha256,
    tmp_aes_key_iv,
)
from tgcore.errors import LocalProtocolError

KEY_BYTES = bytes(range(256))
NONCE32 = bytes(range(32))
SERVER_NONCE16 = bytes(range(200, 216))


# --- hashes ----------------------------------------------------------------------------------


@given(parts=st.lists(st.binary(max_size=100), max_size=5))
def test_hashes_of_parts_equal_hash_of_join(parts: list[bytes]) -> None:
    joined = b"".join(parts)
    assert sha1(*parts) == hashlib.sha1(joined).digest()
    assert sha256(*parts) == hashlib.sha256(joined).digest()


def test_hash_known_answers() -> None:
    assert sha1(b"ab", b"c").hex() == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert sha256().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# --- auth key --------------------------------------------------------------------------------


def test_auth_key_known_answers() -> None:
    key = AuthKey(KEY_BYTES)
    assert key.key_id == -3972359982579920590
    assert key.aux_hash == 7534231595173418569
    assert key.key_id == struct.unpack("<q", hashlib.sha1(KEY_BYTES).digest()[-8:])[0]
    assert key.new_nonce_hash(int.from_bytes(NONCE32, "little", signed=True), 1) == (
        137559169166678282616330009737514110658
    )


@settings(max_examples=30)
@given(
    key_bytes=st.binary(min_size=255, max_size=256),
    new_nonce=st.integers(-(2**255), 2**255 - 1),
    number=st.sampled_from([1, 2, 3]),
)
def test_auth_key_matches_telethon(key_bytes: bytes, new_nonce: int, number: int) -> None:
    ours = AuthKey(key_bytes)
    theirs = TelethonAuthKey(key_bytes)
    # Telethon reads the ids unsigned; the 8 bytes on the wire are the same.
    assert ours.key_id % 2**64 == theirs.key_id
    assert ours.aux_hash % 2**64 == theirs.aux_hash
    assert ours.new_nonce_hash(new_nonce, number) == theirs.calc_new_nonce_hash(new_nonce, number)


def test_new_nonce_hash_accepts_unsigned_nonce() -> None:
    key = AuthKey(KEY_BYTES)
    signed = -12345
    assert key.new_nonce_hash(signed, 2) == key.new_nonce_hash(signed + 2**256, 2)


def test_auth_key_repr_hides_the_key() -> None:
    key = AuthKey(KEY_BYTES)
    assert KEY_BYTES.hex()[:16] not in repr(key)
    assert "key_id=" in repr(key)


def test_auth_key_equality_and_bytes_like() -> None:
    assert AuthKey(bytearray(KEY_BYTES)) == AuthKey(KEY_BYTES)
    assert AuthKey(memoryview(KEY_BYTES)).key == KEY_BYTES
    assert AuthKey(KEY_BYTES) != AuthKey(bytes(256))
    assert hash(AuthKey(KEY_BYTES)) == hash(AuthKey(KEY_BYTES))


def test_auth_key_from_int() -> None:
    g_ab = int.from_bytes(b"\x00" + bytes(range(1, 256)), "big")  # top byte zero
    assert AuthKey.from_int(g_ab).key == b"\x00" + bytes(range(1, 256))
    minimal = AuthKey.from_int(g_ab, minimal=True)
    assert len(minimal.key) == 255
    # What Telethon derives from the same g_ab (rsa.get_byte_array: minimal big-endian bytes).
    assert minimal.key_id % 2**64 == TelethonAuthKey(minimal.key).key_id
    full = int.from_bytes(KEY_BYTES[::-1], "big")
    assert AuthKey.from_int(full, minimal=True) == AuthKey.from_int(full)


@pytest.mark.parametrize("value", [0, -1, 2**2048])
def test_auth_key_from_int_range(value: int) -> None:
    with pytest.raises(LocalProtocolError):
        AuthKey.from_int(value)


@pytest.mark.parametrize("size", [0, 127, 257])
def test_auth_key_sizes(size: int) -> None:
    with pytest.raises(LocalProtocolError, match="256 bytes"):
        AuthKey(bytes(size))


def test_auth_key_needs_bytes() -> None:
    with pytest.raises(LocalProtocolError, match="bytes"):
        AuthKey(256)  # type: ignore[arg-type]


@pytest.mark.parametrize("number", [0, 4])
def test_new_nonce_hash_number(number: int) -> None:
    with pytest.raises(LocalProtocolError):
        AuthKey(KEY_BYTES).new_nonce_hash(1, number)


@pytest.mark.parametrize("nonce", [2**256, -(2**255) - 1])
def test_new_nonce_hash_range(nonce: int) -> None:
    with pytest.raises(LocalProtocolError):
        AuthKey(KEY_BYTES).new_nonce_hash(nonce, 1)


# --- KDF -------------------------------------------------------------------------------------


def test_kdf_known_answers() -> None:
    key = AuthKey(KEY_BYTES)
    assert msg_key(key, b"hello world 1234", 0).hex() == "f9a17d0c883a42789958461d72b63838"
    assert msg_key(key, b"hello world 1234", 8).hex() == "59429480bf5d480263d47b3a9692984e"
    mk = bytes(range(100, 116))
    aes_key, aes_iv = aes_key_iv(key, mk, 0)
    assert aes_key.hex() == "d9aae4a5c4ff018239c0733db44a8a51c5c188b8dfc0df350f270b9206b16208"
    assert aes_iv.hex() == "2d702f30e5306a5c0cfbc8baa20ba3aebd7268f29a3244e70f55a704cd16d992"
    aes_key, aes_iv = aes_key_iv(key, mk, 8)
    assert aes_key.hex() == "71dfdcf2114c69315a5ebfd836e88f55dd64937ef04206428fccd2d7ad58959a"
    assert aes_iv.hex() == "dd9d9e6e16bf9f51252a8125b9ac54b3aec76024b4260d44a5de711087d15975"


@settings(max_examples=30)
@given(key_bytes=st.binary(min_size=256, max_size=256), mk=st.binary(min_size=16, max_size=16))
def test_aes_key_iv_matches_telethon(key_bytes: bytes, mk: bytes) -> None:
    key = AuthKey(key_bytes)
    assert aes_key_iv(key, mk, 0) == MTProtoState._calc_key(key_bytes, mk, True)
    assert aes_key_iv(key, mk, 8) == MTProtoState._calc_key(key_bytes, mk, False)


def _telethon_state(key_bytes: bytes) -> MTProtoState:
    loggers = defaultdict(lambda: logging.getLogger("telethon-oracle"))
    return MTProtoState(TelethonAuthKey(key_bytes), loggers)


@pytest.mark.parametrize("key_size", [256, 255])
def test_decrypt_what_telethon_encrypts(key_size: int) -> None:
    """Client -> server (x = 0): Telethon's own encrypt_message_data is the oracle."""
    key_bytes = os.urandom(key_size)
    state = _telethon_state(key_bytes)
    body = os.urandom(40)
    wire = state.encrypt_message_data(body)

    key = AuthKey(key_bytes)
    assert struct.unpack("<q", wire[:8])[0] == key.key_id
    mk = wire[8:24]
    plaintext = ige256_decrypt(wire[24:], *aes_key_iv(key, mk, 0))
    assert msg_key(key, plaintext, 0) == mk
    assert plaintext[16 : 16 + len(body)] == body
    assert struct.unpack("<q", plaintext[8:16])[0] == state.id


def test_server_direction_matches_telethon_check() -> None:
    """Server -> client (x = 8): the msg_key Telethon recomputes on receipt matches ours."""
    key_bytes = os.urandom(256)
    key = AuthKey(key_bytes)
    plaintext = os.urandom(64)
    mk = msg_key(key, plaintext, 8)
    assert mk == hashlib.sha256(key_bytes[96:128] + plaintext).digest()[8:24]
    aes_key, aes_iv = aes_key_iv(key, mk, 8)
    wire = ige256_encrypt(plaintext, aes_key, aes_iv)
    telethon_key, telethon_iv = MTProtoState._calc_key(key_bytes, mk, False)
    assert ige256_decrypt(wire, telethon_key, telethon_iv) == plaintext


@pytest.mark.parametrize("x", [1, 4, -8, 16])
def test_kdf_rejects_bad_x(x: int) -> None:
    key = AuthKey(KEY_BYTES)
    with pytest.raises(LocalProtocolError, match="x is 0"):
        msg_key(key, b"", x)
    with pytest.raises(LocalProtocolError, match="x is 0"):
        aes_key_iv(key, bytes(16), x)


@pytest.mark.parametrize("size", [0, 15, 17, 32])
def test_aes_key_iv_rejects_bad_msg_key(size: int) -> None:
    with pytest.raises(LocalProtocolError, match="msg_key"):
        aes_key_iv(AuthKey(KEY_BYTES), bytes(size), 0)


def test_tmp_aes_key_iv_known_answer() -> None:
    key, iv = tmp_aes_key_iv(NONCE32, SERVER_NONCE16)
    assert key.hex() == "ea0e3d0759178ac0d4636f379bea0c220862e681fab69efa327eac37e6ce917f"
    assert iv.hex() == "01d29ee77b04b8cce864070e166e6218f6783e8511471a5ab7802cf200010203"


@given(new_nonce=st.binary(min_size=32, max_size=32), server=st.binary(min_size=16, max_size=16))
def test_tmp_aes_key_iv_matches_telethon(new_nonce: bytes, server: bytes) -> None:
    expected = telethon_helpers.generate_key_data_from_nonce(
        int.from_bytes(server, "little", signed=True),
        int.from_bytes(new_nonce, "little", signed=True),
    )
    assert tmp_aes_key_iv(new_nonce, server) == expected


@pytest.mark.parametrize(("new_nonce", "server_nonce"), [(bytes(31), bytes(16)), (bytes(32), b"")])
def test_tmp_aes_key_iv_sizes(new_nonce: bytes, server_nonce: bytes) -> None:
    with pytest.raises(LocalProtocolError, match="nonce"):
        tmp_aes_key_iv(new_nonce, server_nonce)
