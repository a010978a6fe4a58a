"""What the chat store keeps: basic groups, their participants, and change outcomes."""

from __future__ import annotations

import enum

import attrs

__all__ = ["ChatChange", "ChatParticipant", "ChatRecord", "Membership"]


@attrs.frozen
class ChatRecord:
    """A basic group's metadata (its messages live in the members' message boxes).

    Attributes:
        id: The chat id (its peer key is ``-id``, see :mod:`tgserver.peerids`).
        title: The title.
        creator_id: Who created it (always an admin while a participant).
        date: Unix time of the creation.
        version: Bumped by every change of the participants, their rights or the title
            (Telegram's ``chat.version``: clients refetch the full chat when it moves).
        participants_count: How many users are in it.
        deactivated: No longer usable (migrated to a supergroup).
        migrated_to: The supergroup's channel id after ``messages.migrateChat``, or None.
    """

    id: int
    title: str
    creator_id: int
    date: int
    version: int = 1
    participants_count: int = 0
    deactivated: bool = False
    migrated_to: int | None = None


@attrs.frozen
class ChatParticipant:
    """A user in a basic group.

    Attributes:
        chat_id: The group.
        user_id: The participant.
        inviter_id: Who added it (the creator for itself).
        date: Unix time it joined.
        admin: Whether it is an admin (the creator always is).
    """

    chat_id: int
    user_id: int
    inviter_id: int
    date: int
    admin: bool = False


class Membership(enum.Enum):
    """How a change of a chat's participants went."""

    #: Done; ``ChatChange.chat`` is the chat afterwards.
    DONE = "done"
    #: Nothing to change (same admin right, same title).
    UNCHANGED = "unchanged"
    #: No such chat.
    NO_CHAT = "no_chat"
    #: The chat is deactivated (migrated).
    DEACTIVATED = "deactivated"
    #: The user is in the chat already.
    ALREADY_PARTICIPANT = "already_participant"
    #: The user is not in the chat.
    NOT_PARTICIPANT = "not_participant"
    #: The chat has as many participants as the limit allows.
    FULL = "full"


@attrs.frozen
class ChatChange:
    """The outcome of a change: what happened and the chat as it is now (None: no chat)."""

    outcome: Membership
    chat: ChatRecord | None = None

    @property
    def done(self) -> bool:
        """Whether the change was made."""
        return self.outcome is Membership.DONE
