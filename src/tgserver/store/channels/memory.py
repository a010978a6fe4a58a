"""The in-memory channel store (tests, embedding): plain dicts, nothing survives a restart."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from types import EllipsisType

import attrs

from tgserver.store._history import history_windows, unique_ids
from tgserver.store.channels._common import (
    FILTER_ROLES,
    after_post,
    creator_row,
    delete_entry,
    edit_entry,
    edited_ids,
    edited_message,
    merge_difference,
    next_message,
    page_limit,
)
from tgserver.store.channels.protocol import DEFAULT_HISTORY_LIMIT
from tgserver.store.channels.records import (
    INITIAL_CHANNEL_PTS,
    AddMembersResult,
    ChannelDiff,
    ChannelEntry,
    ChannelMessage,
    ChannelRecord,
    DeleteChannelResult,
    EditChannelResult,
    MemberChange,
    MemberFilter,
    MemberRecord,
    MemberRole,
    MembersPage,
    NewChannel,
    NewChannelMessage,
    PostResult,
    ReadChannelResult,
)

__all__ = ["MemoryChannelStore"]


class MemoryChannelStore:
    """A :class:`~tgserver.store.channels.ChannelStore` in dicts."""

    def __init__(self) -> None:
        self._channels: dict[int, ChannelRecord] = {}
        self._usernames: dict[str, int] = {}
        self._members: dict[int, dict[int, MemberRecord]] = {}
        self._of_user: dict[int, set[int]] = {}
        self._messages: dict[int, dict[int, ChannelMessage]] = {}
        self._log: dict[int, list[ChannelEntry]] = {}
        self._random: dict[tuple[int, int, int], int] = {}
        self._next_id = 1
        #: Rows written so far (the benchmark's "metadata rows per post").
        self.rows_written = 0

    # -- channels --------------------------------------------------------------------------------

    async def create_channel(self, new: NewChannel) -> ChannelRecord:
        """Create a channel whose creator is its member."""
        channel = ChannelRecord(
            id=self._next_id,
            title=new.title,
            about=new.about,
            megagroup=new.megagroup,
            creator_id=new.creator_id,
            date=new.date,
            username=None,
            pts=INITIAL_CHANNEL_PTS,
            top_message=0,
            top_date=0,
            updated=new.date,
            participants_count=1,
            migrated_from_chat_id=new.migrated_from_chat_id,
            migrated_from_max_id=new.migrated_from_max_id,
        )
        self._next_id += 1
        self._channels[channel.id] = channel
        self._messages[channel.id] = {}
        self._log[channel.id] = []
        self._members[channel.id] = {}
        self._set_member(creator_row(channel.id, new))
        return channel

    async def get_channel(self, channel_id: int) -> ChannelRecord | None:
        """The channel, or None."""
        return self._channels.get(channel_id)

    async def get_channels(self, channel_ids: Collection[int]) -> dict[int, ChannelRecord]:
        """The channels that exist among ``channel_ids``."""
        return {i: self._channels[i] for i in channel_ids if i in self._channels}

    async def channel_by_username(self, username: str) -> ChannelRecord | None:
        """The channel with this username (case-insensitive)."""
        channel_id = self._usernames.get(username.lower())
        return None if channel_id is None else self._channels.get(channel_id)

    async def set_username(self, channel_id: int, username: str | None) -> bool:
        """Set or remove the username; False when another channel has it."""
        channel = self._channels.get(channel_id)
        if channel is None:
            return False
        if username is not None:
            owner = self._usernames.get(username.lower())
            if owner is not None and owner != channel_id:
                return False
        if channel.username is not None:
            self._usernames.pop(channel.username.lower(), None)
        if username is not None:
            self._usernames[username.lower()] = channel_id
        self._channels[channel_id] = attrs.evolve(channel, username=username)
        return True

    async def set_title(self, channel_id: int, title: str) -> ChannelRecord | None:
        """Change the title."""
        channel = self._channels.get(channel_id)
        if channel is None:
            return None
        channel = attrs.evolve(channel, title=title)
        self._channels[channel_id] = channel
        return channel

    # -- members ---------------------------------------------------------------------------------

    def _set_member(self, record: MemberRecord) -> MemberRecord | None:
        rows = self._members[record.channel_id]
        before = rows.get(record.user_id)
        rows[record.user_id] = record
        self.rows_written += 1
        channels = self._of_user.setdefault(record.user_id, set())
        if record.active:
            channels.add(record.channel_id)
        else:
            channels.discard(record.channel_id)
        return before

    async def get_member(self, channel_id: int, user_id: int) -> MemberRecord | None:
        """The user's row, or None."""
        return self._members.get(channel_id, {}).get(user_id)

    async def members_among(
        self, channel_id: int, user_ids: Collection[int]
    ) -> dict[int, MemberRecord]:
        """The rows of these users."""
        rows = self._members.get(channel_id, {})
        return {u: rows[u] for u in user_ids if u in rows}

    def _count(self, channel_id: int, delta: int) -> int:
        channel = self._channels[channel_id]
        count = channel.participants_count + delta
        if delta:
            self._channels[channel_id] = attrs.evolve(channel, participants_count=count)
        return count

    async def put_member(
        self, record: MemberRecord, *, max_members: int | None = None
    ) -> MemberChange | None:
        """Insert or replace the user's row (its read pointer is kept)."""
        if record.channel_id not in self._channels:
            raise KeyError(record.channel_id)
        before = self._members[record.channel_id].get(record.user_id)
        was = before is not None and before.active
        delta = int(record.active) - int(was)
        count = self._channels[record.channel_id].participants_count
        if delta > 0 and max_members is not None and count + delta > max_members:
            return None
        if before is not None:
            record = attrs.evolve(record, read_inbox_max_id=before.read_inbox_max_id)
        self._set_member(record)
        return MemberChange(before, record, self._count(record.channel_id, delta))

    async def add_members(
        self,
        channel_id: int,
        user_ids: Sequence[int],
        *,
        inviter_id: int,
        date: int,
        max_members: int | None = None,
    ) -> AddMembersResult:
        """Make these users members, all or nothing against ``max_members``."""
        if channel_id not in self._channels:
            raise KeyError(channel_id)
        rows = self._members[channel_id]
        new = [u for u in unique_ids(user_ids) if not (u in rows and rows[u].active)]
        count = self._channels[channel_id].participants_count
        if max_members is not None and count + len(new) > max_members:
            return AddMembersResult((), count, too_many=True)
        for user_id in new:
            before = rows.get(user_id)
            self._set_member(
                MemberRecord(
                    channel_id=channel_id,
                    user_id=user_id,
                    role=MemberRole.MEMBER,
                    date=date,
                    inviter_id=inviter_id,
                    read_inbox_max_id=0 if before is None else before.read_inbox_max_id,
                )
            )
        return AddMembersResult(tuple(new), self._count(channel_id, len(new)))

    async def members(
        self, channel_id: int, filter: MemberFilter, *, offset: int = 0, limit: int = 100
    ) -> MembersPage:
        """A page of the members matching ``filter``, newest row first."""
        roles = FILTER_ROLES[filter]
        found = [m for m in self._members.get(channel_id, {}).values() if m.role in roles]
        found.sort(key=lambda m: (m.date, m.user_id), reverse=True)
        start = max(0, offset)
        return MembersPage(tuple(found[start : start + max(0, limit)]), len(found))

    async def memberships(self, user_id: int) -> list[MemberRecord]:
        """The user's active rows."""
        return [self._members[c][user_id] for c in sorted(self._of_user.get(user_id, ()))]

    # -- messages --------------------------------------------------------------------------------

    async def post_message(self, new: NewChannelMessage) -> PostResult:
        """Store a message with the next id and pts."""
        channel = self._channels[new.channel_id]
        messages = self._messages[new.channel_id]
        key = None
        if new.random_id is not None:
            key = (new.channel_id, new.from_id, new.random_id)
            first = self._random.get(key)
            if first is not None and first in messages:
                return PostResult(messages[first], channel, duplicate=True)
        message = next_message(channel, new)
        messages[message.id] = message
        if key is not None:
            self._random[key] = message.id
        channel = after_post(channel, message)
        self._channels[channel.id] = channel
        self.rows_written += 2
        return PostResult(message, channel)

    def _append(self, channel_id: int, entry: ChannelEntry) -> None:
        self._log[channel_id].append(entry)
        channel = self._channels[channel_id]
        self._channels[channel_id] = attrs.evolve(channel, pts=entry.pts, updated=entry.date)

    async def edit_message(
        self,
        channel_id: int,
        message_id: int,
        *,
        text: str,
        entities: bytes | None,
        edit_date: int,
        reply_markup: bytes | EllipsisType | None = ...,
    ) -> EditChannelResult | None:
        """Replace a message's text (and its ``reply_markup``, unless ``...``: kept)."""
        messages = self._messages.get(channel_id, {})
        current = messages.get(message_id)
        if current is None:
            return None
        edited = edited_message(
            current, text=text, entities=entities, edit_date=edit_date, reply_markup=reply_markup
        )
        messages[message_id] = edited
        entry = edit_entry(self._channels[channel_id], message_id, edit_date)
        self._append(channel_id, entry)
        return EditChannelResult(edited, entry)

    async def delete_messages(
        self, channel_id: int, message_ids: Sequence[int], *, date: int
    ) -> DeleteChannelResult:
        """Delete these messages for everyone."""
        channel = self._channels.get(channel_id)
        if channel is None:
            return DeleteChannelResult(0, None)
        messages = self._messages[channel_id]
        gone = tuple(i for i in unique_ids(message_ids) if i in messages)
        if not gone:
            return DeleteChannelResult(channel.pts, None)
        for message_id in gone:
            del messages[message_id]
        entry = delete_entry(channel, gone, date)
        self._append(channel_id, entry)
        return DeleteChannelResult(entry.pts, entry)

    async def get_messages(
        self, channel_id: int, message_ids: Sequence[int]
    ) -> tuple[ChannelMessage, ...]:
        """The messages that exist among ``message_ids``."""
        messages = self._messages.get(channel_id, {})
        return tuple(messages[i] for i in message_ids if i in messages)

    async def history(
        self,
        channel_id: int,
        *,
        offset_id: int = 0,
        offset_date: int = 0,
        add_offset: int = 0,
        limit: int = DEFAULT_HISTORY_LIMIT,
        max_id: int = 0,
        min_id: int = 0,
    ) -> tuple[tuple[ChannelMessage, ...], int]:
        """A page of the history, newest first."""
        rows = [
            m
            for m in self._messages.get(channel_id, {}).values()
            if m.id > min_id and (not max_id or m.id < max_id)
        ]  # ascending ids
        if offset_id:
            split = bisect.bisect_left([m.id for m in rows], offset_id)
        elif offset_date:
            split = bisect.bisect_left([m.date for m in rows], offset_date)
        else:
            split = len(rows)
        newer_window, older_window = history_windows(add_offset, page_limit(limit))
        page: list[ChannelMessage] = []
        if newer_window is not None:
            newer = rows[
                split + newer_window.offset : split + newer_window.offset + newer_window.count
            ]
            page.extend(reversed(newer))
        if older_window is not None:
            older = list(reversed(rows[:split]))
            page.extend(older[older_window.offset : older_window.offset + older_window.count])
        return tuple(page), len(rows)

    async def read_history(
        self, channel_id: int, user_id: int, max_id: int
    ) -> ReadChannelResult | None:
        """Move the member's read pointer up."""
        member = self._members.get(channel_id, {}).get(user_id)
        if member is None:
            return None
        top = self._channels[channel_id].top_message
        target = min(top, max_id) if max_id > 0 else top
        previous = member.read_inbox_max_id
        changed = target > previous
        if changed:
            self._members[channel_id][user_id] = attrs.evolve(member, read_inbox_max_id=target)
            self.rows_written += 1
            channel = self._channels[channel_id]
            if target > channel.read_max_id:
                self._channels[channel_id] = attrs.evolve(channel, read_max_id=target)
        now = max(target, previous)
        unread = await self.unread_count(channel_id, user_id, now)
        return ReadChannelResult(changed, now, previous, unread)

    async def unread_count(self, channel_id: int, user_id: int, after_id: int) -> int:
        """Messages of others above ``after_id``."""
        return sum(
            1
            for m in self._messages.get(channel_id, {}).values()
            if m.id > after_id and m.from_id != user_id
        )

    async def difference(self, channel_id: int, pts: int, *, limit: int) -> ChannelDiff | None:
        """New messages, edits and deletions after ``pts``."""
        channel = self._channels.get(channel_id)
        if channel is None:
            return None
        limit = max(1, limit)
        messages = sorted(
            (m for m in self._messages[channel_id].values() if m.pts > pts), key=lambda m: m.pts
        )[:limit]
        entries = [e for e in self._log[channel_id] if e.pts > pts][:limit]
        kept, logged, end = merge_difference(channel, pts, messages, entries, limit)
        current = self._messages[channel_id]
        edited = {i: current[i] for i in edited_ids(logged) if i in current}
        return ChannelDiff(channel, kept, logged, edited, end, end >= channel.pts)

    async def aclose(self) -> None:
        """Nothing to release."""
