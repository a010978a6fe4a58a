"""``updates.getState`` and ``updates.getDifference`` over the message store's update log."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

import attrs

from tgserver.store.messages import MessageRecord, MessageStore, UpdateEntry, UpdateKind

__all__ = [
    "MAX_DIFFERENCE_MESSAGES",
    "MAX_DIFFERENCE_UPDATES",
    "BoxDifference",
    "DifferenceService",
    "UpdatesState",
]

#: New messages one ``updates.difference`` carries at most (more: a slice).
MAX_DIFFERENCE_MESSAGES: Final = 100
#: Log entries one ``updates.difference`` covers at most (more: a slice).
MAX_DIFFERENCE_UPDATES: Final = 1000


@attrs.frozen
class UpdatesState:
    """``updates.state``: where a user's update sequences stand.

    Attributes:
        pts: The box's sequence (kept by the message store).
        qts: The secret-chat sequence (0: none).
        date: Unix time of the box's last change (now if there was none).
        seq: The updates sequence (0: not used).
        unread_count: Unread messages.
    """

    pts: int
    qts: int
    date: int
    seq: int
    unread_count: int


@attrs.frozen
class BoxDifference:
    """What a client missed since a pts.

    Attributes:
        state: Where the client stands after applying this (the final or an intermediate
            state).
        entries: The log entries covered, ascending (empty: nothing missed).
        messages: The copies the ``NEW_MESSAGE`` and ``EDIT_MESSAGE`` entries refer to that
            still exist, by id.
        more: A slice: call again from ``state``.
        too_long: The gap is too big to replay: resync from ``state.pts``.
    """

    state: UpdatesState
    entries: tuple[UpdateEntry, ...] = ()
    messages: dict[int, MessageRecord] = attrs.field(factory=dict)
    more: bool = False
    too_long: bool = False


class DifferenceService:
    """Update state and differences of users' boxes.

    Args:
        store: The message store (pts, update log).
        clock: Unix time.
    """

    def __init__(self, store: MessageStore, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    async def state(self, user_id: int) -> UpdatesState:
        """``updates.state`` of the user's box."""
        box = await self._store.get_state(user_id)
        return UpdatesState(
            pts=box.pts, qts=0, date=int(self._clock()), seq=0, unread_count=box.unread_count
        )

    async def difference(
        self, user_id: int, pts: int, *, max_messages: int = MAX_DIFFERENCE_MESSAGES
    ) -> BoxDifference:
        """The entries after ``pts`` (a slice when over the limits; "too long" when the gap is
        beyond the store's threshold or ``pts`` is ahead of the box)."""
        limit = max(1, min(max_messages, MAX_DIFFERENCE_MESSAGES))
        found = await self._store.get_updates(user_id, max(0, pts), limit=MAX_DIFFERENCE_UPDATES)
        now = int(self._clock())
        final = UpdatesState(
            pts=found.state.pts, qts=0, date=now, seq=0, unread_count=found.state.unread_count
        )
        if found.too_long or pts > final.pts:
            # A client ahead of the box (its data was reset) would ignore every update until
            # the box caught up: make it resync instead.
            return BoxDifference(state=final, too_long=True)
        entries: list[UpdateEntry] = []
        new_messages = 0
        for entry in found.entries:
            if entry.kind == UpdateKind.NEW_MESSAGE:
                if new_messages >= limit:
                    break
                new_messages += 1
            entries.append(entry)
        if not entries:
            return BoxDifference(state=final)
        wanted = [
            i
            for e in entries
            if e.kind in (UpdateKind.NEW_MESSAGE, UpdateKind.EDIT_MESSAGE)
            for i in e.ids
        ]
        records = await self._store.get_messages(user_id, wanted) if wanted else ()
        last = entries[-1]
        more = last.pts < found.state.pts
        state = (
            UpdatesState(
                pts=last.pts, qts=0, date=last.date, seq=0, unread_count=found.state.unread_count
            )
            if more
            else final
        )
        return BoxDifference(
            state=state,
            entries=tuple(entries),
            messages={r.id: r for r in records},
            more=more,
        )
