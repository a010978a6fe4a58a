"""The server key on disk: creation, modes, reloading, and Telethon reading our public PEM."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telethon.crypto import rsa as telethon_rsa

from tgcore.crypto import RsaPrivateKey
from tgserver.config import ConfigError
from tgserver.keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    KeyFileError,
    fingerprint_hex,
    generate_server_key,
    load_or_create_server_key,
    private_key_path,
    public_key_path,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def telethon_keys() -> Iterator[dict[int, Any]]:
    """Telethon's global key table, restored afterwards so other tests see the original."""
    saved = dict(telethon_rsa._server_keys)
    yield telethon_rsa._server_keys
    telethon_rsa._server_keys.clear()
    telethon_rsa._server_keys.update(saved)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_paths(tmp_path: Path) -> None:
    assert private_key_path(tmp_path) == tmp_path / PRIVATE_KEY_FILE == tmp_path / "server.pem"
    assert public_key_path(tmp_path) == tmp_path / PUBLIC_KEY_FILE == tmp_path / "server.pub.pem"


def test_creates_directory_and_both_files(tmp_path: Path) -> None:
    data = tmp_path / "a" / "b"
    key = load_or_create_server_key(data)
    private = (data / "server.pem").read_bytes()
    public = (data / "server.pub.pem").read_bytes()
    assert private.startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
    assert public.startswith(b"-----BEGIN RSA PUBLIC KEY-----\n")
    assert public.rstrip().endswith(b"-----END RSA PUBLIC KEY-----")
    assert RsaPrivateKey.from_pem(private).fingerprint == key.fingerprint
    assert public == key.public_key.to_pem()
    # No temporary files left behind.
    assert sorted(p.name for p in data.iterdir()) == ["server.pem", "server.pub.pem"]


@posix_only
def test_private_key_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        load_or_create_server_key(tmp_path)
    finally:
        os.umask(old)
    assert mode(tmp_path / "server.pem") == 0o600
    assert mode(tmp_path / "server.pub.pem") == 0o644


@posix_only
def test_restrictive_umask(tmp_path: Path) -> None:
    old = os.umask(0o277)
    try:
        generate_server_key(tmp_path / "d")
    finally:
        os.umask(old)
    assert mode(tmp_path / "d" / "server.pem") == 0o600


def test_reload_keeps_the_same_key(tmp_path: Path) -> None:
    first = load_or_create_server_key(tmp_path)
    before = (tmp_path / "server.pem").read_bytes()
    second = load_or_create_server_key(tmp_path)
    assert second.fingerprint == first.fingerprint
    assert (tmp_path / "server.pem").read_bytes() == before


def test_missing_public_key_is_rewritten(tmp_path: Path) -> None:
    key = load_or_create_server_key(tmp_path)
    (tmp_path / "server.pub.pem").unlink()
    assert load_or_create_server_key(tmp_path).fingerprint == key.fingerprint
    assert (tmp_path / "server.pub.pem").read_bytes() == key.public_key.to_pem()


def test_stale_public_key_is_rewritten(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key = load_or_create_server_key(tmp_path)
    (tmp_path / "server.pub.pem").write_bytes(RsaPrivateKey.generate().public_key.to_pem())
    with caplog.at_level(logging.WARNING, logger="tgserver.keys"):
        load_or_create_server_key(tmp_path)
    assert (tmp_path / "server.pub.pem").read_bytes() == key.public_key.to_pem()
    assert "did not match" in caplog.text


def test_existing_private_key_is_used(tmp_path: Path) -> None:
    key = RsaPrivateKey.generate()
    path = tmp_path / "server.pem"
    path.write_bytes(key.to_pem())
    path.chmod(0o600)
    assert load_or_create_server_key(tmp_path).fingerprint == key.fingerprint
    assert (tmp_path / "server.pub.pem").read_bytes() == key.public_key.to_pem()


@posix_only
def test_world_readable_private_key_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key = load_or_create_server_key(tmp_path)
    (tmp_path / "server.pem").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="tgserver.keys"):
        assert load_or_create_server_key(tmp_path).fingerprint == key.fingerprint
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "accessible by group or others (mode 644)" in record.getMessage()
    assert "chmod 600" in record.getMessage()


@posix_only
def test_private_key_0600_does_not_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_or_create_server_key(tmp_path)
    with caplog.at_level(logging.WARNING, logger="tgserver.keys"):
        load_or_create_server_key(tmp_path)
    assert caplog.records == []


def test_generate_replaces_the_key(tmp_path: Path) -> None:
    first = load_or_create_server_key(tmp_path)
    second = generate_server_key(tmp_path)
    assert second.fingerprint != first.fingerprint
    assert load_or_create_server_key(tmp_path).fingerprint == second.fingerprint
    assert (tmp_path / "server.pub.pem").read_bytes() == second.public_key.to_pem()


def test_concurrent_creator_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two servers starting at once on one directory end up with one key, not two."""
    winner = RsaPrivateKey.generate()
    real_generate = RsaPrivateKey.generate

    def generate_while_another_process_writes() -> RsaPrivateKey:
        (tmp_path / "server.pem").write_bytes(winner.to_pem())
        return real_generate()

    monkeypatch.setattr(RsaPrivateKey, "generate", generate_while_another_process_writes)
    assert load_or_create_server_key(tmp_path).fingerprint == winner.fingerprint
    assert (tmp_path / "server.pub.pem").read_bytes() == winner.public_key.to_pem()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["server.pem", "server.pub.pem"]


def test_corrupt_private_key(tmp_path: Path) -> None:
    (tmp_path / "server.pem").write_text("not a key")
    with pytest.raises(KeyFileError, match="not a usable server key"):
        load_or_create_server_key(tmp_path)


def test_public_key_in_place_of_private(tmp_path: Path) -> None:
    (tmp_path / "server.pem").write_bytes(RsaPrivateKey.generate().public_key.to_pem())
    with pytest.raises(KeyFileError, match="not a usable server key"):
        load_or_create_server_key(tmp_path)


def test_data_dir_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(KeyFileError) as info:
        load_or_create_server_key(blocker)
    assert str(blocker) in str(info.value)
    with pytest.raises(KeyFileError):
        generate_server_key(blocker)
    assert issubclass(KeyFileError, ConfigError)


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(KeyFileError, match="Permission denied"):
            load_or_create_server_key(locked)
    finally:
        locked.chmod(0o700)


def test_fingerprint_hex() -> None:
    assert fingerprint_hex(0) == "0000000000000000"
    assert fingerprint_hex(-1) == "ffffffffffffffff"
    assert fingerprint_hex(0x1234) == "0000000000001234"
    assert fingerprint_hex(-0x2F62E2A21B9902) == "ffd09d1d5de466fe"


def test_telethon_accepts_public_pem(tmp_path: Path, telethon_keys: dict[int, Any]) -> None:
    key = load_or_create_server_key(tmp_path)
    pem = (tmp_path / "server.pub.pem").read_text(encoding="ascii")
    before = set(telethon_keys)
    telethon_rsa.add_key(pem, old=False)
    assert set(telethon_keys) - before == {key.fingerprint}
    rsa_key, old = telethon_keys[key.fingerprint]
    assert old is False
    assert (rsa_key.n, rsa_key.e) == (key.public_key.n, key.public_key.e)
    # And Telethon computes the same fingerprint from the key it parsed.
    assert telethon_rsa._compute_fingerprint(rsa_key) == key.fingerprint
