"""The account's update state: ``updates.getState`` and an honest ``getDifference``.

Every account has a pts (kept by the :class:`~tgserver.store.accounts.UserStore`, 1 for a new
account). Until messages exist nothing bumps it, so a client at the current pts has missed
nothing (``differenceEmpty``), and a client anywhere else is told to resync from the current
pts (``differenceTooLong``). The messaging service extends this with stored events.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from tgserver.services.errors import USER_ID_INVALID, bad_request
from tgserver.store.accounts import UserStore

__all__ = ["Difference", "UpdatesService", "UpdatesState"]


@attrs.frozen
class UpdatesState:
    """``updates.state``: where the account's update sequences stand.

    Attributes:
        pts: The account's message-box sequence.
        qts: The secret-chat sequence (0: none).
        date: Unix time now.
        seq: The updates sequence (0: not used).
        unread_count: Unread messages.
    """

    pts: int
    qts: int
    date: int
    seq: int
    unread_count: int


@attrs.frozen
class Difference:
    """What the client missed since the pts it has.

    Attributes:
        state: The state now.
        too_long: The client must resync from ``state.pts`` (nothing can be replayed);
            False: nothing was missed.
    """

    state: UpdatesState
    too_long: bool


class UpdatesService:
    """Update state of accounts.

    Args:
        users: The account store (holds the pts).
        clock: Unix time.
    """

    def __init__(self, users: UserStore, *, clock: Callable[[], float] = time.time) -> None:
        self._users = users
        self._clock = clock

    async def state(self, user_id: int) -> UpdatesState:
        """The account's current state.

        Raises:
            RpcError: ``400 USER_ID_INVALID`` if the account vanished.
        """
        pts = await self._users.get_pts(user_id)
        if pts is None:
            raise bad_request(USER_ID_INVALID)
        return UpdatesState(pts=pts, qts=0, date=int(self._clock()), seq=0, unread_count=0)

    async def difference(self, user_id: int, pts: int) -> Difference:
        """What the account missed since ``pts``."""
        state = await self.state(user_id)
        return Difference(state=state, too_long=pts != state.pts)
