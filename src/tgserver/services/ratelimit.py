"""Sliding-window rate limits with Telegram's ``FLOOD_WAIT_N`` answer.

A :class:`RateLimiter` allows ``limit`` hits per key within any ``period`` seconds; one more
raises :class:`tgcore.errors.FloodWait` with the seconds until the oldest hit leaves the
window. State is in memory (it resets on restart, which only forgives) and bounded: idle
keys are swept, and past ``max_keys`` the oldest keys are dropped.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable

import attrs

from tgcore.errors import FloodWait

__all__ = ["RateLimiter", "RateLimits"]


@attrs.frozen
class RateLimits:
    """The account services' limits: ``(hits, seconds)`` pairs.

    Attributes:
        send_code_per_phone: ``auth.sendCode`` / ``resendCode`` per phone number.
        send_code_per_key: ``auth.sendCode`` / ``resendCode`` per auth key.
        sign_in_per_key: ``auth.signIn`` / ``signUp`` attempts per auth key.
        sign_in_per_phone: ``auth.signIn`` attempts per phone number (from any key).
        import_per_user: ``contacts.importContacts`` calls per account.
        resolve_per_user: ``contacts.resolveUsername`` / ``contacts.search`` per account.
    """

    send_code_per_phone: tuple[int, float] = (5, 3600.0)
    send_code_per_key: tuple[int, float] = (10, 3600.0)
    sign_in_per_key: tuple[int, float] = (20, 3600.0)
    sign_in_per_phone: tuple[int, float] = (30, 3600.0)
    import_per_user: tuple[int, float] = (30, 60.0)
    resolve_per_user: tuple[int, float] = (200, 60.0)


class RateLimiter:
    """At most ``limit`` hits per key in any window of ``period`` seconds.

    Args:
        limit: Hits allowed per window.
        period: The window, in seconds.
        clock: Unix time (injected so tests control it).
        max_keys: Keys remembered at most; the oldest are forgotten past it.
    """

    def __init__(
        self,
        limit: int,
        period: float,
        *,
        clock: Callable[[], float] = time.time,
        max_keys: int = 100_000,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a rate limit needs limit >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[Hashable, deque[float]] = {}
        self._next_sweep = 0.0

    @classmethod
    def of(cls, pair: tuple[int, float], *, clock: Callable[[], float] = time.time) -> RateLimiter:
        """A limiter from a ``(limit, period)`` pair of :class:`RateLimits`."""
        return cls(pair[0], pair[1], clock=clock)

    def __len__(self) -> int:
        return len(self._hits)

    def wait_time(self, key: Hashable) -> int:
        """Seconds until ``key`` may hit again (0: now)."""
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            return 0
        self._expire(hits, now)
        if len(hits) < self.limit:
            return 0
        return max(1, math.ceil(hits[0] + self.period - now))

    def hit(self, key: Hashable) -> None:
        """Count one hit of ``key``.

        Raises:
            FloodWait: ``key`` used up its window; nothing is counted.
        """
        wait = self.wait_time(key)
        if wait:
            raise FloodWait(wait)
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            self._sweep(now)
            hits = self._hits[key] = deque(maxlen=self.limit)
        hits.append(now)

    def reset(self, key: Hashable) -> None:
        """Forget the hits of ``key``."""
        self._hits.pop(key, None)

    def _expire(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.period:
            hits.popleft()

    def _sweep(self, now: float) -> None:
        """Drop idle keys now and then, and the oldest keys past ``max_keys``."""
        if now >= self._next_sweep or len(self._hits) >= self._max_keys:
            self._next_sweep = now + self.period
            for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.period]:
                del self._hits[key]
        while len(self._hits) >= self._max_keys:
            # dicts keep insertion order: the first key is the oldest.
            del self._hits[next(iter(self._hits))]
