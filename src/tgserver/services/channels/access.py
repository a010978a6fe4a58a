"""Who may see and do what in a channel: limits, error names, access hashes, role checks."""

from __future__ import annotations

from typing import Final

from tgcore.errors import RpcError
from tgserver.services.access import AccessHashes
from tgserver.services.channels.rights import CREATOR_RIGHTS, has_right
from tgserver.services.errors import bad_request
from tgserver.store.channels import ChannelRecord, ChannelStore, MemberRecord, MemberRole

__all__ = [
    "CHANNELS_TOO_MUCH",
    "CHANNEL_INVALID",
    "CHANNEL_PRIVATE",
    "CHAT_ABOUT_TOO_LONG",
    "CHAT_ADMIN_REQUIRED",
    "CHAT_NOT_MODIFIED",
    "CHAT_TITLE_EMPTY",
    "CHAT_WRITE_FORBIDDEN",
    "ChannelAccess",
    "KIND_CHANNEL",
    "MAX_ABOUT_LENGTH",
    "MAX_CHANNELS_PER_USER",
    "MAX_INVITE",
    "MAX_MEMBERS",
    "MAX_TITLE_LENGTH",
    "MESSAGE_DELETE_FORBIDDEN",
    "PERSISTENT_TIMESTAMP_INVALID",
    "RIGHT_FORBIDDEN",
    "USERS_TOO_MUCH",
    "USER_ALREADY_PARTICIPANT",
    "USER_BANNED_IN_CHANNEL",
    "USER_CREATOR",
    "USER_KICKED",
    "USER_NOT_PARTICIPANT",
    "rights_of",
]

#: Members of one supergroup or channel at most (Telegram's limit).
MAX_MEMBERS: Final = 200_000
#: Channels and supergroups one user may be a member of.
MAX_CHANNELS_PER_USER: Final = 500
#: Users one ``channels.inviteToChannel`` may add.
MAX_INVITE: Final = 200
#: The longest title and description.
MAX_TITLE_LENGTH: Final = 128
MAX_ABOUT_LENGTH: Final = 255

#: Domain byte of channel access hashes (users have ``b"u"``).
KIND_CHANNEL: Final = b"c"

CHANNEL_INVALID: Final = "CHANNEL_INVALID"
CHANNEL_PRIVATE: Final = "CHANNEL_PRIVATE"
CHANNELS_TOO_MUCH: Final = "CHANNELS_TOO_MUCH"
CHAT_ABOUT_TOO_LONG: Final = "CHAT_ABOUT_TOO_LONG"
CHAT_ADMIN_REQUIRED: Final = "CHAT_ADMIN_REQUIRED"
CHAT_NOT_MODIFIED: Final = "CHAT_NOT_MODIFIED"
CHAT_TITLE_EMPTY: Final = "CHAT_TITLE_EMPTY"
CHAT_WRITE_FORBIDDEN: Final = "CHAT_WRITE_FORBIDDEN"
MESSAGE_DELETE_FORBIDDEN: Final = "MESSAGE_DELETE_FORBIDDEN"
PERSISTENT_TIMESTAMP_INVALID: Final = "PERSISTENT_TIMESTAMP_INVALID"
RIGHT_FORBIDDEN: Final = "RIGHT_FORBIDDEN"
USERS_TOO_MUCH: Final = "USERS_TOO_MUCH"
USER_ALREADY_PARTICIPANT: Final = "USER_ALREADY_PARTICIPANT"
USER_BANNED_IN_CHANNEL: Final = "USER_BANNED_IN_CHANNEL"
USER_CREATOR: Final = "USER_CREATOR"
USER_KICKED: Final = "USER_KICKED"
USER_NOT_PARTICIPANT: Final = "USER_NOT_PARTICIPANT"


def forbidden(name: str) -> RpcError:
    """A ``403`` error (Telegram's code for rights errors)."""
    return RpcError(403, name)


def rights_of(member: MemberRecord | None) -> int:
    """The admin rights a member holds (the creator holds them all)."""
    if member is None:
        return 0
    if member.role == MemberRole.CREATOR:
        return CREATOR_RIGHTS
    if member.role == MemberRole.ADMIN:
        return member.admin_rights
    return 0


class ChannelAccess:
    """Channel lookups with Telegram's errors, and the per-viewer access hashes.

    Args:
        store: The channel store.
        hashes: The server's access-hash keys (the same secret as users').
    """

    def __init__(self, store: ChannelStore, hashes: AccessHashes) -> None:
        self.store = store
        self._hashes = hashes

    def hash_for(self, viewer_id: int, channel_id: int) -> int:
        """The access hash of ``channel_id`` as ``viewer_id`` sees it."""
        return self._hashes.compute(KIND_CHANNEL, viewer_id, channel_id)

    def check(self, viewer_id: int, channel_id: int, access_hash: int) -> bool:
        """Whether ``access_hash`` is the one ``viewer_id`` was given for ``channel_id``."""
        return self.hash_for(viewer_id, channel_id) == access_hash

    async def get(self, channel_id: int) -> ChannelRecord:
        """The channel.

        Raises:
            RpcError: ``CHANNEL_INVALID``.
        """
        channel = await self.store.get_channel(channel_id)
        if channel is None:
            raise bad_request(CHANNEL_INVALID)
        return channel

    async def readable(
        self, user_id: int, channel_id: int
    ) -> tuple[ChannelRecord, MemberRecord | None]:
        """The channel and the user's row, if the user may read it (a member, or anyone not
        banned for a public channel).

        Raises:
            RpcError: ``CHANNEL_INVALID``, ``CHANNEL_PRIVATE``.
        """
        channel = await self.get(channel_id)
        member = await self.store.get_member(channel_id, user_id)
        if member is not None and member.active:
            return channel, member
        if channel.username is not None and (member is None or member.role != MemberRole.KICKED):
            return channel, None
        raise bad_request(CHANNEL_PRIVATE)

    async def member(self, user_id: int, channel_id: int) -> tuple[ChannelRecord, MemberRecord]:
        """The channel and the user's row; the user must be a member.

        Raises:
            RpcError: ``CHANNEL_INVALID``, ``CHANNEL_PRIVATE`` (a private channel),
                ``USER_NOT_PARTICIPANT`` (a public one).
        """
        channel, member = await self.readable(user_id, channel_id)
        if member is None:
            raise bad_request(USER_NOT_PARTICIPANT)
        return channel, member

    async def admin(
        self, user_id: int, channel_id: int, right: int
    ) -> tuple[ChannelRecord, MemberRecord]:
        """The channel and the user's row; the user must hold the admin ``right``.

        Raises:
            RpcError: as :meth:`member`, and ``403 CHAT_ADMIN_REQUIRED``.
        """
        channel, member = await self.member(user_id, channel_id)
        if not has_right(rights_of(member), right):
            raise forbidden(CHAT_ADMIN_REQUIRED)
        return channel, member
