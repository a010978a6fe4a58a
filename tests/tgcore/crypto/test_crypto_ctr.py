"""AES-256-CTR (obfuscated2's stream cipher) against Telethon's pure-Python implementation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telethon.crypto.aesctr import AESModeCTR

from tgcore.crypto import AesCtr
from tgcore.errors import LocalProtocolError
from tgcore.testing import SeededRandom


@settings(max_examples=40)
@given(
    key=st.binary(min_size=32, max_size=32),
    iv=st.binary(min_size=16, max_size=16),
    chunks=st.lists(st.binary(max_size=70), max_size=6),
)
def test_stream_matches_telethon(key: bytes, iv: bytes, chunks: list[bytes]) -> None:
    ours = AesCtr(key, iv)
    theirs = AESModeCTR(key, iv)
    for chunk in chunks:  # split anywhere: the keystream continues across calls
        assert ours.update(chunk) == theirs.encrypt(chunk)


def test_counter_carries_across_the_whole_block() -> None:
    """The iv is one big-endian 128-bit counter: all-ones wraps to zero."""
    key = SeededRandom(1)(32)
    wrapped = AesCtr(key, b"\xff" * 16)
    wrapped.update(bytes(16))
    assert wrapped.update(bytes(16)) == AesCtr(key, bytes(16)).update(bytes(16))
    assert AesCtr(key, b"\xff" * 16).update(bytes(32)) == AESModeCTR(key, b"\xff" * 16).encrypt(
        bytes(32)
    )


def test_decrypt_is_encrypt() -> None:
    key, iv = SeededRandom(2)(32), SeededRandom(3)(16)
    data = b"obfuscated2 payload"
    assert AesCtr(key, iv).update(AesCtr(key, iv).update(data)) == data


@pytest.mark.parametrize(("key", "iv"), [(bytes(16), bytes(16)), (bytes(32), bytes(32))])
def test_sizes(key: bytes, iv: bytes) -> None:
    with pytest.raises(LocalProtocolError, match="32-byte key and a 16-byte iv"):
        AesCtr(key, iv)
