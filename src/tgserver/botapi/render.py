"""Bot API JSON of users, chats, messages (with media) and updates.

Renders records of the bot's own box (message ids are the bot's) and, for supergroups and
broadcast channels, views of the channel's one copy (:func:`~tgserver.services.bots_channels.
channel_view`: the channel's ids, chat id ``-100...``). A message that cannot be rendered
yields None, never an exception that would fail a whole getUpdates batch.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from tgcore.tl import types
from tgserver.botapi.entities import command_entities, entities_to_json
from tgserver.botapi.fileids import FileIds, FileRef
from tgserver.botapi.keyboards import markup_to_json
from tgserver.botapi.members import member_json
from tgserver.media import MediaKind, MediaRecord, MediaService, media_id_of
from tgserver.peerids import PeerKind, channel_key, split_key
from tgserver.rpc.handlers.render import decode_object, decode_objects
from tgserver.services.bots_callbacks import CallbackQuery
from tgserver.services.bots_channels import channel_id_of, channel_view
from tgserver.services.bots_updates import kind_name
from tgserver.store.accounts import UserRecord, UserStore
from tgserver.store.bots import BotUpdateKind, QueuedUpdate
from tgserver.store.channels import ChannelRecord, ChannelStore
from tgserver.store.chats import ChatRecord, ChatStore
from tgserver.store.messages import MessageRecord, MessageStore

__all__ = ["Renderer", "channel_json", "chat_json", "group_json", "user_json"]

log = logging.getLogger(__name__)

Json = dict[str, Any]

_MESSAGE_KINDS = frozenset(
    {
        BotUpdateKind.MESSAGE,
        BotUpdateKind.EDITED_MESSAGE,
        BotUpdateKind.CHANNEL_POST,
        BotUpdateKind.EDITED_CHANNEL_POST,
    }
)


def user_json(user: UserRecord) -> Json:
    """A Bot API ``User``."""
    value: Json = {"id": user.id, "is_bot": user.bot, "first_name": user.first_name}
    if user.last_name:
        value["last_name"] = user.last_name
    if user.username:
        value["username"] = user.username
    return value


def group_json(chat: ChatRecord) -> Json:
    """The Bot API ``Chat`` of a basic group."""
    return {"id": -chat.id, "type": "group", "title": chat.title}


def channel_json(channel: ChannelRecord) -> Json:
    """The Bot API ``Chat`` of a supergroup (``supergroup``) or broadcast channel
    (``channel``)."""
    value: Json = {
        "id": channel_key(channel.id),
        "type": "supergroup" if channel.megagroup else "channel",
        "title": channel.title,
    }
    if channel.username:
        value["username"] = channel.username
    return value


def _action_users(action: object) -> list[int]:
    if isinstance(action, types.MessageActionChatCreate | types.MessageActionChatAddUser):
        return list(action.users)
    if isinstance(action, types.MessageActionChatDeleteUser):
        return [action.user_id]
    return []


def _action_json(action: object, users: dict[int, UserRecord], value: Json) -> None:
    """The fields of a service message (``group_chat_created``, ``new_chat_members`` ...)."""
    if isinstance(action, types.MessageActionChatCreate):
        value["group_chat_created"] = True
    elif isinstance(action, types.MessageActionChatAddUser):
        value["new_chat_members"] = [user_json(users[i]) for i in action.users if i in users]
    elif isinstance(action, types.MessageActionChatDeleteUser):
        if action.user_id in users:
            value["left_chat_member"] = user_json(users[action.user_id])
    elif isinstance(action, types.MessageActionChatEditTitle):
        value["new_chat_title"] = action.title
    elif isinstance(action, types.MessageActionChatMigrateTo):
        value["migrate_to_chat_id"] = channel_key(action.channel_id)
    elif isinstance(action, types.MessageActionChannelCreate):
        value["supergroup_chat_created"] = True
    elif isinstance(action, types.MessageActionChannelMigrateFrom):
        value["migrate_from_chat_id"] = -action.chat_id


def chat_json(user: UserRecord) -> Json:
    """The Bot API ``Chat`` of a private chat with ``user``."""
    value: Json = {"id": user.id, "type": "private", "first_name": user.first_name}
    if user.last_name:
        value["last_name"] = user.last_name
    if user.username:
        value["username"] = user.username
    return value


class Renderer:
    """Renders one bot's records as Bot API JSON.

    Args:
        users: The account store (authors, chats, mentions).
        media: The media service (None: media messages show their caption only).
        file_ids: Makes the bot's file ids.
        messages: Reads replied-to messages of the bot's box.
        chats: Basic groups (None: group messages cannot be shown).
        channels: Supergroups and channels (None: their messages cannot be shown).
    """

    def __init__(
        self,
        users: UserStore,
        media: MediaService | None,
        file_ids: FileIds,
        messages: MessageStore,
        chats: ChatStore | None = None,
        channels: ChannelStore | None = None,
    ) -> None:
        self._chats = chats
        self._channels = channels
        self._users = users
        self._media = media
        self._file_ids = file_ids
        self._messages = messages

    async def _user_map(self, ids: Iterable[int]) -> dict[int, UserRecord]:
        return await self._users.get_users(list(dict.fromkeys(ids)))

    async def message(self, bot_id: int, record: MessageRecord, *, nested: bool = True) -> Json:
        """The Bot API ``Message`` of a message of the bot's box.

        Raises:
            LookupError: the chat or author no longer exists.
        """
        entities = decode_objects(record.entities)
        fwd = decode_object(record.fwd_from)
        mention_ids = [e.user_id for e in entities if isinstance(e, types.MessageEntityMentionName)]
        fwd_user = (
            fwd.from_id.user_id
            if isinstance(fwd, types.MessageFwdHeader) and isinstance(fwd.from_id, types.PeerUser)
            else None
        )
        action = decode_object(record.action)
        users = await self._user_map(
            [
                record.peer_id,
                record.from_id,
                *mention_ids,
                *([fwd_user] if fwd_user else []),
                *_action_users(action),
            ]
        )
        author = users.get(record.from_id)
        if author is None:
            raise LookupError("the author of the message is gone")
        chat = await self._chat(record.peer_id, users)
        value: Json = {"message_id": record.id, "from": user_json(author)}
        if chat["type"] == "channel":
            # A broadcast post is the channel's, not its admin's.
            del value["from"]
            value["sender_chat"] = chat
        value.update(chat=chat, date=record.date)
        if action is not None:
            _action_json(action, users, value)
            return value
        if record.edit_date:
            value["edit_date"] = record.edit_date
        if isinstance(fwd, types.MessageFwdHeader):
            origin: Json
            source = await self._forwarded_channel(fwd)
            if source is not None:
                origin = {
                    "type": "channel",
                    "chat": source,
                    "message_id": fwd.channel_post or 0,
                    "date": fwd.date,
                }
                value["forward_from_chat"] = source
                value["forward_from_message_id"] = fwd.channel_post or 0
            elif fwd_user is not None and fwd_user in users:
                origin = {
                    "type": "user",
                    "sender_user": user_json(users[fwd_user]),
                    "date": fwd.date,
                }
                value["forward_from"] = user_json(users[fwd_user])
            else:
                origin = {
                    "type": "hidden_user",
                    "sender_user_name": fwd.from_name or "",
                    "date": fwd.date,
                }
                value["forward_sender_name"] = fwd.from_name or ""
            value["forward_origin"] = origin
            value["forward_date"] = fwd.date
        if nested and record.reply_to is not None:
            replied = await self.lookup(bot_id, record.peer_id, record.reply_to)
            if replied is not None:
                with contextlib.suppress(LookupError):
                    value["reply_to_message"] = await self.message(bot_id, replied, nested=False)

        def mention(user_id: int) -> Json | None:
            user = users.get(user_id)
            return user_json(user) if user is not None else None

        entity_json = entities_to_json(entities, mention)
        has_media = await self._media_json(bot_id, record, value)
        if has_media:
            if record.text:
                value["caption"] = record.text
            if entity_json:
                value["caption_entities"] = entity_json
        else:
            value["text"] = record.text
            if not record.out:
                entity_json = command_entities(record.text, entity_json)
            if entity_json:
                value["entities"] = entity_json
        markup = markup_to_json(decode_object(record.reply_markup))
        if markup is not None:
            value["reply_markup"] = markup
        return value

    async def _chat(self, peer_id: int, users: dict[int, UserRecord]) -> Json:
        if peer_id > 0:
            user = users.get(peer_id)
            if user is None:
                raise LookupError("the chat's user is gone")
            return chat_json(user)
        kind, raw_id = split_key(peer_id)
        if kind is PeerKind.CHANNEL:
            channel = await self._channels.get_channel(raw_id) if self._channels else None
            if channel is None:
                raise LookupError("the channel is gone")
            return channel_json(channel)
        chat = await self._chats.get_chat(raw_id) if self._chats and kind is PeerKind.CHAT else None
        if chat is None:
            raise LookupError("the chat is gone")
        return group_json(chat)

    async def _forwarded_channel(self, fwd: types.MessageFwdHeader) -> Json | None:
        """The ``Chat`` of the broadcast channel a forward comes from (None: not one)."""
        if not isinstance(fwd.from_id, types.PeerChannel) or self._channels is None:
            return None
        channel = await self._channels.get_channel(fwd.from_id.channel_id)
        return channel_json(channel) if channel is not None else None

    async def lookup(self, bot_id: int, chat_id: int, message_id: int) -> MessageRecord | None:
        """A message as the bot sees it: of a channel (``chat_id`` ``-100...``: the channel's
        ids), else of the bot's box; None when it is gone."""
        channel_id = channel_id_of(chat_id)
        if channel_id is None:
            return await self._messages.get_message(bot_id, message_id)
        if self._channels is None:
            return None
        found = await self._channels.get_messages(channel_id, [message_id])
        return channel_view(bot_id, found[0]) if found else None

    async def _media_json(self, bot_id: int, record: MessageRecord, value: Json) -> bool:
        if record.media is None:
            return False
        media_id = media_id_of(record.media)
        media = await self._media.get(media_id) if self._media and media_id is not None else None
        if media is None:
            return True
        if media.kind == MediaKind.PHOTO:
            value["photo"] = [
                {
                    **self.file_json(bot_id, FileRef(media.id, f.variant), f.size),
                    "width": f.width,
                    "height": f.height,
                }
                for f in media.files
            ]
            return True
        key, body = self.document_json(bot_id, media)
        value[key] = body
        return True

    def file_json(self, bot_id: int, ref: FileRef, size: int) -> Json:
        """``file_id``, ``file_unique_id`` and ``file_size`` of a stored file."""
        return {
            "file_id": self._file_ids.file_id(bot_id, ref),
            "file_unique_id": FileIds.unique_id(ref),
            "file_size": size,
        }

    def document_json(self, bot_id: int, media: MediaRecord) -> tuple[str, Json]:
        """(``document`` | ``video`` | ``audio`` | ``voice``, its JSON) of a document."""
        body = self.file_json(bot_id, FileRef(media.id), media.size())
        if media.name:
            body["file_name"] = media.name
        body["mime_type"] = media.mime_type
        key = "document"
        for attribute in decode_objects(media.attributes) if media.attributes else []:
            if isinstance(attribute, types.DocumentAttributeVideo):
                key = "video"
                body.update(width=attribute.w, height=attribute.h, duration=int(attribute.duration))
            elif isinstance(attribute, types.DocumentAttributeAudio):
                key = "voice" if attribute.voice else "audio"
                body["duration"] = attribute.duration
                if attribute.title and not attribute.voice:
                    body["title"] = attribute.title
                if attribute.performer and not attribute.voice:
                    body["performer"] = attribute.performer
        return key, body

    async def update(self, bot_id: int, queued: QueuedUpdate) -> Json | None:
        """The Bot API ``Update`` of a queued update; None (logged) when it cannot be shown
        (its message was deleted, its user is gone, its payload is damaged)."""
        try:
            return await self._update(bot_id, queued)
        except Exception:
            log.warning(
                "update %d of bot %d cannot be rendered; skipped",
                queued.update_id,
                bot_id,
                exc_info=True,
            )
            return None

    async def _update(self, bot_id: int, queued: QueuedUpdate) -> Json | None:
        if queued.kind in _MESSAGE_KINDS:
            record = await self.lookup(bot_id, queued.chat_id, queued.message_id)
            if record is None:
                return None
            message = await self.message(bot_id, record)
            return {"update_id": queued.update_id, kind_name(queued.kind): message}
        if queued.kind == BotUpdateKind.CALLBACK_QUERY:
            query = CallbackQuery.from_payload(queued.payload)
            users = await self._user_map([query.from_id])
            if query.from_id not in users:
                return None
            value: Json = {
                "id": query.id,
                "from": user_json(users[query.from_id]),
                "chat_instance": query.chat_instance,
                "data": query.data.decode("utf-8", "replace"),
            }
            record = await self.lookup(bot_id, query.chat_id, query.message_id)
            if record is not None:
                value["message"] = await self.message(bot_id, record, nested=False)
            return {"update_id": queued.update_id, "callback_query": value}
        if queued.kind == BotUpdateKind.MY_CHAT_MEMBER:
            return {
                "update_id": queued.update_id,
                "my_chat_member": await self._member_update(bot_id, queued),
            }
        return None

    async def _member_update(self, bot_id: int, queued: QueuedUpdate) -> Json:
        """A ``ChatMemberUpdated`` of the bot's membership in a channel."""
        body = json.loads(queued.payload)
        users = await self._user_map([bot_id, int(body["from_id"])])
        bot = users[bot_id]
        actor = users.get(int(body["from_id"]), bot)
        chat = await self._chat(queued.chat_id, users)
        return {
            "chat": chat,
            "from": user_json(actor),
            "date": queued.date,
            "old_chat_member": member_json(user_json(bot), str(body["old"])),
            "new_chat_member": member_json(
                user_json(bot),
                str(body["new"]),
                admin_rights=int(body.get("admin_rights", 0)),
                until_date=int(body.get("until_date", 0)),
                broadcast=chat["type"] == "channel",
            ),
        }
