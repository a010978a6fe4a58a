"""An in-memory chat store: for tests, ephemeral servers and as the reference backend."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import trio

from tgcore.errors import StorageError
from tgserver.store.chats.records import ChatChange, ChatParticipant, ChatRecord, Membership

__all__ = ["MemoryChatStore"]


class MemoryChatStore:
    """A :class:`~tgserver.store.chats.ChatStore` in dicts; lost with the process.

    Each method runs without yielding after its first checkpoint: atomic for other tasks.
    """

    def __init__(self) -> None:
        self._chats: dict[int, ChatRecord] = {}
        #: Participants of each chat, in joining order (dicts keep insertion order).
        self._members: dict[int, dict[int, ChatParticipant]] = {}
        self._closed = False

    async def _enter(self) -> None:
        await trio.lowlevel.checkpoint()
        if self._closed:
            raise StorageError("the chat store is closed")

    def _bump(self, chat: ChatRecord) -> ChatRecord:
        """Store ``chat`` (changed by the caller) with the next version."""
        count = len(self._members[chat.id])
        updated = attrs.evolve(chat, version=chat.version + 1, participants_count=count)
        self._chats[chat.id] = updated
        return updated

    def _open(self, chat_id: int) -> ChatRecord | ChatChange:
        chat = self._chats.get(chat_id)
        if chat is None:
            return ChatChange(Membership.NO_CHAT)
        if chat.deactivated:
            return ChatChange(Membership.DEACTIVATED, chat)
        return chat

    async def create_chat(
        self, creator_id: int, title: str, members: Sequence[int], *, date: int
    ) -> tuple[ChatRecord, tuple[ChatParticipant, ...]]:
        """Create a chat (see the Protocol)."""
        await self._enter()
        chat_id = len(self._chats) + 1
        joined = {creator_id: ChatParticipant(chat_id, creator_id, creator_id, date, admin=True)}
        for user_id in members:
            if user_id not in joined:
                joined[user_id] = ChatParticipant(chat_id, user_id, creator_id, date)
        chat = ChatRecord(chat_id, title, creator_id, date, 1, len(joined))
        self._chats[chat_id] = chat
        self._members[chat_id] = joined
        return chat, tuple(joined.values())

    async def get_chat(self, chat_id: int) -> ChatRecord | None:
        """One chat, or None."""
        await self._enter()
        return self._chats.get(chat_id)

    async def get_chats(self, chat_ids: Sequence[int]) -> tuple[ChatRecord, ...]:
        """The existing chats among ``chat_ids``, in the order asked."""
        await self._enter()
        return tuple(self._chats[i] for i in dict.fromkeys(chat_ids) if i in self._chats)

    async def get_participants(self, chat_id: int) -> tuple[ChatParticipant, ...]:
        """The participants in joining order."""
        await self._enter()
        return tuple(self._members.get(chat_id, {}).values())

    async def get_participant(self, chat_id: int, user_id: int) -> ChatParticipant | None:
        """One participant, or None."""
        await self._enter()
        return self._members.get(chat_id, {}).get(user_id)

    async def chats_of(self, user_id: int) -> tuple[int, ...]:
        """The chats ``user_id`` is in."""
        await self._enter()
        return tuple(sorted(c for c, members in self._members.items() if user_id in members))

    async def add_participant(
        self, chat_id: int, user_id: int, *, inviter_id: int, date: int, limit: int
    ) -> ChatChange:
        """Add a user (see the Protocol)."""
        await self._enter()
        chat = self._open(chat_id)
        if isinstance(chat, ChatChange):
            return chat
        members = self._members[chat_id]
        if user_id in members:
            return ChatChange(Membership.ALREADY_PARTICIPANT, chat)
        if len(members) >= limit:
            return ChatChange(Membership.FULL, chat)
        members[user_id] = ChatParticipant(chat_id, user_id, inviter_id, date)
        return ChatChange(Membership.DONE, self._bump(chat))

    async def remove_participant(self, chat_id: int, user_id: int) -> ChatChange:
        """Remove a user (see the Protocol)."""
        await self._enter()
        chat = self._open(chat_id)
        if isinstance(chat, ChatChange):
            return chat
        if self._members[chat_id].pop(user_id, None) is None:
            return ChatChange(Membership.NOT_PARTICIPANT, chat)
        return ChatChange(Membership.DONE, self._bump(chat))

    async def set_title(self, chat_id: int, title: str) -> ChatChange:
        """Rename the chat (see the Protocol)."""
        await self._enter()
        chat = self._open(chat_id)
        if isinstance(chat, ChatChange):
            return chat
        if chat.title == title:
            return ChatChange(Membership.UNCHANGED, chat)
        return ChatChange(Membership.DONE, self._bump(attrs.evolve(chat, title=title)))

    async def set_admin(self, chat_id: int, user_id: int, admin: bool) -> ChatChange:
        """Grant or revoke admin rights (see the Protocol)."""
        await self._enter()
        chat = self._open(chat_id)
        if isinstance(chat, ChatChange):
            return chat
        members = self._members[chat_id]
        member = members.get(user_id)
        if member is None:
            return ChatChange(Membership.NOT_PARTICIPANT, chat)
        if member.admin == admin or user_id == chat.creator_id:
            return ChatChange(Membership.UNCHANGED, chat)
        members[user_id] = attrs.evolve(member, admin=admin)
        return ChatChange(Membership.DONE, self._bump(chat))

    async def migrate(self, chat_id: int, channel_id: int) -> ChatChange:
        """Deactivate the chat in favour of a supergroup (see the Protocol)."""
        await self._enter()
        chat = self._open(chat_id)
        if isinstance(chat, ChatChange):
            return chat
        return ChatChange(
            Membership.DONE,
            self._bump(attrs.evolve(chat, deactivated=True, migrated_to=channel_id)),
        )

    async def aclose(self) -> None:
        """Drop everything; later calls raise StorageError."""
        self._closed = True
        self._chats.clear()
        self._members.clear()
