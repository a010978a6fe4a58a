"""What the message store keeps and returns: messages, dialogs, update-log entries, results.

Every value is an ``attrs.frozen`` record. Content the store does not interpret (message
entities, media, forward headers, custom update payloads) travels as opaque ``bytes``: the
services serialize TL into them and back; the store never imports TL classes.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

__all__ = [
    "INITIAL_PTS",
    "BoxState",
    "BoxUpdate",
    "ChatSendResult",
    "CopyChange",
    "DeleteResult",
    "DialogRecord",
    "DialogsPage",
    "EditResult",
    "HistoryPage",
    "MessageRecord",
    "NewMessage",
    "ReadResult",
    "SendResult",
    "UpdateEntry",
    "UpdateKind",
    "UpdateSlice",
]

#: The pts of a box nothing has happened in yet. Telegram starts at 1, and Telethon reads a
#: pts of 0 in ``updates.state`` as "no state" and then ignores pts-carrying updates.
INITIAL_PTS: Final = 1


class UpdateKind(enum.IntEnum):
    """What an :class:`UpdateEntry` records (the pts-carrying updates of Telegram).

    The values are stored; new kinds are appended, never renumbered.
    """

    #: ``updateNewMessage``: ``ids`` is the one new message.
    NEW_MESSAGE = 1
    #: ``updateEditMessage``: ``ids`` is the edited message.
    EDIT_MESSAGE = 2
    #: ``updateDeleteMessages``: ``ids`` are the deleted messages (``pts_count`` of them).
    DELETE_MESSAGES = 3
    #: ``updateReadHistoryInbox``: ``peer_id`` read up to ``max_id``, ``still_unread`` left.
    READ_HISTORY_INBOX = 4
    #: ``updateReadHistoryOutbox``: ``peer_id`` read our messages up to ``max_id``.
    READ_HISTORY_OUTBOX = 5
    #: ``updateReadMessagesContents`` (appended by a service through ``append_update``).
    READ_MESSAGES_CONTENTS = 6
    #: ``updatePinnedMessages`` (appended by a service through ``append_update``).
    PINNED_MESSAGES = 7
    #: ``updateWebPage`` (appended by a service through ``append_update``).
    WEB_PAGE = 8


@attrs.frozen
class NewMessage:
    """A message to store: the input of ``send_message`` and ``send_to_chat``.

    Attributes:
        sender_id: Who sends it (the box that gets the outgoing copy).
        peer_id: Who gets it, as a peer key (:mod:`tgserver.peerids`): a user (equal to
            ``sender_id`` for Saved Messages, one copy only) for ``send_message``, a basic
            group (``-chat_id``) for ``send_to_chat``.
        date: Unix time of the message.
        text: The message text (may be empty when there is media).
        entities: Serialized entity vector, opaque to the store.
        media: Serialized media, opaque to the store.
        reply_to: Id of the replied message in the sender's box; the recipient's copy gets
            the id of its own copy of that message (None if it has none).
        fwd_from: Serialized forward header, opaque to the store.
        random_id: The client's random_id: a second send with the same one returns the
            first message instead of storing another (``SendResult.duplicate``).
        reply_markup: Serialized ``ReplyMarkup`` (keyboards, inline buttons), opaque.
        action: Serialized ``MessageAction``, opaque: set for a service message
            (``messageService``: a group created, a member added, ...), None otherwise.
        grouped_id: The album (``messages.sendMultiMedia``) this message belongs to: the
            same positive id on every item and every copy, None outside an album.
    """

    sender_id: int
    peer_id: int
    date: int
    text: str
    entities: bytes | None = None
    media: bytes | None = None
    reply_to: int | None = None
    fwd_from: bytes | None = None
    random_id: int | None = None
    reply_markup: bytes | None = None
    action: bytes | None = None
    grouped_id: int | None = None


@attrs.frozen
class MessageRecord:
    """One copy of a message, in the box of ``user_id``.

    A private message between A and B is two records: A's outgoing copy (``out``, an id from
    A's counter) and B's incoming copy (an id from B's counter). Both carry the same origin
    (``origin_user_id``, ``origin_id``: the sender and the sender's id), which is how either
    copy finds the other one for edits, deletions and read receipts. A basic-group message
    is one such copy in every member's box, each filed under the group's peer key.

    Attributes:
        user_id: The box owner.
        id: The message id in this box (1, 2, 3, ... per box).
        peer_id: The dialog, as a peer key: the other side of a private chat (``user_id``
            itself in Saved Messages) or the basic group (``-chat_id``).
        from_id: The author.
        out: Whether ``user_id`` wrote it.
        date: Unix time it was sent.
        text: The text.
        entities: Opaque entity bytes, or None.
        media: Opaque media bytes, or None.
        reply_to: Id (in this box) of the message this one replies to, or None.
        fwd_from: Opaque forward header bytes, or None.
        edit_date: Unix time of the last edit, or None.
        random_id: The sender's random_id (on the sender's copy only).
        origin_user_id: The sender: whose box holds the original.
        origin_id: The id of the original in the sender's box.
        pts: The pts of this box's ``NEW_MESSAGE`` entry for this copy.
        reply_markup: Opaque ``ReplyMarkup`` bytes, or None.
        action: Opaque ``MessageAction`` bytes for a service message, or None.
        grouped_id: The album id shared by the items of one album, or None.
    """

    user_id: int
    id: int
    peer_id: int
    from_id: int
    out: bool
    date: int
    text: str
    entities: bytes | None
    media: bytes | None
    reply_to: int | None
    fwd_from: bytes | None
    edit_date: int | None
    random_id: int | None
    origin_user_id: int
    origin_id: int
    pts: int
    reply_markup: bytes | None = None
    action: bytes | None = None
    grouped_id: int | None = None


@attrs.frozen
class DialogRecord:
    """A user's dialog with ``peer_id``, as ``messages.getDialogs`` lists it.

    Attributes:
        user_id: The box owner.
        peer_id: The other side (a peer key: a user or a basic group).
        top_message: Id of the newest message in the dialog (0 when none is left).
        top_date: Date of that message (0 when none).
        read_inbox_max_id: Incoming messages up to this id are read.
        read_outbox_max_id: The peer read our messages up to this id.
        unread_count: Incoming messages above ``read_inbox_max_id``.
        pinned_order: None when not pinned; pinned dialogs list by descending order.
    """

    user_id: int
    peer_id: int
    top_message: int
    top_date: int
    read_inbox_max_id: int
    read_outbox_max_id: int
    unread_count: int
    pinned_order: int | None = None

    @property
    def pinned(self) -> bool:
        """Whether the dialog is pinned."""
        return self.pinned_order is not None


@attrs.frozen
class UpdateEntry:
    """One entry of a user's update log: a change that moved the user's pts.

    The entry covers pts ``pts - pts_count + 1`` to ``pts``. Which fields are used depends
    on ``kind`` (see :class:`UpdateKind`); unused ones keep their defaults.

    Attributes:
        pts: The box pts after this change.
        pts_count: How many pts it took (the number of deleted messages for a deletion).
        kind: What happened.
        date: Unix time of the change.
        peer_id: The dialog it concerns (0 for deletions, which may span dialogs).
        ids: Message ids in the box (new, edited or deleted messages).
        max_id: For read updates, the id read up to.
        still_unread: For ``READ_HISTORY_INBOX``, the unread count left in the dialog.
        payload: Opaque bytes of service-appended kinds.
    """

    pts: int
    pts_count: int
    kind: UpdateKind
    date: int
    peer_id: int = 0
    ids: tuple[int, ...] = ()
    max_id: int = 0
    still_unread: int = 0
    payload: bytes = b""


@attrs.frozen
class BoxUpdate:
    """An update-log entry appended to ``user_id``'s box (the other side of an operation)."""

    user_id: int
    entry: UpdateEntry


@attrs.frozen
class BoxState:
    """What ``updates.getState`` needs: the pts, the last change's date, total unread."""

    pts: int
    date: int
    unread_count: int


@attrs.frozen
class UpdateSlice:
    """Update-log entries after a pts (``updates.getDifference``).

    Attributes:
        entries: Entries with ``pts`` above the asked one, ascending, at most the limit.
        state: The box state now; ``entries[-1].pts < state.pts`` means a slice.
        too_long: The gap exceeded the threshold: ``entries`` is empty and the client must
            resynchronise (``updates.differenceTooLong``).
    """

    entries: tuple[UpdateEntry, ...]
    state: BoxState
    too_long: bool = False


@attrs.frozen
class HistoryPage:
    """A page of ``messages.getHistory``: messages newest first and the dialog's total."""

    messages: tuple[MessageRecord, ...]
    count: int


@attrs.frozen
class DialogsPage:
    """A page of ``messages.getDialogs``.

    Attributes:
        dialogs: Pinned ones first (first page only), then by top message date, newest first.
        messages: The top message of each listed dialog, in the same order.
        count: How many dialogs the user has in all.
    """

    dialogs: tuple[DialogRecord, ...]
    messages: tuple[MessageRecord, ...]
    count: int


@attrs.frozen
class SendResult:
    """The outcome of ``send_message``.

    Attributes:
        message: The sender's copy (its ``pts`` is the sender's ``NEW_MESSAGE`` entry).
        peer_message: The recipient's copy; None for Saved Messages (and for a duplicate
            whose recipient copy was deleted since).
        duplicate: The random_id was used before: nothing was stored, these are the
            copies the first send stored.
    """

    message: MessageRecord
    peer_message: MessageRecord | None
    duplicate: bool = False


@attrs.frozen
class ChatSendResult:
    """The outcome of ``send_to_chat``.

    Attributes:
        message: The sender's copy (its ``pts`` is the sender's ``NEW_MESSAGE`` entry).
        copies: The members' copies (each with its own id and pts), by ascending user id;
            a member whose copy could not be made (deleted before a late delivery) is
            missing. Empty for a duplicate.
        duplicate: The random_id was used before: nothing was stored.
    """

    message: MessageRecord
    copies: tuple[MessageRecord, ...] = ()
    duplicate: bool = False


@attrs.frozen
class CopyChange:
    """Another box's copy of a message after a change, and the entry logging it."""

    message: MessageRecord
    entry: UpdateEntry


@attrs.frozen
class EditResult:
    """The outcome of ``edit_message``: the edited copies and their ``EDIT_MESSAGE`` entries.

    Attributes:
        message: The editor's copy.
        entry: The editor's entry.
        peer_message: The other side's copy in a private chat, if it has one.
        peer_entry: Its entry.
        copies: The members' copies of a basic-group message, by ascending user id.
    """

    message: MessageRecord
    entry: UpdateEntry
    peer_message: MessageRecord | None = None
    peer_entry: UpdateEntry | None = None
    copies: tuple[CopyChange, ...] = ()


@attrs.frozen
class DeleteResult:
    """The outcome of ``delete_messages``.

    Attributes:
        pts: The caller's pts afterwards (``messages.affectedMessages``).
        entry: The caller's ``DELETE_MESSAGES`` entry; None when nothing was deleted.
        peers: Entries appended to other boxes (a deletion for everyone).
    """

    pts: int
    entry: UpdateEntry | None
    peers: tuple[BoxUpdate, ...] = ()

    @property
    def pts_count(self) -> int:
        """The caller's pts_count (0 when nothing was deleted)."""
        return 0 if self.entry is None else self.entry.pts_count


@attrs.frozen
class ReadResult:
    """The outcome of ``read_history``.

    Attributes:
        pts: The reader's pts afterwards.
        entry: The reader's ``READ_HISTORY_INBOX`` entry; None when nothing changed.
        max_id: The reader's ``read_inbox_max_id`` now.
        still_unread: Unread messages left in the dialog.
        peer: The ``READ_HISTORY_OUTBOX`` entry appended to the other side, if it moved.
        authors: In a basic group, the ``READ_HISTORY_OUTBOX`` entries appended to the
            authors of the messages read (by ascending user id).
    """

    pts: int
    entry: UpdateEntry | None
    max_id: int
    still_unread: int
    peer: BoxUpdate | None = None
    authors: tuple[BoxUpdate, ...] = ()

    @property
    def pts_count(self) -> int:
        """The reader's pts_count (0 when nothing changed)."""
        return 0 if self.entry is None else self.entry.pts_count
