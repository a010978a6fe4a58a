"""The narrow interface every message-store backend implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Protocol

from tgserver.store.messages.records import (
    BoxState,
    ChatSendResult,
    DeleteResult,
    DialogRecord,
    DialogsPage,
    EditResult,
    HistoryPage,
    MessageRecord,
    NewMessage,
    ReadResult,
    SendResult,
    UpdateEntry,
    UpdateKind,
    UpdateSlice,
)

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "TOO_LONG_GAP", "MessageStore"]

#: The page size of history and dialogs when the caller passes a limit of 0 or less.
DEFAULT_LIMIT: Final = 20
#: The largest page of history or dialogs (Telegram's own cap).
MAX_LIMIT: Final = 100
#: A pts gap above which ``get_updates`` answers "too long" instead of entries.
TOO_LONG_GAP: Final = 10_000


class MessageStore(Protocol):
    """Private and basic-group messages, dialogs and the per-user update log (pts).

    Every user has a box: its copies of messages (ids 1, 2, 3, ... per box), its dialogs and
    its update log. Dialogs are named by peer keys (:mod:`tgserver.peerids`): a user, or a
    basic group (``-chat_id``), whose messages are copied into every member's box as in
    Telegram. The store does not know who is in a group: the operations on group messages
    take the member list from the caller. A method that changes a box appends the matching
    :class:`UpdateEntry` in the same transaction, so the pts and the data never disagree.
    Writes are durable when the call returns, on both sides of a private chat.

    Lookups of things that do not exist answer None or empty; backend failures raise
    :class:`~tgcore.errors.StorageError`; malformed arguments (a non-positive user id, an
    empty page request) raise ``ValueError``. Access control is the services' job: the
    store does what it is asked in the box it is given. The conformance suite in
    ``tests/tgserver/store/messages/`` pins the behaviour of every backend.
    """

    async def send_message(self, message: NewMessage) -> SendResult:
        """Store a private message in both boxes (one copy for Saved Messages).

        Each box gets a new id, a ``NEW_MESSAGE`` entry and its dialog updated (the
        recipient's unread count goes up). A ``random_id`` the sender used before returns
        the first send's copies with ``duplicate=True`` and changes nothing.
        """
        ...

    async def send_to_chat(self, message: NewMessage, members: Sequence[int]) -> ChatSendResult:
        """Store a basic-group message (``message.peer_id`` = ``-chat_id``) in the sender's
        box and in the box of every one of ``members`` (the sender and repeats are skipped).

        Each box gets its own id, a ``NEW_MESSAGE`` entry and its dialog with the group
        updated; ``reply_to`` maps to each member's copy of the replied message. The
        sender's copy is durable when the call returns and the others are never lost (a
        crash in between is finished when the store is opened again). A ``random_id`` the
        sender used before returns the first copy with ``duplicate=True``.
        """
        ...

    async def edit_message(
        self,
        user_id: int,
        message_id: int,
        *,
        text: str,
        entities: bytes | None,
        edit_date: int,
        reply_markup: bytes | None = None,
        members: Sequence[int] = (),
    ) -> EditResult | None:
        """Edit an outgoing message, on both sides (an ``EDIT_MESSAGE`` entry each).

        The text, entities and ``reply_markup`` are replaced (an edit without a markup
        removes the keyboard, as Telegram does); media and ``action`` are kept. For a
        basic-group message, the copies of ``members`` are edited (``EditResult.copies``).

        None when ``user_id`` has no outgoing message ``message_id``.
        """
        ...

    async def delete_messages(
        self,
        user_id: int,
        message_ids: Sequence[int],
        *,
        revoke: bool,
        date: int,
        members: Mapping[int, Sequence[int]] | None = None,
    ) -> DeleteResult:
        """Delete messages from ``user_id``'s box; with ``revoke``, the peers' copies too.

        ``members`` maps a basic group's peer key to its members: with ``revoke``, their
        copies of the group's messages go too (a group missing from it: only
        ``user_id``'s copies). Ids that do not exist are skipped. Each box that lost
        messages gets one ``DELETE_MESSAGES`` entry (``pts_count`` = how many); dialogs' top
        messages and unread counts follow.
        """
        ...

    async def read_history(
        self, user_id: int, peer_id: int, max_id: int, *, date: int
    ) -> ReadResult:
        """Mark incoming messages from ``peer_id`` read up to ``max_id``.

        ``max_id`` 0 (or above the top message) means everything. Moves the reader's
        ``read_inbox_max_id`` (``READ_HISTORY_INBOX``) and the peer's ``read_outbox_max_id``
        to the peer's id of the newest message read (``READ_HISTORY_OUTBOX`` on the peer's
        side). In a basic group (``peer_id`` = ``-chat_id``), each author of a message read
        gets its dialog with the group's ``read_outbox_max_id`` moved to its own newest
        message read (``ReadResult.authors``). Reading up to an id already read changes
        nothing.
        """
        ...

    async def append_update(
        self,
        user_id: int,
        kind: UpdateKind,
        *,
        date: int,
        pts_count: int = 1,
        peer_id: int = 0,
        ids: Sequence[int] = (),
        max_id: int = 0,
        payload: bytes = b"",
    ) -> UpdateEntry:
        """Append an entry a service built itself (kinds the store does not produce)."""
        ...

    async def pin_dialog(self, user_id: int, peer_id: int, pinned: bool) -> bool:
        """Pin (on top of the pinned ones) or unpin a dialog; False if there is no dialog."""
        ...

    async def reorder_pinned(
        self, user_id: int, peer_ids: Sequence[int], *, force: bool = False
    ) -> None:
        """Pin ``peer_ids`` in this order (first on top); with ``force``, unpin the rest.

        Peers without a dialog are skipped.
        """
        ...

    async def get_message(self, user_id: int, message_id: int) -> MessageRecord | None:
        """One message of ``user_id``'s box, or None."""
        ...

    async def get_messages(
        self, user_id: int, message_ids: Sequence[int]
    ) -> tuple[MessageRecord, ...]:
        """The messages of ``user_id``'s box with these ids, in the order asked.

        Missing ids are left out; repeated ids are returned once.
        """
        ...

    async def get_history(
        self,
        user_id: int,
        peer_id: int,
        *,
        offset_id: int = 0,
        offset_date: int = 0,
        add_offset: int = 0,
        limit: int = DEFAULT_LIMIT,
        max_id: int = 0,
        min_id: int = 0,
    ) -> HistoryPage:
        """A page of the dialog with ``peer_id``, newest first (``messages.getHistory``).

        Telegram's offsets (https://core.telegram.org/api/offsets): the dialog, newest
        first, is split at ``offset_id`` (messages with id >= it come before the split) or,
        when ``offset_id`` is 0, at ``offset_date`` (date >= it before the split); with
        neither, the split is at the start. The page starts ``add_offset`` messages after
        the split (a negative value reaches into newer messages) and holds up to ``limit``
        (0 or less: :data:`DEFAULT_LIMIT`; at most :data:`MAX_LIMIT`). Then ``max_id``
        (ids below it) and ``min_id`` (ids above it) filter the page. ``count`` is the
        number of messages in the dialog.
        """
        ...

    async def get_dialog(self, user_id: int, peer_id: int) -> DialogRecord | None:
        """The dialog with ``peer_id``, or None if the two never exchanged a message."""
        ...

    async def get_dialogs(
        self,
        user_id: int,
        *,
        offset_date: int = 0,
        offset_id: int = 0,
        offset_peer: int = 0,
        limit: int = MAX_LIMIT,
        exclude_pinned: bool = False,
    ) -> DialogsPage:
        """A page of dialogs (``messages.getDialogs``); dialogs without messages are hidden.

        Unpinned dialogs are ordered by (top message date, top message id, peer id),
        newest first. With ``offset_date``, a page holds the dialogs strictly after
        (``offset_date``, ``offset_id``, ``offset_peer``) in that order, a zero
        ``offset_id`` meaning no bound on it (what Telethon sends for its next page). With
        only ``offset_id``, the dialogs strictly after (``offset_id``, ``offset_peer``) by top
        message. Such a page never holds pinned dialogs; the first page (neither offset) has
        them on top unless ``exclude_pinned``. ``limit`` as for history.
        """
        ...

    async def get_state(self, user_id: int) -> BoxState:
        """The box's pts, the date of its last entry and its total unread count.

        A box nothing happened in has pts :data:`INITIAL_PTS` and date 0.
        """
        ...

    async def get_updates(
        self, user_id: int, pts: int, *, limit: int = MAX_LIMIT, too_long_gap: int = TOO_LONG_GAP
    ) -> UpdateSlice:
        """Entries with pts above ``pts``, ascending, at most ``limit`` of them.

        When the box's pts is more than ``too_long_gap`` ahead of ``pts`` the slice is
        empty and ``too_long`` is set.
        """
        ...

    async def get_new_messages(
        self, user_id: int, after_pts: int, *, up_to_pts: int | None = None, limit: int = 100
    ) -> tuple[MessageRecord, ...]:
        """Messages of the box created after ``after_pts`` (up to ``up_to_pts``) that still
        exist, by ascending pts, at most ``limit``: ``getDifference``'s new_messages."""
        ...

    async def aclose(self) -> None:
        """Release the backend's resources; the store is unusable afterwards."""
        ...
