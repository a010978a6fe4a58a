"""Shared fixtures of the crypto tests: one deterministic server key pair per session."""

from __future__ import annotations

import pytest

from tgcore.crypto import RsaPrivateKey
from tgcore.testing import SeededRandom


@pytest.fixture(scope="session")
def server_key() -> RsaPrivateKey:
    """A 2048-bit key generated from a fixed seed (the same key on every run)."""
    return RsaPrivateKey.generate(rng=SeededRandom(2048))
