"""Which members of each channel are online: the index that makes a post cost O(online).

:class:`OnlineChannels` maps a channel to its online members. The gateway's online index calls
:meth:`OnlineChannels.user_online` when a user gets its first live key (one store query: the
user's channels) and :meth:`OnlineChannels.user_offline` when its last one goes; the channel
services tell it about joins and leaves. A post is then published to
:meth:`online_members` only, whatever the channel's size.
"""

from __future__ import annotations

from tgserver.store.channels import ChannelStore

__all__ = ["OnlineChannels"]


class OnlineChannels:
    """channel id -> online member ids, kept by presence hooks and membership changes.

    Args:
        store: Where a user's channels are read when it comes online.
    """

    def __init__(self, store: ChannelStore) -> None:
        self._store = store
        self._members: dict[int, set[int]] = {}
        self._channels_of: dict[int, set[int]] = {}
        self._online: set[int] = set()

    def is_online(self, user_id: int) -> bool:
        """Whether ``user_id`` is marked online."""
        return user_id in self._online

    async def user_online(self, user_id: int) -> None:
        """``user_id`` came online: index its channels."""
        if user_id in self._online:
            return
        self._online.add(user_id)
        memberships = await self._store.memberships(user_id)
        if user_id not in self._online:
            return  # it went offline while the store answered
        for member in memberships:
            self.joined(member.channel_id, user_id)

    def user_offline(self, user_id: int) -> None:
        """``user_id`` has no live key any more: forget it."""
        self._online.discard(user_id)
        for channel_id in self._channels_of.pop(user_id, ()):
            members = self._members.get(channel_id)
            if members is not None:
                members.discard(user_id)
                if not members:
                    del self._members[channel_id]

    def joined(self, channel_id: int, user_id: int) -> None:
        """``user_id`` is now a member of ``channel_id`` (noted only if it is online)."""
        if user_id not in self._online:
            return
        self._members.setdefault(channel_id, set()).add(user_id)
        self._channels_of.setdefault(user_id, set()).add(channel_id)

    def left(self, channel_id: int, user_id: int) -> None:
        """``user_id`` is no longer a member of ``channel_id``."""
        channels = self._channels_of.get(user_id)
        if channels is not None:
            channels.discard(channel_id)
        members = self._members.get(channel_id)
        if members is not None:
            members.discard(user_id)
            if not members:
                del self._members[channel_id]

    def online_members(self, channel_id: int) -> list[int]:
        """The online members of ``channel_id`` (a snapshot)."""
        return list(self._members.get(channel_id, ()))

    def channels_of(self, user_id: int) -> frozenset[int]:
        """The channels of an online user."""
        return frozenset(self._channels_of.get(user_id, ()))
