"""The server's RSA key on disk: created on first start, loaded on every later one.

The data directory holds two files:

- ``server.pem``: the private key (PKCS#1 PEM), mode 0600. Keep it secret and back it up:
  a new key means every client must be given the new public key.
- ``server.pub.pem``: the public key as PKCS#1 PEM (``BEGIN RSA PUBLIC KEY``), the file a
  client adds (Telethon: ``telethon.crypto.rsa.add_key(text, old=False)``).

Files are written atomically (a temporary file, then a rename), so a crash never leaves a
half-written key behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from tgcore.crypto import RsaPrivateKey
from tgcore.errors import LocalProtocolError
from tgserver.config import ConfigError

__all__ = [
    "KeyFileError",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "fingerprint_hex",
    "generate_server_key",
    "load_or_create_server_key",
    "private_key_path",
    "public_key_path",
]

log = logging.getLogger(__name__)

#: Name of the private key file inside the data directory.
PRIVATE_KEY_FILE: Final = "server.pem"
#: Name of the public key file inside the data directory.
PUBLIC_KEY_FILE: Final = "server.pub.pem"


class KeyFileError(ConfigError):
    """The key files cannot be read or written (permissions, not a key, a file in the way)."""


def private_key_path(data_dir: Path) -> Path:
    """``data_dir/server.pem``."""
    return Path(data_dir) / PRIVATE_KEY_FILE


def public_key_path(data_dir: Path) -> Path:
    """``data_dir/server.pub.pem``."""
    return Path(data_dir) / PUBLIC_KEY_FILE


def fingerprint_hex(fingerprint: int) -> str:
    """A signed 64-bit fingerprint as 16 hex digits of its unsigned form (``d09d1d85de64fd85``)."""
    return f"{fingerprint & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def load_or_create_server_key(data_dir: Path) -> RsaPrivateKey:
    """The server key of ``data_dir``, generated and saved on first use.

    Creates the directory if needed. When ``server.pem`` exists it is loaded, and
    ``server.pub.pem`` is (re)written if missing or not matching. A private key readable by
    group or others is used but logged as a warning.

    Raises:
        KeyFileError: the directory or a file cannot be created, read or written, or
            ``server.pem`` is not a 2048-bit RSA private key.
    """
    data_dir = Path(data_dir)
    private_path = private_key_path(data_dir)
    try:
        if not private_path.exists():
            _make_dir(data_dir)
            key = RsaPrivateKey.generate()
            # Link rather than rename: if another process created the key meanwhile, keep its
            # key so both use the same one.
            if _write_atomic(private_path, key.to_pem(), 0o600, replace=False):
                log.info("generated a new server key in %s", private_path)
            else:
                key = _read_private(private_path)
        else:
            key = _read_private(private_path)
        _ensure_public(data_dir, key)
    except OSError as exc:
        raise KeyFileError(f"{exc.filename or data_dir}: {exc.strerror or exc}") from exc
    return key


def generate_server_key(data_dir: Path) -> RsaPrivateKey:
    """Make a new server key in ``data_dir``, replacing any existing one.

    Clients that were given the old public key can no longer connect until they add the new
    ``server.pub.pem``.

    Raises:
        KeyFileError: the directory or files cannot be written.
    """
    data_dir = Path(data_dir)
    key = RsaPrivateKey.generate()
    try:
        _make_dir(data_dir)
        _write_atomic(private_key_path(data_dir), key.to_pem(), 0o600, replace=True)
        _ensure_public(data_dir, key)
    except OSError as exc:
        raise KeyFileError(f"{exc.filename or data_dir}: {exc.strerror or exc}") from exc
    log.info("generated a new server key in %s", private_key_path(data_dir))
    return key


def _make_dir(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)


def _read_private(path: Path) -> RsaPrivateKey:
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "server key %s is accessible by group or others (mode %03o); run: chmod 600 %s",
            path,
            stat.S_IMODE(mode),
            path,
        )
    try:
        return RsaPrivateKey.from_pem(path.read_bytes())
    except LocalProtocolError as exc:
        raise KeyFileError(f"{path}: not a usable server key: {exc}") from exc


def _ensure_public(data_dir: Path, key: RsaPrivateKey) -> None:
    path = public_key_path(data_dir)
    expected = key.public_key.to_pem()
    try:
        current: bytes | None = path.read_bytes()
    except FileNotFoundError:
        current = None
    if current == expected:
        return
    if current is not None:
        log.warning("%s did not match %s; rewriting it", path, private_key_path(data_dir))
    _write_atomic(path, expected, 0o644, replace=True)


def _write_atomic(path: Path, data: bytes, mode: int, *, replace: bool) -> bool:
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    The temporary file is created with ``mode`` from the start (no window where a private key
    is readable by others). Returns False if ``replace`` is False and ``path`` already exists.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            # The umask may have removed bits we want (0644 for the public key) or, for odd
            # umasks, left the mode at what os.open asked: set it explicitly either way.
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            except OSError:  # pragma: no cover - a filesystem without hard links
                if path.exists():
                    return False
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_dir(path.parent)
    return True


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
