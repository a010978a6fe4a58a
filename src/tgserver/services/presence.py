"""Who is online: last activity per account, kept in memory.

Every request of a logged-in account counts as activity (:meth:`Presence.touch`). An account
active within :attr:`Presence.online_for` seconds is online until then; after that it shows
"last seen" at its last activity; an account not seen since the server started shows
"recently" (the server does not persist last-seen times).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

__all__ = ["Offline", "Online", "Presence", "Recently", "Status"]


@attrs.frozen
class Online:
    """Online until ``expires`` (Unix time)."""

    expires: int


@attrs.frozen
class Offline:
    """Last seen at ``was_online`` (Unix time)."""

    was_online: int


@attrs.frozen
class Recently:
    """Seen recently; the exact time is unknown or hidden."""


Status = Online | Offline | Recently


class Presence:
    """Last-activity times of accounts.

    Args:
        clock: Unix time.
        online_for: Seconds an account stays online after its last request (Telegram
            clients refresh their status every few minutes).
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, online_for: int = 300) -> None:
        self._clock = clock
        self.online_for = online_for
        self._last: dict[int, float] = {}
        self._offline: set[int] = set()

    def touch(self, user_id: int) -> None:
        """The account made a request now."""
        self._last[user_id] = self._clock()
        self._offline.discard(user_id)

    def set_offline(self, user_id: int) -> None:
        """The account's client said it went offline (``account.updateStatus``)."""
        self._last[user_id] = self._clock()
        self._offline.add(user_id)

    def last_seen(self, user_id: int) -> float | None:
        """Unix time of the account's last activity since start-up, if any."""
        return self._last.get(user_id)

    def status(self, user_id: int) -> Status:
        """The account's status now."""
        last = self._last.get(user_id)
        if last is None:
            return Recently()
        expires = int(last) + self.online_for
        if user_id not in self._offline and expires > self._clock():
            return Online(expires=expires)
        return Offline(was_online=int(last))
