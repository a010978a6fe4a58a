"""``messages.*`` on basic-group peers (``inputPeerChat``): TL <-> :class:`ChatServices`.

:class:`~tgserver.rpc.handlers.messages.MessageHandlers` routes a request here when its peer
is a basic group. Group messages are copies in the asking user's own box, so the answers
carry the user's own ids and pts, like a private chat; they are ``updates`` with the group in
``chats``.
"""

from __future__ import annotations

from tgcore.tl import TLObject, functions, types
from tgserver.peerids import chat_key
from tgserver.rpc.handlers._sending import sent_updates
from tgserver.rpc.handlers.answers import Answers
from tgserver.rpc.handlers.render import encode_objects, tl_message
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.events import Origin
from tgserver.services.messaging import MessagingServices
from tgserver.store.messages import MessageRecord

__all__ = ["GroupMessageHandlers"]


def _reply_to_id(reply_to: types.TypeInputReplyTo | None) -> int | None:
    if isinstance(reply_to, types.InputReplyToMessage):
        return reply_to.reply_to_msg_id
    return None


class GroupMessageHandlers:
    """The basic-group side of sendMessage, getHistory, readHistory, editMessage, setTyping
    and of forwarding into a group.

    Args:
        services: The messaging services (clock, message store).
        chats: The basic-group services.
        answers: Builds answers with their users and chats.
    """

    def __init__(self, services: MessagingServices, chats: ChatServices, answers: Answers) -> None:
        self._services = services
        self._chats = chats
        self._answers = answers

    def now(self) -> int:
        """Unix time now."""
        return self._services.messages.now()

    async def sent_updates(
        self, me: int, sent: list[tuple[MessageRecord, int | None]], chat_id: int
    ) -> types.Updates:
        """The answer to a send: ``updateMessageID`` (when there is a random_id) and
        ``updateNewMessage`` for each sent copy of the sender's box."""
        return await self._answers.updates(
            me,
            sent_updates(sent),
            [r for r, _ in sent],
            date=self.now(),
            peer_keys=[chat_key(chat_id)],
        )

    async def send_message(
        self,
        ctx_user: int,
        origin: Origin,
        chat_id: int,
        request: functions.messages.SendMessage,
        entities: list[types.TypeMessageEntity] | None,
    ) -> types.Updates:
        """messages.sendMessage to a basic group."""
        result = await self._chats.messaging.send(
            ctx_user,
            chat_id,
            request.message,
            entities=encode_objects(entities),
            reply_to=_reply_to_id(request.reply_to),
            random_id=request.random_id,
            reply_markup=request.reply_markup.to_bytes() if request.reply_markup else None,
            origin=origin,
        )
        return await self.sent_updates(ctx_user, [(result.message, request.random_id)], chat_id)

    async def send_copy(
        self,
        me: int,
        origin: Origin,
        chat_id: int,
        *,
        text: str,
        entities: bytes | None,
        media: bytes | None,
        fwd_from: bytes | None,
        random_id: int | None,
        reply_to: int | None = None,
    ) -> MessageRecord:
        """Post one message (a forwarded copy, a media message) to a group; the sender's copy."""
        result = await self._chats.messaging.send(
            me,
            chat_id,
            text,
            entities=entities,
            media=media,
            reply_to=reply_to,
            fwd_from=fwd_from,
            random_id=random_id,
            origin=origin,
        )
        return result.message

    async def check_can_post(self, me: int, chat_id: int) -> None:
        """Raise what posting to the group would (``CHAT_ID_INVALID``, 403
        ``CHAT_WRITE_FORBIDDEN``), before anything is stored."""
        await self._chats.chats.participant_view(me, chat_id)

    async def get_history(
        self, me: int, chat_id: int, request: functions.messages.GetHistory
    ) -> TLObject:
        """messages.getHistory of a group: the user's own copies (kept after leaving)."""
        await self._chats.chats.view(me, chat_id)
        page = await self._services.messages.history(
            me,
            chat_key(chat_id),
            offset_id=request.offset_id,
            offset_date=request.offset_date,
            add_offset=request.add_offset,
            limit=request.limit,
            max_id=request.max_id,
            min_id=request.min_id,
        )
        return await self._answers.messages(me, page.messages, page.count)

    async def read_history(
        self, me: int, origin: Origin, chat_id: int, max_id: int
    ) -> types.messages.AffectedMessages:
        """messages.readHistory of a group: the authors see their messages read."""
        result = await self._chats.messaging.read(me, chat_id, max_id, origin=origin)
        return types.messages.AffectedMessages(pts=result.pts, pts_count=result.pts_count)

    async def edit_message(
        self,
        me: int,
        origin: Origin,
        chat_id: int,
        request: functions.messages.EditMessage,
        entities: list[types.TypeMessageEntity] | None,
    ) -> types.Updates:
        """messages.editMessage in a group: every member's copy is edited."""
        current = await self._services.messages.store.get_message(me, request.id)
        text = request.message if request.message is not None else (current.text if current else "")
        if request.entities is None and request.message is None and current is not None:
            stored = current.entities
        else:
            stored = encode_objects(entities)
        markup = request.reply_markup.to_bytes() if request.reply_markup else None
        result = await self._chats.messaging.edit(
            me, chat_id, request.id, text, entities=stored, reply_markup=markup, origin=origin
        )
        edited = result.message
        update = types.UpdateEditMessage(
            message=tl_message(edited), pts=result.entry.pts, pts_count=1
        )
        return await self._answers.updates(
            me, [update], [edited], date=self.now(), peer_keys=[chat_key(chat_id)]
        )

    async def set_typing(self, me: int, chat_id: int, action: types.TypeSendMessageAction) -> None:
        """messages.setTyping in a group: relayed to the other members' sessions."""
        await self._chats.messaging.typing(me, chat_id, action.to_bytes())
