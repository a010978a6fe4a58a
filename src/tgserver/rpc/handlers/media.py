"""``messages.sendMedia`` and ``messages.uploadMedia``: uploads become documents and photos."""

from __future__ import annotations

from typing import Final

from tgcore.tl import functions, types
from tgserver.media import MediaRecord, MediaService, media_error
from tgserver.media.errors import MEDIA_CAPTION_TOO_LONG, MEDIA_EMPTY, MULTI_MEDIA_TOO_LONG
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers._sending import new_grouped_id, sent_updates, stored_entities
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.messages import RANDOM_ID_INVALID, origin_of
from tgserver.rpc.handlers.peers import input_peer_user_id
from tgserver.rpc.handlers.render import encode_objects, referenced_users, users_for
from tgserver.services.messaging import MessagingServices
from tgserver.store.messages import MessageRecord

__all__ = ["MAX_ALBUM_SIZE", "MAX_CAPTION_LENGTH", "MediaHandlers"]

#: The longest media caption, in UTF-16 code units.
MAX_CAPTION_LENGTH: Final = 1024
#: The most media one album (sendMultiMedia) carries.
MAX_ALBUM_SIZE: Final = 10


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _reply_to(reply_to: types.TypeInputReplyTo | None) -> int | None:
    if isinstance(reply_to, types.InputReplyToMessage):
        return reply_to.reply_to_msg_id
    return None


class MediaHandlers:
    """messages.sendMedia and messages.uploadMedia over the media and messaging services."""

    def __init__(self, messaging: MessagingServices, media: MediaService) -> None:
        self._messaging = messaging
        self._users = messaging.accounts.users
        self._media = media

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        dispatcher.add(functions.messages.SendMedia, self.send_media)
        dispatcher.add(functions.messages.UploadMedia, self.upload_media)
        dispatcher.add(functions.messages.SendMultiMedia, self.send_multi_media)

    async def media_of(self, me: int, media: types.TypeInputMedia) -> MediaRecord:
        """The stored document or photo an InputMedia names or uploads.

        Raises:
            RpcError: ``MEDIA_EMPTY`` (a kind not supported), the upload errors of
                :class:`~tgserver.media.MediaService`, ``MEDIA_INVALID``.
        """
        if isinstance(media, types.InputMediaUploadedDocument):
            return await self._media.document_from_upload(
                me,
                media.file,
                mime_type=media.mime_type,
                attributes=media.attributes,
                thumb=media.thumb,
            )
        if isinstance(media, types.InputMediaUploadedPhoto):
            return await self._media.photo_from_upload(me, media.file)
        if isinstance(media, types.InputMediaDocument):
            return await self._media.resolve_document(me, media.id)
        if isinstance(media, types.InputMediaPhoto):
            return await self._media.resolve_photo(me, media.id)
        raise media_error(MEDIA_EMPTY)

    async def _entities(
        self, me: int, entities: list[types.TypeMessageEntity] | None
    ) -> list[types.TypeMessageEntity] | None:
        """The entities as stored (see :func:`~tgserver.rpc.handlers._sending.stored_entities`)."""
        return await stored_entities(self._users, me, entities)

    async def send_media(
        self, ctx: RequestContext, request: functions.messages.SendMedia
    ) -> types.Updates:
        """messages.sendMedia: the media stored, then a message carrying it; answers
        ``updates`` with ``updateMessageID`` and ``updateNewMessage``."""
        me = require_user(ctx)
        if _utf16_length(request.message) > MAX_CAPTION_LENGTH:
            raise media_error(MEDIA_CAPTION_TOO_LONG)
        # The peer first: an invalid one must not consume the upload.
        peer = await input_peer_user_id(self._users, me, request.peer)
        record = await self.media_of(me, request.media)
        entities = await self._entities(me, request.entities)
        reply_to = _reply_to(request.reply_to)
        messages = self._messaging.messages
        result = await messages.send(
            me,
            peer,
            request.message,
            entities=encode_objects(entities),
            media=self._media.message_media(record),
            reply_to=reply_to,
            random_id=request.random_id,
            origin=origin_of(ctx),
        )
        return await self._answer(me, [(result.message, request.random_id)])

    async def send_multi_media(
        self, ctx: RequestContext, request: functions.messages.SendMultiMedia
    ) -> types.Updates:
        """messages.sendMultiMedia (an album) to a user: every media is stored first (one bad
        item sends nothing), then one message each, in order, all with one new ``grouped_id``
        (which is what makes clients show them as one album)."""
        me = require_user(ctx)
        items = [m for m in request.multi_media if isinstance(m, types.InputSingleMedia)]
        if len(items) != len(request.multi_media) or not items:
            raise media_error(MEDIA_EMPTY)
        if len(items) > MAX_ALBUM_SIZE:
            raise media_error(MULTI_MEDIA_TOO_LONG)
        if len({item.random_id for item in items}) != len(items):
            raise media_error(RANDOM_ID_INVALID)
        for item in items:
            if _utf16_length(item.message) > MAX_CAPTION_LENGTH:
                raise media_error(MEDIA_CAPTION_TOO_LONG)
        peer = await input_peer_user_id(self._users, me, request.peer)
        records = [await self.media_of(me, item.media) for item in items]
        messages = self._messaging.messages
        sent: list[tuple[MessageRecord, int]] = []
        grouped_id = new_grouped_id()
        for item, record in zip(items, records, strict=True):
            result = await messages.send(
                me,
                peer,
                item.message,
                entities=encode_objects(await self._entities(me, item.entities)),
                media=self._media.message_media(record),
                reply_to=_reply_to(request.reply_to),
                random_id=item.random_id,
                origin=origin_of(ctx),
                grouped_id=grouped_id,
            )
            sent.append((result.message, item.random_id))
        return await self._answer(me, sent)

    async def _answer(self, me: int, sent: list[tuple[MessageRecord, int]]) -> types.Updates:
        """``updates`` answering a send of private messages: ``updateMessageID`` and
        ``updateNewMessage`` of each, with the users they mention."""
        return types.Updates(
            updates=sent_updates(sent),
            users=await users_for(self._users, me, referenced_users([r for r, _ in sent])),
            chats=[],
            date=self._messaging.messages.now(),
            seq=0,
        )

    async def upload_media(
        self, ctx: RequestContext, request: functions.messages.UploadMedia
    ) -> types.TypeMessageMedia:
        """messages.uploadMedia: the media stored without a message (to send later with
        inputMediaDocument / inputMediaPhoto)."""
        me = require_user(ctx)
        if isinstance(request.peer, types.InputPeerUser):
            # Other peers (chats, channels) are checked where they are implemented; the
            # media itself does not depend on the peer.
            await input_peer_user_id(self._users, me, request.peer)
        record = await self.media_of(me, request.media)
        return self._media.tl_message_media(record, me)
