"""Messages in basic groups: sending, editing, deleting, reading and typing.

A group message is one copy per member's box (``MessageStore.send_to_chat``); edits,
deletions for everyone and read receipts reach the copies through the same store calls with
the member list. Every changed box is published as a
:class:`~tgserver.services.events.BoxEvent`, after the store committed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from tgcore.errors import RpcError
from tgserver.peerids import PeerKind, chat_key, split_key
from tgserver.services.chats import ChatService
from tgserver.services.chats_events import ChatTypingEvent
from tgserver.services.errors import bad_request
from tgserver.services.events import BoxEvent, Origin
from tgserver.services.messages import (
    MAX_DELETE,
    MAX_MESSAGE_LENGTH,
    MESSAGE_AUTHOR_REQUIRED,
    MESSAGE_EMPTY,
    MESSAGE_ID_INVALID,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TOO_LONG,
    TYPING_INTERVAL,
    utf16_length,
)
from tgserver.store.messages import (
    ChatSendResult,
    DeleteResult,
    EditResult,
    NewMessage,
    ReadResult,
)

__all__ = ["MESSAGE_DELETE_FORBIDDEN", "ChatMessaging"]

MESSAGE_DELETE_FORBIDDEN: Final = "MESSAGE_DELETE_FORBIDDEN"
_TYPING_MEMORY: Final = 10_000


class ChatMessaging:
    """Group messages for the participants of basic groups.

    Args:
        chats: The chat service (membership, rights, publishing).
    """

    def __init__(self, chats: ChatService) -> None:
        self.chats = chats
        self._store = chats.messages
        self._typing: dict[tuple[int, int], float] = {}

    async def send(
        self,
        sender_id: int,
        chat_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        media: bytes | None = None,
        reply_to: int | None = None,
        fwd_from: bytes | None = None,
        random_id: int | None = None,
        reply_markup: bytes | None = None,
        origin: Origin | None = None,
    ) -> ChatSendResult:
        """Post a message to a basic group: a copy in every member's box, each published.

        ``reply_to`` is an id in the sender's box (ignored when it is not a message of this
        group). A repeated ``random_id`` returns the first send (``duplicate``).

        Raises:
            RpcError: ``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``CHAT_ID_INVALID``,
                403 ``CHAT_WRITE_FORBIDDEN`` (not a participant).
        """
        if not text.strip() and media is None:
            raise bad_request(MESSAGE_EMPTY)
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise bad_request(MESSAGE_TOO_LONG)
        await self.chats.participant_view(sender_id, chat_id)
        key = chat_key(chat_id)
        if reply_to is not None:
            replied = await self._store.get_message(sender_id, reply_to)
            if replied is None or replied.peer_id != key:
                reply_to = None
        result = await self._store.send_to_chat(
            NewMessage(
                sender_id=sender_id,
                peer_id=key,
                date=self.chats.now(),
                text=text,
                entities=entities,
                media=media,
                reply_to=reply_to,
                fwd_from=fwd_from,
                random_id=random_id,
                reply_markup=reply_markup,
            ),
            await self.chats.member_ids(chat_id),
        )
        await self.chats.publish_send(result, origin)
        return result

    async def edit(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        reply_markup: bytes | None = None,
        origin: Origin | None = None,
    ) -> EditResult:
        """Edit an own message in a basic group; every member's copy follows.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID``, ``MESSAGE_AUTHOR_REQUIRED`` (403),
                ``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``MESSAGE_NOT_MODIFIED``,
                ``CHAT_ID_INVALID``, 403 ``CHAT_WRITE_FORBIDDEN``.
        """
        await self.chats.participant_view(user_id, chat_id)
        current = await self._store.get_message(user_id, message_id)
        if current is None or current.peer_id != chat_key(chat_id) or current.action:
            raise bad_request(MESSAGE_ID_INVALID)
        if not current.out:
            raise RpcError(403, MESSAGE_AUTHOR_REQUIRED)
        if not text.strip() and current.media is None:
            raise bad_request(MESSAGE_EMPTY)
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise bad_request(MESSAGE_TOO_LONG)
        unchanged = (text, entities, reply_markup) == (
            current.text,
            current.entities,
            current.reply_markup,
        )
        if unchanged:
            raise bad_request(MESSAGE_NOT_MODIFIED)
        result = await self._store.edit_message(
            user_id,
            message_id,
            text=text,
            entities=entities,
            edit_date=self.chats.now(),
            reply_markup=reply_markup,
            members=await self.chats.member_ids(chat_id),
        )
        if result is None:
            raise bad_request(MESSAGE_ID_INVALID)
        bus = self.chats.bus
        await bus.publish([user_id], BoxEvent(user_id, result.entry, (result.message,), origin))
        for change in result.copies:
            owner = change.message.user_id
            await bus.publish([owner], BoxEvent(owner, change.entry, (change.message,)))
        return result

    async def delete(
        self,
        user_id: int,
        message_ids: Sequence[int],
        *,
        revoke: bool,
        origin: Origin | None = None,
    ) -> DeleteResult:
        """Delete messages of ``user_id``'s box, private and group ones alike
        (``messages.deleteMessages``). With ``revoke``, the other copies go too: the peer's
        in a private chat, every member's in a group.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID`` (over :data:`MAX_DELETE` ids), 403
                ``MESSAGE_DELETE_FORBIDDEN`` (revoking someone else's group message
                without being an admin of that group).
        """
        if len(message_ids) > MAX_DELETE:
            raise bad_request(MESSAGE_ID_INVALID)
        members: dict[int, list[int]] = {}
        if revoke:
            for message in await self._store.get_messages(user_id, list(message_ids)):
                if message.peer_id >= 0:
                    continue
                kind, chat_id = split_key(message.peer_id)
                if kind is not PeerKind.CHAT:  # pragma: no cover - boxes hold no channel
                    continue
                if message.peer_id not in members:
                    members[message.peer_id] = await self.chats.member_ids(chat_id)
                if not message.out and message.action is None:
                    view = await self.chats.view(user_id, chat_id)
                    if not view.is_admin:
                        raise RpcError(403, MESSAGE_DELETE_FORBIDDEN)
        result = await self._store.delete_messages(
            user_id, list(message_ids), revoke=revoke, date=self.chats.now(), members=members
        )
        bus = self.chats.bus
        if result.entry is not None:
            await bus.publish([user_id], BoxEvent(user_id, result.entry, (), origin))
        for box in result.peers:
            await bus.publish([box.user_id], BoxEvent(box.user_id, box.entry))
        return result

    async def read(
        self, user_id: int, chat_id: int, max_id: int, *, origin: Origin | None = None
    ) -> ReadResult:
        """Mark a group read up to ``max_id`` (0: everything); the authors of the messages
        read see their outbox read (``updateReadHistoryOutbox`` with the group as peer).

        Raises:
            RpcError: ``CHAT_ID_INVALID`` (a chat the user was never in).
        """
        await self.chats.view(user_id, chat_id)
        result = await self._store.read_history(
            user_id, chat_key(chat_id), max(0, max_id), date=self.chats.now()
        )
        bus = self.chats.bus
        if result.entry is not None:
            await bus.publish([user_id], BoxEvent(user_id, result.entry, (), origin))
        for author in result.authors:
            await bus.publish([author.user_id], BoxEvent(author.user_id, author.entry))
        return result

    async def typing(self, user_id: int, chat_id: int, action: bytes) -> None:
        """Tell the other members that ``user_id`` is typing (not stored; at most once a
        second per user and group).

        Raises:
            RpcError: ``CHAT_ID_INVALID``, 403 ``CHAT_WRITE_FORBIDDEN``.
        """
        await self.chats.participant_view(user_id, chat_id)
        now = self.chats.now()
        key = (user_id, chat_id)
        last = self._typing.get(key)
        if last is not None and now - last < TYPING_INTERVAL:
            return
        if len(self._typing) >= _TYPING_MEMORY:
            self._typing.clear()
        self._typing[key] = now
        for member in await self.chats.member_ids(chat_id):
            if member != user_id:
                event = ChatTypingEvent(member, chat_id, user_id, action, now)
                await self.chats.bus.publish([member], event)
