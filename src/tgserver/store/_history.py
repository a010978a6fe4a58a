"""Paging arithmetic every message history shares (the per-user boxes of
:mod:`tgserver.store.messages` and the channels of :mod:`tgserver.store.channels`): pure
functions, whatever the backend."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__: list[str] = []


def unique_ids(ids: Iterable[int]) -> list[int]:
    """Ids in first-seen order without repeats."""
    return list(dict.fromkeys(ids))


@attrs.frozen
class Window:
    """``count`` consecutive messages starting ``offset`` away from the history split."""

    offset: int
    count: int


def history_windows(add_offset: int, limit: int) -> tuple[Window | None, Window | None]:
    """Where a history page lies relative to the split (offset_id or offset_date).

    The page covers positions ``add_offset`` to ``add_offset + limit - 1`` of the history
    read newest first, position 0 being the first message after the split. Negative
    positions are newer messages: counted from the split upwards they form the ``newer``
    window (ascending ids); the others form the ``older`` window (descending ids). A window
    that would be empty is None. Positions before the newest message simply do not exist,
    so a page reaching past it is shorter.
    """
    end = add_offset + limit
    newer = None
    if add_offset < 0:
        # Newer message j (0 = oldest above the split) sits at position -(j + 1).
        first = max(0, -end)
        newer = Window(first, -add_offset - first)
    older = None
    start = max(add_offset, 0)
    if end > start:
        older = Window(start, end - start)
    return newer, older
