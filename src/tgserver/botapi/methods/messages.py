"""sendMessage, editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage,
forwardMessage, copyMessage, sendChatAction, answerCallbackQuery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from tgcore.tl import TLObject, types
from tgserver.botapi.context import Call, guarded
from tgserver.botapi.entities import entities_from_json, entities_to_tl
from tgserver.botapi.errors import bad_request
from tgserver.botapi.formatting import parse_text
from tgserver.botapi.keyboards import markup_from_json
from tgserver.rpc.handlers.render import encode_objects
from tgserver.services.bots_callbacks import CallbackAnswer
from tgserver.services.bots_channels import channel_id_of

__all__ = ["METHODS", "formatted", "reply_markup", "reply_to"]

_ACTIONS: Final[dict[str, Callable[[], TLObject]]] = {
    "typing": types.SendMessageTypingAction,
    "upload_photo": lambda: types.SendMessageUploadPhotoAction(progress=0),
    "record_video": types.SendMessageRecordVideoAction,
    "upload_video": lambda: types.SendMessageUploadVideoAction(progress=0),
    "record_voice": types.SendMessageRecordAudioAction,
    "upload_voice": lambda: types.SendMessageUploadAudioAction(progress=0),
    "upload_document": lambda: types.SendMessageUploadDocumentAction(progress=0),
    "choose_sticker": types.SendMessageChooseStickerAction,
    "find_location": types.SendMessageGeoLocationAction,
    "record_video_note": types.SendMessageRecordRoundAction,
    "upload_video_note": lambda: types.SendMessageUploadRoundAction(progress=0),
}


def formatted(
    call: Call, text: str, *, mode_name: str = "parse_mode", entities_name: str = "entities"
) -> tuple[str, bytes | None]:
    """The plain text and stored TL entities of ``text`` (``parse_mode`` or explicit
    entities)."""
    mode = call.params.str(mode_name)
    explicit = call.params.json(entities_name, what="entities")
    if explicit is not None:
        plain, entities = text, entities_from_json(explicit)
    else:
        plain, entities = parse_text(text, mode)
    return plain, encode_objects(entities_to_tl(entities, plain))


def reply_markup(call: Call) -> bytes | None:
    """The stored TL of the ``reply_markup`` parameter (None when absent)."""
    markup = markup_from_json(call.params.json("reply_markup", what="reply keyboard markup"))
    return None if markup is None else markup.to_bytes()


async def reply_to(call: Call, chat_id: int) -> int | None:
    """The message id to reply to (``reply_parameters`` or ``reply_to_message_id``).

    Raises:
        BotApiError: ``message to be replied not found`` (unless
            ``allow_sending_without_reply``).
    """
    params = call.params
    allow = params.bool("allow_sending_without_reply")
    message_id = params.int("reply_to_message_id")
    reply = params.json("reply_parameters", what="reply parameters")
    if isinstance(reply, dict):
        if not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = reply["message_id"]
        allow = bool(reply.get("allow_sending_without_reply", allow))
    elif reply is not None:
        raise bad_request("can't parse reply parameters JSON object")
    if not message_id:
        return None
    found = await call.ctx.services.bots.message_in(call.bot_id, chat_id, message_id)
    if found is None:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return message_id


async def _message(call: Call, record: Any) -> Any:
    return await call.ctx.renderer.message(call.bot_id, record)


async def _send(call: Call, chat_id: int, text: str, **fields: Any) -> Any:
    """Send ``text`` as the calling bot (``fields``: the other arguments of
    :meth:`~tgserver.services.bots.BotService.send`); the bot's record of it."""
    return await guarded(call.ctx.services.bots.send(call.bot_id, chat_id, text, **fields))


async def send_message(call: Call) -> Any:
    """sendMessage."""
    chat_id = call.chat_id()
    raw = call.params.str("text", required=True, empty="message text is empty") or ""
    text, entities = formatted(call, raw)
    if not text.strip():
        raise bad_request("message text is empty")
    record = await _send(
        call,
        chat_id,
        text,
        entities=entities,
        reply_markup=reply_markup(call),
        reply_to=await reply_to(call, chat_id),
    )
    return await _message(call, record)


def _inline_unsupported(call: Call) -> None:
    if call.params.str("inline_message_id"):
        raise bad_request("message to edit not found")


