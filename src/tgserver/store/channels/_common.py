"""Pure helpers both channel-store backends share: limits, member order, differences
(history windows: :mod:`tgserver.store._history`)."""

from __future__ import annotations

from collections.abc import Iterable
from types import EllipsisType

import attrs

from tgserver.store._history import unique_ids
from tgserver.store.channels.protocol import DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT
from tgserver.store.channels.records import (
    ChannelEntry,
    ChannelEntryKind,
    ChannelMessage,
    ChannelRecord,
    MemberFilter,
    MemberRecord,
    MemberRole,
    NewChannel,
    NewChannelMessage,
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
    return unique_ids(i for e in entries if e.kind == ChannelEntryKind.EDIT_MESSAGE for i in e.ids)


def creator_row(channel_id: int, new: NewChannel) -> MemberRecord:
    """The member row of a new channel's creator."""
    return MemberRecord(
        channel_id=channel_id,
        user_id=new.creator_id,
        role=MemberRole.CREATOR,
        date=new.date,
        inviter_id=new.creator_id,
    )


def next_message(channel: ChannelRecord, new: NewChannelMessage) -> ChannelMessage:
    """``new`` as the channel's next message: the next id and the next pts."""
    return ChannelMessage(
        channel_id=new.channel_id,
        id=channel.top_message + 1,
        from_id=new.from_id,
        date=new.date,
        text=new.text,
        entities=new.entities,
        media=new.media,
        reply_to=new.reply_to,
        fwd_from=new.fwd_from,
        action=new.action,
        post=new.post,
        edit_date=None,
        random_id=new.random_id,
        pts=channel.pts + 1,
        reply_markup=new.reply_markup,
    )


def after_post(channel: ChannelRecord, message: ChannelMessage) -> ChannelRecord:
    """The channel once ``message`` is posted: its pts and top message."""
    return attrs.evolve(
        channel,
        pts=message.pts,
        top_message=message.id,
        top_date=message.date,
        updated=message.date,
    )


def edited_message(
    current: ChannelMessage,
    *,
    text: str,
    entities: bytes | None,
    edit_date: int,
    reply_markup: bytes | EllipsisType | None,
) -> ChannelMessage:
    """``current`` with a new text (and ``reply_markup``, unless ``...``: kept)."""
    markup = current.reply_markup if reply_markup is ... else reply_markup
    return attrs.evolve(
        current, text=text, entities=entities, edit_date=edit_date, reply_markup=markup
    )


def edit_entry(channel: ChannelRecord, message_id: int, date: int) -> ChannelEntry:
    """The log entry of an edit: the channel's next pts."""
    return ChannelEntry(
        pts=channel.pts + 1,
        pts_count=1,
        kind=ChannelEntryKind.EDIT_MESSAGE,
        date=date,
        ids=(message_id,),
    )


def delete_entry(channel: ChannelRecord, gone: tuple[int, ...], date: int) -> ChannelEntry:
    """The log entry of a deletion: one pts per deleted message."""
    return ChannelEntry(
        pts=channel.pts + len(gone),
        pts_count=len(gone),
        kind=ChannelEntryKind.DELETE_MESSAGES,
        date=date,
        ids=gone,
    )
