"""Private chats: sending, editing, deleting, reading, forwarding, typing, history, dialogs.

Every change goes to the :class:`~tgserver.store.messages.MessageStore` first (committed on
both sides), and only then is published on the bus as :class:`~tgserver.services.events`
values, one per changed box. Content the store keeps opaque (entities, forward headers) is
TL bytes built by the MTProto layer; this service never looks inside.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Final

from tgcore.errors import RpcError
from tgserver.bus import EventBus
from tgserver.services.errors import PEER_ID_INVALID, bad_request
from tgserver.services.events import (
    BoxEvent,
    DialogPinEvent,
    Origin,
    PinnedDialogsEvent,
    TypingEvent,
)
from tgserver.store.accounts import ContactStore, UserStore
from tgserver.store.messages import (
    DeleteResult,
    DialogRecord,
    DialogsPage,
    EditResult,
    HistoryPage,
    MessageRecord,
    MessageStore,
    NewMessage,
    ReadResult,
    SendResult,
    UpdateEntry,
    UpdateKind,
)

__all__ = [
    "MAX_DELETE",
    "MAX_MESSAGE_LENGTH",
    "MESSAGE_AUTHOR_REQUIRED",
    "MESSAGE_EMPTY",
    "MESSAGE_ID_INVALID",
    "MESSAGE_NOT_MODIFIED",
    "MESSAGE_TOO_LONG",
    "PEER_HISTORY_EMPTY",
    "PINNED_DIALOGS_LIMIT",
    "PINNED_DIALOGS_TOO_MUCH",
    "TYPING_INTERVAL",
    "USER_IS_BLOCKED",
    "YOU_BLOCKED_USER",
    "MessagingService",
    "new_message_entry",
    "utf16_length",
]

#: The longest text, in UTF-16 code units (Telegram's limit).
MAX_MESSAGE_LENGTH: Final = 4096
#: Message ids one deleteMessages / getMessages / forwardMessages takes.
MAX_DELETE: Final = 100
#: Seconds between two typing notifications relayed for one (sender, peer).
TYPING_INTERVAL: Final = 1.0

MESSAGE_EMPTY: Final = "MESSAGE_EMPTY"
MESSAGE_TOO_LONG: Final = "MESSAGE_TOO_LONG"
MESSAGE_ID_INVALID: Final = "MESSAGE_ID_INVALID"
MESSAGE_NOT_MODIFIED: Final = "MESSAGE_NOT_MODIFIED"
MESSAGE_AUTHOR_REQUIRED: Final = "MESSAGE_AUTHOR_REQUIRED"
YOU_BLOCKED_USER: Final = "YOU_BLOCKED_USER"
PINNED_DIALOGS_TOO_MUCH: Final = "PINNED_DIALOGS_TOO_MUCH"
PEER_HISTORY_EMPTY: Final = "PEER_HISTORY_EMPTY"

#: Dialogs one user may pin in the main folder (Telegram's limit for a non-premium account).
PINNED_DIALOGS_LIMIT: Final = 5
USER_IS_BLOCKED: Final = "USER_IS_BLOCKED"

_TYPING_MEMORY: Final = 10_000


def utf16_length(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (how Telegram counts)."""
    return len(text.encode("utf-16-le")) // 2


def new_message_entry(message: MessageRecord) -> UpdateEntry:
    """The ``NEW_MESSAGE`` log entry of a stored copy."""
    return UpdateEntry(
        pts=message.pts,
        pts_count=1,
        kind=UpdateKind.NEW_MESSAGE,
        date=message.date,
        peer_id=message.peer_id,
        ids=(message.id,),
    )