async def _edit(call: Call, content: tuple[str, bytes | None] | None) -> Any:
    """The edit methods' shared part: edit the message named by ``chat_id`` and
    ``message_id`` to ``content`` (text and entities; None: keep them) and the
    ``reply_markup`` parameter (absent: the keyboard is removed); the edited Message."""
    _inline_unsupported(call)
    chat_id = call.chat_id()
    message_id = call.params.req_int("message_id")
    text, entities = content if content is not None else (None, None)
    record = await guarded(
        call.ctx.services.bots.edit(
            call.bot_id,
            chat_id,
            message_id,
            text=text,
            entities=entities,
            reply_markup=reply_markup(call),
        ),
        message_action="to edit",
    )
    return await _message(call, record)


async def edit_message_text(call: Call) -> Any:
    """editMessageText."""
    _inline_unsupported(call)
    raw = call.params.str("text", required=True, empty="message text is empty") or ""
    return await _edit(call, formatted(call, raw))


async def edit_message_caption(call: Call) -> Any:
    """editMessageCaption."""
    _inline_unsupported(call)
    caption = call.params.str("caption") or ""
    return await _edit(call, formatted(call, caption, entities_name="caption_entities"))


async def edit_message_reply_markup(call: Call) -> Any:
    """editMessageReplyMarkup (no reply_markup: the keyboard is removed)."""
    return await _edit(call, None)


async def delete_message(call: Call) -> Any:
    """deleteMessage (for both sides)."""
    chat_id = call.chat_id()
    message_id = call.params.req_int("message_id")
    await guarded(
        call.ctx.services.bots.delete(call.bot_id, chat_id, message_id),
        message_action="to delete",
    )
    return True


async def _source(call: Call, action: str) -> Any:
    from_chat = call.chat_id("from_chat_id")
    message_id = call.params.req_int("message_id")
    found = await call.ctx.services.bots.message_in(call.bot_id, from_chat, message_id)
    if found is None:
        raise bad_request(f"message to {action} not found")
    return found


async def _forward_header(call: Call, source: Any) -> bytes:
    """The forward header naming where ``source`` comes from: its author, or for a post of a
    broadcast channel the channel and the post (the admin who posted stays hidden)."""
    channel_id = channel_id_of(source.peer_id)
    channels = call.ctx.services.bots.channels
    if channel_id is not None and channels is not None:
        channel = await channels.store.get_channel(channel_id)
        if channel is not None and not channel.megagroup:
            return types.MessageFwdHeader(
                from_id=types.PeerChannel(channel_id=channel_id),
                channel_post=source.id,
                date=source.date,
            ).to_bytes()
    return types.MessageFwdHeader(
        from_id=types.PeerUser(user_id=source.from_id), date=source.date
    ).to_bytes()


async def forward_message(call: Call) -> Any:
    """forwardMessage: a copy with a forward header naming the original author."""
    chat_id = call.chat_id()
    source = await _source(call, "forward")
    header = source.fwd_from or await _forward_header(call, source)
    record = await _send(
        call, chat_id, source.text, entities=source.entities, media=source.media, fwd_from=header
    )
    return await _message(call, record)


async def copy_message(call: Call) -> Any:
    """copyMessage: a copy without a forward header (caption replaceable); its MessageId."""
    chat_id = call.chat_id()
    source = await _source(call, "copy")
    text, entities = source.text, source.entities
    caption = call.params.str("caption")
    if caption is not None:
        text, entities = formatted(call, caption, entities_name="caption_entities")
    markup = reply_markup(call)
    record = await _send(
        call,
        chat_id,
        text,
        entities=entities,
        media=source.media,
        reply_markup=markup if markup is not None else source.reply_markup,
        reply_to=await reply_to(call, chat_id),
    )
    return {"message_id": record.id}


async def send_chat_action(call: Call) -> Any:
    """sendChatAction."""
    chat_id = call.chat_id()
    action = call.params.str("action", required=True) or ""
    make = _ACTIONS.get(action)
    if make is None:
        raise bad_request("wrong parameter action in request")
    await guarded(call.ctx.services.bots.typing(call.bot_id, chat_id, make().to_bytes()))
    return True


async def answer_callback_query(call: Call) -> Any:
    """answerCallbackQuery."""
    params = call.params
    query_id = params.str("callback_query_id", required=True) or ""
    answer = CallbackAnswer(
        text=params.str("text"),
        show_alert=params.bool("show_alert"),
        url=params.str("url"),
        cache_time=params.int("cache_time", default=0) or 0,
    )
    await guarded(_answer(call, query_id, answer))
    return True


async def _answer(call: Call, query_id: str, answer: CallbackAnswer) -> None:
    call.ctx.services.callbacks.answer(call.bot_id, query_id, answer)


METHODS: Final = {
    "sendmessage": send_message,
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "forwardmessage": forward_message,
    "copymessage": copy_message,
    "sendchataction": send_chat_action,
    "answercallbackquery": answer_callback_query,
}
