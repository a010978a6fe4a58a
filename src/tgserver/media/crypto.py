"""Encryption at rest: one random key per file, every part sealed on its own.

Each stored file gets a fresh 32-byte key. A part is sealed with AES-256-GCM under that key,
with a random 96-bit nonce and the blob id and part number as associated data::

    blob = nonce (12 bytes) || ciphertext || tag (16 bytes)

so any part decrypts alone (ranged reads touch only the parts they need), a part moved to
another place or another file fails to open, and rewriting a part (a client may send a part
again) never reuses a nonce. The file key itself is stored wrapped (AES-256-GCM again) by the
server's master key, with the blob id as associated data; the master key lives outside the
metadata database (``media.key`` in the data directory by default).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import struct
from pathlib import Path
from typing import Final

from Crypto.Cipher import AES

from tgcore.errors import StorageError

__all__ = [
    "KEY_SIZE",
    "MASTER_KEY_FILE",
    "MasterKey",
    "new_file_key",
    "open_part",
    "seal_part",
]

#: Bytes of a file key and of the master key (AES-256).
KEY_SIZE: Final = 32
#: Name of the master key file inside the data directory.
MASTER_KEY_FILE: Final = "media.key"

_NONCE = 12
_TAG = 16
_PART = struct.Struct("<I")


def new_file_key() -> bytes:
    """A fresh random file key."""
    return secrets.token_bytes(KEY_SIZE)


def _seal(key: bytes, data: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    cipher.update(aad)
    sealed, tag = cipher.encrypt_and_digest(data)
    return nonce + sealed + tag


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < _NONCE + _TAG:
        raise StorageError("a stored blob is truncated")
    cipher = AES.new(key, AES.MODE_GCM, nonce=blob[:_NONCE])
    cipher.update(aad)
    try:
        return cipher.decrypt_and_verify(blob[_NONCE:-_TAG], blob[-_TAG:])
    except ValueError:
        raise StorageError("a stored blob failed authentication") from None


def seal_part(file_key: bytes, blob_id: str, part: int, data: bytes) -> bytes:
    """Encrypt part ``part`` of the file stored as ``blob_id``."""
    return _seal(file_key, data, blob_id.encode() + _PART.pack(part))


def open_part(file_key: bytes, blob_id: str, part: int, blob: bytes) -> bytes:
    """Decrypt what :func:`seal_part` made.

    Raises:
        StorageError: the blob was changed, truncated or belongs elsewhere.
    """
    return _open(file_key, blob, blob_id.encode() + _PART.pack(part))


class MasterKey:
    """The key that wraps every file key.

    Args:
        key: :data:`KEY_SIZE` random bytes.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError(f"the media master key must have {KEY_SIZE} bytes")
        self._key = key

    def __repr__(self) -> str:
        return "MasterKey(<secret>)"

    @classmethod
    def generate(cls) -> MasterKey:
        """A random master key (tests, memory-only servers)."""
        return cls(secrets.token_bytes(KEY_SIZE))

    @classmethod
    def load_or_create(cls, path: Path) -> MasterKey:
        """The key in ``path`` (raw bytes), created with mode 0600 on first use (blocking).

        Raises:
            StorageError: the file cannot be read or created, or has the wrong length.
        """
        path = Path(path)
        try:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                data = secrets.token_bytes(KEY_SIZE)
                tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                try:
                    # A link, not a rename: a key another process created meanwhile wins.
                    os.link(tmp, path)
                except FileExistsError:
                    data = path.read_bytes()
                finally:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
        except OSError as exc:
            raise StorageError(f"media master key {path}: {exc.strerror or exc}") from exc
        if len(data) != KEY_SIZE:
            raise StorageError(f"media master key {path}: expected {KEY_SIZE} bytes")
        return cls(data)

    def wrap(self, file_key: bytes, blob_id: str) -> bytes:
        """``file_key`` encrypted for storage next to the blob ``blob_id``."""
        return _seal(self._key, file_key, b"key:" + blob_id.encode())

    def unwrap(self, wrapped: bytes, blob_id: str) -> bytes:
        """The file key :meth:`wrap` sealed.

        Raises:
            StorageError: the wrapped key was changed or the master key is not the one used.
        """
        return _open(self._key, wrapped, b"key:" + blob_id.encode())
