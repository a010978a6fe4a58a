"""Fixtures of the handshake tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tgcore.crypto import RsaPrivateKey
from tgcore.testing import FakeClock

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path; the
# test modules here share helpers through handshake_support (a name unique in the suite).
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(scope="session")
def key() -> RsaPrivateKey:
    """The server's RSA key (a fixed 2048-bit test key)."""
    return RsaPrivateKey.from_pem((Path(__file__).parent / "test_key_1.pem").read_bytes())


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock shared by both roles."""
    return FakeClock()
