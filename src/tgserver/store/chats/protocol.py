"""The narrow interface every chat-store backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tgserver.store.chats.records import ChatChange, ChatParticipant, ChatRecord

__all__ = ["ChatStore"]


class ChatStore(Protocol):
    """Basic groups: titles, participants, admin rights, versions, migration.

    The store checks what needs its own data to be race-free (an existing chat, a
    participant or not, the member limit); permissions are the services' job. Every change
    bumps :attr:`ChatRecord.version`. Writes are durable when the call returns. Backend
    failures raise :class:`~tgcore.errors.StorageError`. The conformance suite in
    ``tests/tgserver/store/chats/`` pins the behaviour of every backend.
    """

    async def create_chat(
        self, creator_id: int, title: str, members: Sequence[int], *, date: int
    ) -> tuple[ChatRecord, tuple[ChatParticipant, ...]]:
        """Create a chat with a new id: the creator (an admin) and ``members`` (invited by
        the creator; repeats and the creator itself skipped). Returns it and its
        participants in joining order."""
        ...

    async def get_chat(self, chat_id: int) -> ChatRecord | None:
        """One chat, or None."""
        ...

    async def get_chats(self, chat_ids: Sequence[int]) -> tuple[ChatRecord, ...]:
        """The chats that exist among ``chat_ids``, in the order asked, without repeats."""
        ...

    async def get_participants(self, chat_id: int) -> tuple[ChatParticipant, ...]:
        """The participants in joining order (empty for an unknown chat)."""
        ...

    async def get_participant(self, chat_id: int, user_id: int) -> ChatParticipant | None:
        """One participant, or None."""
        ...

    async def chats_of(self, user_id: int) -> tuple[int, ...]:
        """The ids of the chats ``user_id`` is in, ascending."""
        ...

    async def add_participant(
        self, chat_id: int, user_id: int, *, inviter_id: int, date: int, limit: int
    ) -> ChatChange:
        """Add a user (not an admin). ``FULL`` when the chat has ``limit`` participants;
        ``ALREADY_PARTICIPANT``, ``NO_CHAT``, ``DEACTIVATED`` otherwise."""
        ...

    async def remove_participant(self, chat_id: int, user_id: int) -> ChatChange:
        """Remove a user (kicked or leaving): ``NOT_PARTICIPANT`` if it was not in."""
        ...

    async def set_title(self, chat_id: int, title: str) -> ChatChange:
        """Rename the chat (``UNCHANGED`` for the same title)."""
        ...

    async def set_admin(self, chat_id: int, user_id: int, admin: bool) -> ChatChange:
        """Grant or revoke a participant's admin right (``UNCHANGED`` if it has it already;
        the creator's cannot be revoked: ``UNCHANGED``)."""
        ...

    async def migrate(self, chat_id: int, channel_id: int) -> ChatChange:
        """Deactivate the chat in favour of the supergroup ``channel_id``."""
        ...

    async def aclose(self) -> None:
        """Release the backend's resources; the store is unusable afterwards."""
        ...
