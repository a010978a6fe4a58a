"""Who is in a channel: participant lists (paged, filtered, searched), one participant, and
what ``channels.getFullChannel`` shows."""

from __future__ import annotations

from typing import Final

import attrs

from tgserver.services.channels.access import (
    CHAT_ADMIN_REQUIRED,
    USER_NOT_PARTICIPANT,
    ChannelAccess,
    forbidden,
    rights_of,
)
from tgserver.services.errors import bad_request
from tgserver.services.users import UsersService
from tgserver.store.channels import (
    ChannelRecord,
    MemberFilter,
    MemberRecord,
    MemberRole,
    MembersPage,
)

__all__ = [
    "ChannelFullView",
    "ChannelMembers",
    "MAX_PARTICIPANTS_PAGE",
    "SEARCH_SCAN_LIMIT",
]

#: Members one ``channels.getParticipants`` page lists at most (Telegram's).
MAX_PARTICIPANTS_PAGE: Final = 200
#: Members a name search looks through at most (names live in the account store).
SEARCH_SCAN_LIMIT: Final = 10_000


@attrs.frozen
class ChannelFullView:
    """What ``channels.getFullChannel`` shows a user.

    Attributes:
        channel: The channel.
        member: The viewer's row (None: a public channel it does not belong to).
        admins_count: The creator and admins.
        kicked_count: Banned users.
        banned_count: Restricted members.
        unread_count: Messages of others above the viewer's read pointer.
    """

    channel: ChannelRecord
    member: MemberRecord | None
    admins_count: int
    kicked_count: int
    banned_count: int
    unread_count: int


class ChannelMembers:
    """Member lists and channel details over the channel store.

    Args:
        access: Channel lookups and checks.
        users: Accounts (names for searches).
    """

    def __init__(self, access: ChannelAccess, users: UsersService) -> None:
        self.access = access
        self.store = access.store
        self._users = users

    # -- reads -----------------------------------------------------------------------------------

    async def participants(
        self,
        user_id: int,
        channel_id: int,
        filter: MemberFilter,
        *,
        query: str = "",
        offset: int = 0,
        limit: int = 100,
    ) -> MembersPage:
        """A page of members. Broadcast channels and the kicked / banned lists show only to
        admins; ``query`` searches names and usernames (among the first
        :data:`SEARCH_SCAN_LIMIT` members).

        Raises:
            RpcError: ``CHANNEL_PRIVATE``, ``403 CHAT_ADMIN_REQUIRED``.
        """
        channel, member = await self.access.member(user_id, channel_id)
        # Members of a supergroup see its members and admins; the rest is for admins.
        open_list = channel.megagroup and filter in (MemberFilter.RECENT, MemberFilter.ADMINS)
        if rights_of(member) == 0 and not open_list:
            raise forbidden(CHAT_ADMIN_REQUIRED)
        limit = max(0, min(limit, MAX_PARTICIPANTS_PAGE))
        offset = max(0, offset)
        if not query.strip():
            return await self.store.members(channel_id, filter, offset=offset, limit=limit)
        return await self._search(channel_id, filter, query, offset, limit)

    async def _search(
        self, channel_id: int, filter: MemberFilter, query: str, offset: int, limit: int
    ) -> MembersPage:
        needle = query.strip().casefold().removeprefix("@")
        found: list[MemberRecord] = []
        chunk = 1000
        for start in range(0, SEARCH_SCAN_LIMIT, chunk):
            page = await self.store.members(channel_id, filter, offset=start, limit=chunk)
            users = await self._users.store.get_users([m.user_id for m in page.members])
            for m in page.members:
                user = users.get(m.user_id)
                if user is None:
                    continue
                names = f"{user.first_name} {user.last_name} {user.username or ''}".casefold()
                if needle in names:
                    found.append(m)
            if len(page.members) < chunk:
                break
        return MembersPage(tuple(found[offset : offset + limit]), len(found))

    async def participant(self, user_id: int, channel_id: int, target_id: int) -> MemberRecord:
        """One member's row.

        Raises:
            RpcError: ``USER_NOT_PARTICIPANT``.
        """
        await self.access.readable(user_id, channel_id)
        row = await self.store.get_member(channel_id, target_id)
        if row is None or (not row.active and row.role != MemberRole.KICKED):
            raise bad_request(USER_NOT_PARTICIPANT)
        return row

    async def full(self, user_id: int, channel_id: int) -> ChannelFullView:
        """What ``channels.getFullChannel`` needs."""
        channel, member = await self.access.readable(user_id, channel_id)
        admins = await self.store.members(channel_id, MemberFilter.ADMINS, limit=0)
        kicked = await self.store.members(channel_id, MemberFilter.KICKED, limit=0)
        banned = await self.store.members(channel_id, MemberFilter.BANNED, limit=0)
        read = member.read_inbox_max_id if member is not None else channel.top_message
        unread = await self.store.unread_count(channel_id, user_id, read)
        return ChannelFullView(channel, member, admins.count, kicked.count, banned.count, unread)
