"""Telegram's list hash: what a client sends back to get ``*NotModified`` for an unchanged list.

For each id in order: ``h ^= h >> 21; h ^= h << 35; h ^= h >> 4; h += id``, in unsigned 64-bit
arithmetic, the result read as a signed 64-bit integer (the ``hash:long`` on the wire).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["vector_hash"]

_MASK = (1 << 64) - 1


def vector_hash(values: Iterable[int]) -> int:
    """Telegram's hash of a sequence of ids (signed 64-bit)."""
    h = 0
    for value in values:
        h ^= h >> 21
        h ^= (h << 35) & _MASK
        h ^= h >> 4
        h = (h + value) & _MASK
    return h - (1 << 64) if h >> 63 else h
