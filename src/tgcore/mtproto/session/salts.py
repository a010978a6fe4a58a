"""Server salts: what a client must put into every encrypted message, and how the server
decides which salts it accepts.

A salt belongs to the auth key, not to a session, and changes over time. The server session
asks a :class:`SaltProvider` (passed in by the gateway) for the salt to announce, whether a
received salt is valid, and for upcoming salts (get_future_salts). :class:`SaltSchedule` is a
simple in-memory provider: one random salt per fixed time window, the previous window's salt
still accepted for a grace period.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Callable, Iterable
from typing import Protocol

import attrs

__all__ = ["SaltProvider", "SaltSchedule", "ServerSalt"]


@attrs.frozen
class ServerSalt:
    """A salt and the Unix-time interval ``[valid_since, valid_until)`` it is meant for."""

    valid_since: int
    valid_until: int
    salt: int


class SaltProvider(Protocol):
    """Where a server session gets its salts from (one provider per auth key)."""

    def current(self, now: float) -> int:
        """The salt to announce and to put into outgoing messages at ``now``."""
        ...

    def is_valid(self, salt: int, now: float) -> bool:
        """Whether a client message carrying ``salt`` is accepted at ``now``."""
        ...

    def future(self, now: float, count: int) -> list[ServerSalt]:
        """Up to ``count`` salts, the current one first, for get_future_salts."""
        ...


class SaltSchedule:
    """One salt per ``period``-second window, drawn from ``rng`` when first needed.

    The salt of window ``k`` covers ``[k * period, (k + 1) * period)``; after its window it
    stays acceptable for ``grace`` more seconds, so messages already in flight when the salt
    changed are not bounced. Salts handed out by :meth:`future` are kept until their window
    has passed; older ones are pruned on access.

    :meth:`current` runs on every send, so it remembers the last window it answered for and
    prunes only when the window changes (or something may have made the memory stale):
    O(1) amortised instead of a walk over every remembered window.
    """

    def __init__(
        self,
        rng: Callable[[int], bytes] = os.urandom,
        *,
        period: int = 3600,
        grace: int = 1800,
        salts: Iterable[ServerSalt] = (),
    ) -> None:
        if period <= 0 or grace < 0:
            raise ValueError("period must be positive and grace not negative")
        self._rng = rng
        self._period = period
        self._grace = grace
        self._windows: dict[int, int] = {}
        # The window (and its salt) current() last answered for, pruned as of that window;
        # None when a change may have made it stale.
        self._last: tuple[int, int] | None = None
        for item in salts:
            self._windows[item.valid_since // period] = item.salt

    @property
    def period(self) -> int:
        """Seconds each salt is current."""
        return self._period

    def _window(self, now: float) -> int:
        return math.floor(now / self._period)

    def _salt(self, window: int) -> int:
        salt = self._windows.get(window)
        if salt is None:
            salt = int(struct.unpack("<q", self._rng(8))[0])
            self._windows[window] = salt
            last = self._last
            if last is not None and window < last[0] - 1:
                self._last = None  # an old window came back: the next current() prunes it
        return salt

    def _prune(self, window: int) -> None:
        self._last = None
        stale = [k for k in self._windows if k < window - 1]
        for k in stale:
            del self._windows[k]

    def set_current(self, salt: int, now: float) -> None:
        """Make ``salt`` the salt of the window holding ``now`` (e.g. the handshake's salt)."""
        self._windows[self._window(now)] = salt
        self._last = None

    def current(self, now: float) -> int:
        """The salt of the window holding ``now``."""
        window = self._window(now)
        last = self._last
        if last is not None and last[0] == window:
            return last[1]
        self._prune(window)
        salt = self._salt(window)
        self._last = (window, salt)
        return salt

    def is_valid(self, salt: int, now: float) -> bool:
        """The current salt, or the previous window's within ``grace`` seconds of its end."""
        window = self._window(now)
        if salt == self._salt(window):
            return True
        previous = self._windows.get(window - 1)
        return previous == salt and now < window * self._period + self._grace

    def future(self, now: float, count: int) -> list[ServerSalt]:
        """``count`` (1 to 64) consecutive salts starting with the current one."""
        count = max(1, min(count, 64))
        window = self._window(now)
        self._prune(window)
        return [
            ServerSalt(k * self._period, (k + 1) * self._period, self._salt(k))
            for k in range(window, window + count)
        ]

    def snapshot(self) -> list[ServerSalt]:
        """Every salt currently remembered, for persisting and restoring via ``salts=``."""
        return [
            ServerSalt(k * self._period, (k + 1) * self._period, salt)
            for k, salt in sorted(self._windows.items())
        ]
