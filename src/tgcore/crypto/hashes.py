"""SHA-1 and SHA-256 over several parts, without joining them first."""

from __future__ import annotations

import hashlib

__all__ = ["sha1", "sha256"]


def sha1(*parts: bytes) -> bytes:
    """The 20-byte SHA-1 digest of the concatenation of ``parts``."""
    h = hashlib.sha1()
    for part in parts:
        h.update(part)
    return h.digest()


def sha256(*parts: bytes) -> bytes:
    """The 32-byte SHA-256 digest of the concatenation of ``parts``."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.digest()
