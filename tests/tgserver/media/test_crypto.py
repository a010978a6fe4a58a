"""Encryption at rest: per-part AES-GCM, file keys wrapped by the master key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tgcore.errors import StorageError
from tgserver.media import KEY_SIZE, MasterKey, new_file_key
from tgserver.media.crypto import open_part, seal_part


def test_parts_round_trip_and_are_bound_to_their_place() -> None:
    key = new_file_key()
    sealed = seal_part(key, "blob", 3, b"hello" * 100)
    assert b"hello" not in sealed and len(sealed) == 500 + 28
    assert open_part(key, "blob", 3, sealed) == b"hello" * 100
    # Same bytes again: a fresh nonce, so a different ciphertext.
    assert seal_part(key, "blob", 3, b"hello" * 100) != sealed
    for where in (("blob", 4), ("other", 3)):
        with pytest.raises(StorageError, match="authentication"):
            open_part(key, where[0], where[1], sealed)
    with pytest.raises(StorageError):
        open_part(new_file_key(), "blob", 3, sealed)
    tampered = bytearray(sealed)
    tampered[20] ^= 1
    with pytest.raises(StorageError):
        open_part(key, "blob", 3, bytes(tampered))
    with pytest.raises(StorageError, match="truncated"):
        open_part(key, "blob", 3, sealed[:10])


def test_master_key_wraps_file_keys() -> None:
    master = MasterKey.generate()
    key = new_file_key()
    wrapped = master.wrap(key, "blob")
    assert key not in wrapped
    assert master.unwrap(wrapped, "blob") == key
    with pytest.raises(StorageError):
        master.unwrap(wrapped, "other-blob")
    with pytest.raises(StorageError):
        MasterKey.generate().unwrap(wrapped, "blob")
    assert "secret" in repr(master)
    with pytest.raises(ValueError):
        MasterKey(b"short")


def test_master_key_file_is_created_once_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "media.key"
    first = MasterKey.load_or_create(path)
    assert len(path.read_bytes()) == KEY_SIZE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = MasterKey.load_or_create(path)
    assert second.unwrap(first.wrap(b"k" * 32, "b"), "b") == b"k" * 32
    assert [p.name for p in path.parent.iterdir()] == ["media.key"]


def test_a_bad_master_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "media.key"
    path.write_bytes(b"short")
    with pytest.raises(StorageError, match="32 bytes"):
        MasterKey.load_or_create(path)
    with pytest.raises(StorageError):
        MasterKey.load_or_create(tmp_path / "media.key" / "below-a-file")
