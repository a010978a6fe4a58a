"""Pure helpers both channel-store backends share: limits, history windows, member order."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from tgserver.store.channels.protocol import DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT
from tgserver.store.channels.records import (
    ChannelEntry,
    ChannelEntryKind,
    ChannelMessage,
    ChannelRecord,
    MemberFilter,
    MemberRole,
)

__all__: list[str] = []

#: The roles each participants filter lists.
FILTER_ROLES: dict[MemberFilter, tuple[MemberRole, ...]] = {
    MemberFilter.RECENT: (
        MemberRole.CREATOR,
        MemberRole.ADMIN,
        MemberRole.MEMBER,
        MemberRole.RESTRICTED,
    ),
    MemberFilter.ADMINS: (MemberRole.CREATOR, MemberRole.ADMIN),
    MemberFilter.KICKED: (MemberRole.KICKED,),
    MemberFilter.BANNED: (MemberRole.RESTRICTED,),
}


def page_limit(limit: int) -> int:
    """Telegram's page rule: 0 or less means the default, and there is a cap."""
    if limit <= 0:
        return DEFAULT_HISTORY_LIMIT
    return min(limit, MAX_HISTORY_LIMIT)


def unique(ids: Iterable[int]) -> list[int]:
    """Ids in first-seen order without repeats."""
    return list(dict.fromkeys(ids))


@attrs.frozen
class Window:
    """``count`` consecutive messages starting ``offset`` away from the history split."""

    offset: int
    count: int


def history_windows(add_offset: int, limit: int) -> tuple[Window | None, Window | None]:
    """The (newer, older) windows of a history page around its split.

    Position 0 is the newest message below the split (``offset_id`` / ``offset_date``);
    negative positions are the messages at or above it, -1 the oldest of those. The page
    covers positions ``add_offset`` .. ``add_offset + limit - 1``.
    """
    end = add_offset + limit
    newer = None
    if add_offset < 0:
        first = max(0, -end)
        newer = Window(first, -add_offset - first)
    older = None
    start = max(add_offset, 0)
    if end > start:
        older = Window(start, end - start)
    return newer, older


def merge_difference(
    channel: ChannelRecord,
    pts: int,
    messages: list[ChannelMessage],
    entries: list[ChannelEntry],
    limit: int,
) -> tuple[tuple[ChannelMessage, ...], tuple[ChannelEntry, ...], int]:
    """Merge new messages and log entries (each ascending, each at most ``limit`` long, all
    above ``pts``) by pts, cut at ``limit`` items; returns them and the pts reached."""
    items: list[tuple[int, ChannelMessage | ChannelEntry]] = sorted(
        [(m.pts, m) for m in messages] + [(e.pts, e) for e in entries], key=lambda t: t[0]
    )
    # Both queries came back short: nothing after pts is missing from ``items``.
    complete = len(messages) < limit and len(entries) < limit
    if len(items) > limit:
        items = items[:limit]
        complete = False
    end = max(pts, channel.pts) if complete else items[-1][0]
    return (
        tuple(i for _, i in items if isinstance(i, ChannelMessage)),
        tuple(i for _, i in items if isinstance(i, ChannelEntry)),
        end,
    )


def edited_ids(entries: Iterable[ChannelEntry]) -> list[int]:
    """The message ids the edit entries name."""
    return unique(i for e in entries if e.kind == ChannelEntryKind.EDIT_MESSAGE for i in e.ids)
