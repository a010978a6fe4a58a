"""Cryptographic primitives of MTProto 2.0 (being filled in)."""

from __future__ import annotations

from tgcore.crypto.ctr import AesCtr

__all__ = ["AesCtr"]
