"""Deterministic stand-ins for the clock and randomness that the sans-IO core takes injected.

The protocol core never reads the wall clock or ``os.urandom`` itself: it takes a
``clock`` (``Callable[[], float]``, Unix seconds) and an ``rng`` (``Callable[[int], bytes]``).
Tests pass these fakes so every run is reproducible.
"""

from __future__ import annotations

import random

__all__ = ["FakeClock", "SeededRandom"]


class FakeClock:
    """A clock that only moves when told to; call it to read the time (Unix seconds)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds


class SeededRandom:
    """A reproducible byte source: ``rng(n)`` returns ``n`` pseudo-random bytes from ``seed``."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def __call__(self, n: int) -> bytes:
        return self._random.randbytes(n)