class MessagingService:
    """Private-chat messaging over a message store, publishing to an event bus.

    Args:
        store: Messages, dialogs and pts.
        users: Accounts (does the peer exist).
        contacts: Block lists.
        bus: Where changes are published after they are stored.
        clock: Unix time.
    """

    def __init__(
        self,
        store: MessageStore,
        users: UserStore,
        contacts: ContactStore,
        bus: EventBus,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._users = users
        self._contacts = contacts
        self.bus = bus
        self._clock = clock
        self._typing: dict[tuple[int, int], float] = {}

    def now(self) -> int:
        """Unix time now, in whole seconds."""
        return int(self._clock())

    # -- writes ----------------------------------------------------------------------------------

    async def send(
        self,
        sender_id: int,
        peer_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        media: bytes | None = None,
        reply_to: int | None = None,
        fwd_from: bytes | None = None,
        random_id: int | None = None,
        origin: Origin | None = None,
        grouped_id: int | None = None,
    ) -> SendResult:
        """Store a message from ``sender_id`` to ``peer_id`` (itself: Saved Messages) and
        publish it to both boxes; a repeated ``random_id`` returns the first send.
        ``grouped_id``: the album the message belongs to (the same on every item).

        Raises:
            RpcError: ``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``PEER_ID_INVALID``,
                ``YOU_BLOCKED_USER`` (the sender blocked the peer), ``USER_IS_BLOCKED``
                (the peer blocked the sender).
        """
        if not text.strip() and media is None:
            raise bad_request(MESSAGE_EMPTY)
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise bad_request(MESSAGE_TOO_LONG)
        await self._check_can_write(sender_id, peer_id)
        if reply_to is not None and await self.store.get_message(sender_id, reply_to) is None:
            reply_to = None
        result = await self.store.send_message(
            NewMessage(
                sender_id=sender_id,
                peer_id=peer_id,
                date=self.now(),
                text=text,
                entities=entities,
                media=media,
                reply_to=reply_to,
                fwd_from=fwd_from,
                random_id=random_id,
                grouped_id=grouped_id,
            )
        )
        if not result.duplicate:
            mine = result.message
            await self.bus.publish(
                [sender_id], BoxEvent(sender_id, new_message_entry(mine), (mine,), origin)
            )
            theirs = result.peer_message
            if theirs is not None:
                await self.bus.publish(
                    [peer_id], BoxEvent(peer_id, new_message_entry(theirs), (theirs,))
                )
        return result

    async def _check_can_write(self, sender_id: int, peer_id: int) -> None:
        if peer_id == sender_id:
            return
        if await self._users.get_user(peer_id) is None:
            raise bad_request(PEER_ID_INVALID)
        if await self._contacts.blocked_among(sender_id, [peer_id]):
            raise bad_request(YOU_BLOCKED_USER)
        if await self._contacts.blocked_among(peer_id, [sender_id]):
            raise bad_request(USER_IS_BLOCKED)

    async def edit(
        self,
        user_id: int,
        peer_id: int,
        message_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        origin: Origin | None = None,
    ) -> EditResult:
        """Edit an outgoing message in the dialog with ``peer_id``, on both sides.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID``, ``MESSAGE_AUTHOR_REQUIRED``,
                ``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``MESSAGE_NOT_MODIFIED``.
        """
        current = await self.store.get_message(user_id, message_id)
        if current is None or current.peer_id != peer_id:
            raise bad_request(MESSAGE_ID_INVALID)
        if not current.out:
            raise RpcError(403, MESSAGE_AUTHOR_REQUIRED)
        if not text.strip() and current.media is None:
            raise bad_request(MESSAGE_EMPTY)
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise bad_request(MESSAGE_TOO_LONG)
        if text == current.text and entities == current.entities:
            raise bad_request(MESSAGE_NOT_MODIFIED)
        result = await self.store.edit_message(
            user_id, message_id, text=text, entities=entities, edit_date=self.now()
        )
        if result is None:
            raise bad_request(MESSAGE_ID_INVALID)
        await self.bus.publish(
            [user_id], BoxEvent(user_id, result.entry, (result.message,), origin)
        )
        if result.peer_message is not None and result.peer_entry is not None:
            peer = result.peer_message.user_id
            await self.bus.publish(
                [peer], BoxEvent(peer, result.peer_entry, (result.peer_message,))
            )
        return result

    async def delete(
        self,
        user_id: int,
        message_ids: Sequence[int],
        *,
        revoke: bool,
        origin: Origin | None = None,
    ) -> DeleteResult:
        """Delete messages for ``user_id`` (with ``revoke``, for the peers too)."""
        if len(message_ids) > MAX_DELETE:
            raise bad_request(MESSAGE_ID_INVALID)
        result = await self.store.delete_messages(
            user_id, list(message_ids), revoke=revoke, date=self.now()
        )
        if result.entry is not None:
            await self.bus.publish([user_id], BoxEvent(user_id, result.entry, (), origin))
        for box in result.peers:
            await self.bus.publish([box.user_id], BoxEvent(box.user_id, box.entry))
        return result

    async def read_history(
        self, user_id: int, peer_id: int, max_id: int, *, origin: Origin | None = None
    ) -> ReadResult:
        """Mark the dialog with ``peer_id`` read up to ``max_id`` (0: everything)."""
        result = await self.store.read_history(user_id, peer_id, max(0, max_id), date=self.now())
        if result.entry is not None:
            await self.bus.publish([user_id], BoxEvent(user_id, result.entry, (), origin))
        if result.peer is not None:
            peer = result.peer
            await self.bus.publish([peer.user_id], BoxEvent(peer.user_id, peer.entry))
        return result

    async def typing(self, user_id: int, peer_id: int, action: bytes) -> None:
        """Tell ``peer_id`` that ``user_id`` is typing (not stored; at most one a second)."""
        if peer_id == user_id:
            return
        now = self._clock()
        key = (user_id, peer_id)
        last = self._typing.get(key)
        if last is not None and now - last < TYPING_INTERVAL:
            return
        if len(self._typing) >= _TYPING_MEMORY:
            self._typing.clear()
        self._typing[key] = now
        if await self._contacts.blocked_among(peer_id, [user_id]):
            return
        await self.bus.publish([peer_id], TypingEvent(peer_id, user_id, action, int(now)))

    async def toggle_pin(
        self, user_id: int, peer_id: int, pinned: bool, *, origin: Origin | None = None
    ) -> bool:
        """Pin (on top of the pinned ones) or unpin the dialog with ``peer_id``.

        The user's other sessions are told (``DialogPinEvent``) when something changed.
        Returns whether something changed.

        Raises:
            RpcError: ``PEER_HISTORY_EMPTY`` (no such dialog), ``PINNED_DIALOGS_TOO_MUCH``
                (already :data:`PINNED_DIALOGS_LIMIT` pinned).
        """
        dialog = await self.store.get_dialog(user_id, peer_id)
        if dialog is None:
            raise bad_request(PEER_HISTORY_EMPTY)
        if dialog.pinned == pinned:
            return False
        if pinned and len(await self._pinned(user_id)) >= PINNED_DIALOGS_LIMIT:
            raise bad_request(PINNED_DIALOGS_TOO_MUCH)
        if not await self.store.pin_dialog(user_id, peer_id, pinned):
            raise bad_request(PEER_HISTORY_EMPTY)
        await self.bus.publish(
            [user_id], DialogPinEvent(user_id, peer_id, pinned, self.now(), origin)
        )
        return True

    async def reorder_pinned(
        self,
        user_id: int,
        peer_ids: Sequence[int],
        *,
        force: bool = False,
        origin: Origin | None = None,
    ) -> tuple[int, ...]:
        """Pin ``peer_ids`` in this order on top (``force``: unpin the others too), as
        ``messages.reorderPinnedDialogs``; peers without a dialog are skipped.

        The user's other sessions get the new order (``PinnedDialogsEvent``). Returns it.

        Raises:
            RpcError: ``PINNED_DIALOGS_TOO_MUCH`` (more than :data:`PINNED_DIALOGS_LIMIT`
                would be pinned).
        """
        wanted: list[int] = []
        for peer_id in dict.fromkeys(peer_ids):
            if await self.store.get_dialog(user_id, peer_id) is not None:
                wanted.append(peer_id)
        current = [d.peer_id for d, _ in await self._pinned(user_id)]
        after = set(wanted) if force else set(wanted) | set(current)
        if len(after) > PINNED_DIALOGS_LIMIT:
            raise bad_request(PINNED_DIALOGS_TOO_MUCH)
        await self.store.reorder_pinned(user_id, wanted, force=force)
        order = tuple(d.peer_id for d, _ in await self._pinned(user_id))
        if order != tuple(current):
            await self.bus.publish(
                [user_id], PinnedDialogsEvent(user_id, order, self.now(), origin)
            )
        return order

    # -- reads -----------------------------------------------------------------------------------

    async def get_messages(self, user_id: int, ids: Sequence[int]) -> tuple[MessageRecord, ...]:
        """The messages of ``user_id``'s box with these ids (missing ones left out)."""
        if len(ids) > MAX_DELETE:
            raise bad_request("LIMIT_INVALID")
        return await self.store.get_messages(user_id, list(ids))

    async def history(
        self,
        user_id: int,
        peer_id: int,
        *,
        offset_id: int = 0,
        offset_date: int = 0,
        add_offset: int = 0,
        limit: int = 20,
        max_id: int = 0,
        min_id: int = 0,
    ) -> HistoryPage:
        """A page of the dialog with ``peer_id`` (Telegram's offsets)."""
        return await self.store.get_history(
            user_id,
            peer_id,
            offset_id=max(0, offset_id),
            offset_date=max(0, offset_date),
            add_offset=add_offset,
            limit=limit,
            max_id=max(0, max_id),
            min_id=max(0, min_id),
        )

    async def dialogs(
        self,
        user_id: int,
        *,
        offset_date: int = 0,
        offset_id: int = 0,
        offset_peer: int = 0,
        limit: int = 100,
        exclude_pinned: bool = False,
    ) -> DialogsPage:
        """A page of dialogs (pinned ones first on the first page)."""
        return await self.store.get_dialogs(
            user_id,
            offset_date=max(0, offset_date),
            offset_id=max(0, offset_id),
            offset_peer=offset_peer,
            limit=limit,
            exclude_pinned=exclude_pinned,
        )

    async def _pinned(self, user_id: int) -> list[tuple[DialogRecord, MessageRecord | None]]:
        # The first page of dialogs starts with every pinned one (the limit keeps them few).
        page = await self.store.get_dialogs(user_id)
        tops = {m.id: m for m in page.messages}
        return [(d, tops.get(d.top_message)) for d in page.dialogs if d.pinned]

    async def pinned_dialogs(self, user_id: int) -> list[tuple[DialogRecord, MessageRecord | None]]:
        """The pinned dialogs (the top one first) with their top messages."""
        return await self._pinned(user_id)

    async def peer_dialogs(
        self, user_id: int, peer_ids: Sequence[int]
    ) -> list[tuple[DialogRecord, MessageRecord | None]]:
        """The dialogs with these peers that exist, with their top messages."""
        found: list[tuple[DialogRecord, MessageRecord | None]] = []
        for peer_id in dict.fromkeys(peer_ids):
            dialog = await self.store.get_dialog(user_id, peer_id)
            if dialog is None:
                continue
            top = (
                await self.store.get_message(user_id, dialog.top_message)
                if dialog.top_message
                else None
            )
            found.append((dialog, top))
        return found
