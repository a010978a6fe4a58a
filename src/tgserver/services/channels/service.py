"""Supergroups and broadcast channels: creation, members, admins, bans, titles, usernames.

Membership changes are O(1) store writes (one member row and the channel's count). The
200,000-member limit (:data:`~tgserver.services.channels.access.MAX_MEMBERS`) is enforced in
the same transaction that adds members. Changes are told to the users concerned with
:class:`~tgserver.services.channels.events.ChannelUpdatedEvent` (``updateChannel``) and, in
supergroups, with service messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Final

import attrs

from tgserver.services.channels.access import (
    CHANNEL_PRIVATE,
    CHANNELS_TOO_MUCH,
    CHAT_ABOUT_TOO_LONG,
    CHAT_ADMIN_REQUIRED,
    CHAT_NOT_MODIFIED,
    CHAT_TITLE_EMPTY,
    MAX_ABOUT_LENGTH,
    MAX_CHANNELS_PER_USER,
    MAX_INVITE,
    MAX_MEMBERS,
    MAX_TITLE_LENGTH,
    RIGHT_FORBIDDEN,
    USER_ALREADY_PARTICIPANT,
    USER_CREATOR,
    USER_KICKED,
    USER_NOT_PARTICIPANT,
    USERS_TOO_MUCH,
    forbidden,
    rights_of,
)
from tgserver.services.channels.actions import (
    action_add_users,
    action_channel_create,
    action_delete_user,
    action_edit_title,
    action_migrate_from,
)
from tgserver.services.channels.events import ChannelUpdatedEvent
from tgserver.services.channels.posts import ChannelMessaging
from tgserver.services.channels.rights import (
    ADMIN_ADD_ADMINS,
    ADMIN_BAN_USERS,
    ADMIN_CHANGE_INFO,
    ADMIN_INVITE_USERS,
    BANNED_VIEW_MESSAGES,
    CREATOR_RIGHTS,
    has_right,
)
from tgserver.services.errors import (
    USERNAME_NOT_MODIFIED,
    USERNAME_OCCUPIED,
    bad_request,
)
from tgserver.services.events import Origin
from tgserver.services.users import UsersService
from tgserver.services.validation import check_username
from tgserver.store.channels import (
    ChannelMessage,
    ChannelRecord,
    MemberRecord,
    MemberRole,
    NewChannel,
)

__all__ = [
    "ChannelService",
    "Created",
    "JOIN_MESSAGES_MAX_MEMBERS",
    "USER_CHANNELS_TOO_MUCH",
]

#: Supergroups bigger than this post no "joined" / "left" service messages (every one would
#: cost each online member a push; Telegram hides them in big groups too).
JOIN_MESSAGES_MAX_MEMBERS: Final = 200
USER_CHANNELS_TOO_MUCH: Final = "USER_CHANNELS_TOO_MUCH"


@attrs.frozen
class Created:
    """A new channel and its first (service) message."""

    channel: ChannelRecord
    message: ChannelMessage


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise bad_request(CHAT_TITLE_EMPTY)
    return title[:MAX_TITLE_LENGTH]


class ChannelService:
    """Channel lifecycle and membership over the channel store.

    Args:
        messaging: The posting service (access checks, events, service messages).
        users: Accounts (names for searches, usernames taken by users).
        max_members: The member limit (Telegram's 200,000 by default).
        clock: Unix time.
    """

    def __init__(
        self,
        messaging: ChannelMessaging,
        users: UsersService,
        *,
        max_members: int = MAX_MEMBERS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.messaging = messaging
        self.access = messaging.access
        self.store = messaging.access.store
        self._users = users
        self._online = messaging.online
        self._bus = messaging.bus
        self.max_members = max_members
        self._clock = clock

    def now(self) -> int:
        """Unix time in whole seconds."""
        return int(self._clock())

    async def _tell(
        self, user_ids: Sequence[int], channel: ChannelRecord, origin: Origin | None = None
    ) -> None:
        if user_ids:
            await self._bus.publish(list(user_ids), ChannelUpdatedEvent(channel, origin))

    async def _tell_members(self, channel: ChannelRecord, origin: Origin | None = None) -> None:
        await self.messaging.publish(
            channel.id, ChannelUpdatedEvent(channel, origin, everyone=True)
        )

    async def _check_room(self, user_id: int, error: str) -> None:
        if len(await self.store.memberships(user_id)) >= MAX_CHANNELS_PER_USER:
            raise bad_request(error)

    # -- lifecycle -------------------------------------------------------------------------------

    async def create(
        self,
        creator_id: int,
        title: str,
        about: str = "",
        *,
        megagroup: bool,
        origin: Origin | None = None,
    ) -> Created:
        """Create a supergroup (``megagroup``) or a broadcast channel.

        Raises:
            RpcError: ``CHAT_TITLE_EMPTY``, ``CHAT_ABOUT_TOO_LONG``, ``CHANNELS_TOO_MUCH``.
        """
        title = _check_title(title)
        if len(about) > MAX_ABOUT_LENGTH:
            raise bad_request(CHAT_ABOUT_TOO_LONG)
        await self._check_room(creator_id, CHANNELS_TOO_MUCH)
        channel = await self.store.create_channel(
            NewChannel(
                creator_id=creator_id,
                title=title,
                about=about,
                megagroup=megagroup,
                date=self.now(),
            )
        )
        self._online.joined(channel.id, creator_id)
        message = await self.messaging.service_message(
            channel, creator_id, action_channel_create(title), origin=origin
        )
        return Created(await self.access.get(channel.id), message)

    async def create_from_chat(
        self,
        creator_id: int,
        title: str,
        members: Sequence[tuple[int, bool]],
        *,
        date: int,
        chat_id: int,
        max_id: int,
    ) -> ChannelRecord:
        """Create the supergroup a basic group migrates to (``messages.migrateChat``).

        ``members`` are (user, is_admin) pairs; the creator keeps the channel. The first
        message is ``messageActionChannelMigrateFrom``.
        """
        channel = await self.store.create_channel(
            NewChannel(
                creator_id=creator_id,
                title=_check_title(title),
                about="",
                megagroup=True,
                date=date,
                migrated_from_chat_id=chat_id,
                migrated_from_max_id=max_id,
            )
        )
        others = [u for u, _ in members if u != creator_id]
        await self.store.add_members(channel.id, others, inviter_id=creator_id, date=date)
        for user_id, is_admin in members:
            if is_admin and user_id != creator_id:
                await self.store.put_member(
                    MemberRecord(
                        channel_id=channel.id,
                        user_id=user_id,
                        role=MemberRole.ADMIN,
                        date=date,
                        inviter_id=creator_id,
                        admin_rights=CREATOR_RIGHTS & ~ADMIN_ADD_ADMINS,
                    )
                )
        for user_id in [creator_id, *others]:
            self._online.joined(channel.id, user_id)
        await self.messaging.service_message(
            channel, creator_id, action_migrate_from(channel.title, chat_id)
        )
        return await self.access.get(channel.id)

    # -- membership ------------------------------------------------------------------------------

    async def invite(
        self,
        user_id: int,
        channel_id: int,
        user_ids: Sequence[int],
        *,
        origin: Origin | None = None,
    ) -> tuple[ChannelRecord, tuple[int, ...], ChannelMessage | None]:
        """Add users (any member of a supergroup may; an admin with ``invite_users`` in a
        broadcast channel). Returns the channel, the users added and the service message.

        Raises:
            RpcError: ``USERS_TOO_MUCH`` (over the member limit or :data:`MAX_INVITE` per
                call), ``USER_ALREADY_PARTICIPANT``, ``USER_KICKED``,
                ``USER_CHANNELS_TOO_MUCH``, ``403 CHAT_ADMIN_REQUIRED``.
        """
        channel, member = await self.access.member(user_id, channel_id)
        rights = rights_of(member)
        if not channel.megagroup and not has_right(rights, ADMIN_INVITE_USERS):
            raise forbidden(CHAT_ADMIN_REQUIRED)
        wanted = list(dict.fromkeys(u for u in user_ids if u != user_id))
        if len(wanted) > MAX_INVITE:
            raise bad_request(USERS_TOO_MUCH)
        rows = await self.store.members_among(channel_id, wanted)
        for target in wanted:
            row = rows.get(target)
            kicked = row is not None and row.role == MemberRole.KICKED
            if kicked and not has_right(rights, ADMIN_BAN_USERS):
                raise bad_request(USER_KICKED)
        new = [u for u in wanted if u not in rows or not rows[u].active]
        if not new:
            raise bad_request(USER_ALREADY_PARTICIPANT)
        for target in new:
            await self._check_room(target, USER_CHANNELS_TOO_MUCH)
        result = await self.store.add_members(
            channel_id, new, inviter_id=user_id, date=self.now(), max_members=self.max_members
        )
        if result.too_many:
            raise bad_request(USERS_TOO_MUCH)
        for target in result.added:
            self._online.joined(channel_id, target)
        channel = await self.access.get(channel_id)
        await self._tell(result.added, channel)
        message = None
        if channel.megagroup:
            message = await self.messaging.service_message(
                channel, user_id, action_add_users(result.added), origin=origin
            )
        return await self.access.get(channel_id), result.added, message

    async def join(
        self, user_id: int, channel_id: int, *, origin: Origin | None = None
    ) -> tuple[ChannelRecord, ChannelMessage | None]:
        """Join a public channel.

        Raises:
            RpcError: ``CHANNEL_PRIVATE`` (no username, or banned),
                ``USER_ALREADY_PARTICIPANT``, ``CHANNELS_TOO_MUCH``, ``USERS_TOO_MUCH``.
        """
        channel = await self.access.get(channel_id)
        row = await self.store.get_member(channel_id, user_id)
        if row is not None and row.active:
            raise bad_request(USER_ALREADY_PARTICIPANT)
        if row is not None and row.role == MemberRole.KICKED:
            raise bad_request(CHANNEL_PRIVATE)
        if channel.username is None:
            raise bad_request(CHANNEL_PRIVATE)
        await self._add_member(channel_id, user_id, user_id, CHANNELS_TOO_MUCH)
        channel = await self.access.get(channel_id)
        await self._tell([user_id], channel, origin)
        message = None
        if channel.megagroup and channel.participants_count <= JOIN_MESSAGES_MAX_MEMBERS:
            message = await self.messaging.service_message(
                channel, user_id, action_add_users([user_id]), origin=origin
            )
        return await self.access.get(channel_id), message

    async def leave(
        self, user_id: int, channel_id: int, *, origin: Origin | None = None
    ) -> tuple[ChannelRecord, ChannelMessage | None]:
        """Leave a channel (its creator cannot).

        Raises:
            RpcError: ``USER_NOT_PARTICIPANT`` / ``CHANNEL_PRIVATE``, ``USER_CREATOR``.
        """
        channel, member = await self.access.member(user_id, channel_id)
        if member.role == MemberRole.CREATOR:
            raise bad_request(USER_CREATOR)
        await self.store.put_member(
            MemberRecord(
                channel_id=channel_id,
                user_id=user_id,
                role=MemberRole.LEFT,
                date=self.now(),
                inviter_id=user_id,
            )
        )
        message = None
        if channel.megagroup and channel.participants_count <= JOIN_MESSAGES_MAX_MEMBERS:
            message = await self.messaging.service_message(
                channel, user_id, action_delete_user(user_id), origin=origin
            )
        self._online.left(channel_id, user_id)
        channel = await self.access.get(channel_id)
        await self._tell([user_id], channel, origin)
        return channel, message

    async def _target(self, channel_id: int, target_id: int) -> MemberRecord | None:
        return await self.store.get_member(channel_id, target_id)

    async def edit_admin(
        self,
        user_id: int,
        channel_id: int,
        target_id: int,
        rights: int,
        *,
        rank: str | None = None,
        origin: Origin | None = None,
    ) -> MemberRecord:
        """Promote a member to admin with ``rights`` (0: demote to a plain member).

        Raises:
            RpcError: ``403 CHAT_ADMIN_REQUIRED`` (no ``add_admins``), ``USER_CREATOR``,
                ``USER_NOT_PARTICIPANT``, ``403 RIGHT_FORBIDDEN`` (granting rights one lacks).
        """
        channel, member = await self.access.admin(user_id, channel_id, ADMIN_ADD_ADMINS)
        mine = rights_of(member)
        if rights & ~mine & CREATOR_RIGHTS:
            raise forbidden(RIGHT_FORBIDDEN)
        target = await self._target(channel_id, target_id)
        if (target is None or not target.active) and rights:
            # Telegram adds a bot straight in as an admin (how bots join broadcast channels).
            target = await self._admit_bot(channel_id, target_id, user_id, target)
        if target is None or not target.active:
            raise bad_request(USER_NOT_PARTICIPANT)
        if target.role == MemberRole.CREATOR:
            raise bad_request(USER_CREATOR)
        role = MemberRole.ADMIN if rights else MemberRole.MEMBER
        change = await self.store.put_member(
            attrs.evolve(
                target,
                role=role,
                admin_rights=rights,
                banned_rights=0,
                until_date=0,
                rank=rank if rights else None,
                inviter_id=user_id,
            )
        )
        assert change is not None
        await self._tell([target_id], await self.access.get(channel.id))
        return change.after

    async def _admit_bot(
        self, channel_id: int, bot_id: int, inviter_id: int, row: MemberRecord | None
    ) -> MemberRecord | None:
        """Make the bot ``bot_id`` a member so it can be promoted (None: not a bot, or banned)."""
        user = await self._users.store.get_user(bot_id)
        if user is None or not user.bot or (row is not None and row.role == MemberRole.KICKED):
            return row
        return await self._add_member(channel_id, bot_id, inviter_id, USER_CHANNELS_TOO_MUCH)

    async def _add_member(
        self, channel_id: int, user_id: int, inviter_id: int, too_many_channels: str
    ) -> MemberRecord:
        """Make ``user_id`` a plain member (one row) and index it if online.

        Raises:
            RpcError: ``too_many_channels`` (the user is in too many), ``USERS_TOO_MUCH``.
        """
        await self._check_room(user_id, too_many_channels)
        change = await self.store.put_member(
            MemberRecord(
                channel_id=channel_id,
                user_id=user_id,
                role=MemberRole.MEMBER,
                date=self.now(),
                inviter_id=inviter_id,
            ),
            max_members=self.max_members,
        )
        if change is None:
            raise bad_request(USERS_TOO_MUCH)
        self._online.joined(channel_id, user_id)
        return change.after

    async def edit_banned(
        self,
        user_id: int,
        channel_id: int,
        target_id: int,
        banned_rights: int,
        *,
        until_date: int = 0,
        origin: Origin | None = None,
    ) -> tuple[MemberRecord, ChannelMessage | None]:
        """Restrict (some rights), ban (``view_messages``) or free (0) a user.

        Raises:
            RpcError: ``403 CHAT_ADMIN_REQUIRED`` (no ``ban_users``, or the target is an
                admin and the caller not the creator), ``USER_CREATOR``,
                ``USER_NOT_PARTICIPANT`` (freeing someone with no row).
        """
        channel, member = await self.access.admin(user_id, channel_id, ADMIN_BAN_USERS)
        target = await self._target(channel_id, target_id)
        if target is not None and target.role == MemberRole.CREATOR:
            raise bad_request(USER_CREATOR)
        if (
            target is not None
            and target.role == MemberRole.ADMIN
            and member.role != MemberRole.CREATOR
        ):
            raise forbidden(CHAT_ADMIN_REQUIRED)
        now = self.now()
        if banned_rights & BANNED_VIEW_MESSAGES:
            role = MemberRole.KICKED
        elif banned_rights:
            if target is None or not target.active:
                raise bad_request(USER_NOT_PARTICIPANT)
            role = MemberRole.RESTRICTED
        else:
            if target is None:
                raise bad_request(USER_NOT_PARTICIPANT)
            role = MemberRole.LEFT if target.role == MemberRole.KICKED else target.role
            if role == MemberRole.RESTRICTED:
                role = MemberRole.MEMBER
        was_active = target is not None and target.active
        change = await self.store.put_member(
            MemberRecord(
                channel_id=channel_id,
                user_id=target_id,
                role=role,
                date=now if target is None else target.date,
                inviter_id=user_id,
                banned_rights=banned_rights,
                until_date=until_date,
            )
        )
        assert change is not None
        message = None
        if role == MemberRole.KICKED:
            self._online.left(channel_id, target_id)
            if was_active and channel.megagroup:
                message = await self.messaging.service_message(
                    channel, user_id, action_delete_user(target_id), origin=origin
                )
        await self._tell([target_id], await self.access.get(channel_id))
        return change.after, message

    # -- settings --------------------------------------------------------------------------------

    async def edit_title(
        self, user_id: int, channel_id: int, title: str, *, origin: Origin | None = None
    ) -> tuple[ChannelRecord, ChannelMessage]:
        """Rename (``change_info`` right); members get ``updateChannel`` and a service message.

        Raises:
            RpcError: ``CHAT_TITLE_EMPTY``, ``CHAT_NOT_MODIFIED``, ``403 CHAT_ADMIN_REQUIRED``.
        """
        title = _check_title(title)
        channel, _ = await self.access.admin(user_id, channel_id, ADMIN_CHANGE_INFO)
        if channel.title == title:
            raise bad_request(CHAT_NOT_MODIFIED)
        changed = await self.store.set_title(channel_id, title)
        assert changed is not None
        message = await self.messaging.service_message(
            changed, user_id, action_edit_title(title), origin=origin
        )
        channel = await self.access.get(channel_id)
        await self._tell_members(channel, origin)
        return channel, message

    async def _username_free(self, channel_id: int, username: str) -> bool:
        if await self._users.store.user_by_username(username) is not None:
            return False
        owner = await self.store.channel_by_username(username)
        return owner is None or owner.id == channel_id

    async def check_username(self, user_id: int, channel_id: int, username: str) -> bool:
        """Whether the channel could take ``username``.

        Raises:
            RpcError: ``USERNAME_INVALID``, ``403 CHAT_ADMIN_REQUIRED``.
        """
        await self.access.admin(user_id, channel_id, ADMIN_CHANGE_INFO)
        return await self._username_free(channel_id, check_username(username))

    async def update_username(
        self, user_id: int, channel_id: int, username: str, *, origin: Origin | None = None
    ) -> ChannelRecord:
        """Set the public username (empty: make the channel private).

        Raises:
            RpcError: ``USERNAME_INVALID``, ``USERNAME_OCCUPIED``, ``USERNAME_NOT_MODIFIED``,
                ``403 CHAT_ADMIN_REQUIRED``.
        """
        channel, _ = await self.access.admin(user_id, channel_id, ADMIN_CHANGE_INFO)
        new = check_username(username) if username.strip() else None
        if new == channel.username:
            raise bad_request(USERNAME_NOT_MODIFIED)
        if new is not None and not await self._username_free(channel_id, new):
            raise bad_request(USERNAME_OCCUPIED)
        if not await self.store.set_username(channel_id, new):
            raise bad_request(USERNAME_OCCUPIED)
        channel = await self.access.get(channel_id)
        await self._tell_members(channel, origin)
        return channel

    async def resolve(self, username: str) -> ChannelRecord | None:
        """The channel with this public username, or None."""
        return await self.store.channel_by_username(username.strip().removeprefix("@"))
