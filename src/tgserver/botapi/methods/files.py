"""sendPhoto, sendDocument, sendVideo, sendAudio, sendVoice and getFile.

Files come as multipart parts (directly or through ``attach://``) or as file_ids the bot was
given; HTTP URLs are not fetched by this server (it runs offline).
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any, Final

from tgcore.tl import TLObject, types
from tgserver.botapi.context import Call, guarded
from tgserver.botapi.errors import BotApiError, bad_request
from tgserver.botapi.fileids import FileIds
from tgserver.botapi.methods.messages import formatted, reply_markup, reply_to
from tgserver.botapi.params import UploadedFile
from tgserver.media import MediaKind, MediaRecord, MediaService

__all__ = ["METHODS", "MAX_PHOTO_UPLOAD", "file_path_of", "parse_file_path"]

#: The largest photo a bot may upload (Telegram's Bot API limit).
MAX_PHOTO_UPLOAD: Final = 10 * 1024 * 1024
_EXT = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def _media(call: Call) -> MediaService:
    if call.ctx.media is None:
        raise BotApiError(501, "Not Implemented: this server stores no files")
    return call.ctx.media


async def _by_file_id(call: Call, value: str) -> MediaRecord:
    ref = call.ctx.file_ids.parse(call.bot_id, value)
    media = await _media(call).get(ref.media_id) if ref is not None else None
    if media is None:
        if value.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(
            "invalid file_id"
            if ref is None
            else "wrong file_id or the file is temporarily unavailable"
        )
    return media


async def _send_media(
    call: Call, field: str, *, photo: bool, attributes: list[TLObject] | None = None
) -> Any:
    chat_id = call.chat_id()
    value = call.params.file(field)
    if value is None:
        raise bad_request(f"there is no {field} in the request")
    services = call.ctx.services
    # Fail before storing anything when the bot may not write there.
    await guarded(services.bots.check_can_write(call.bot_id, chat_id))
    media_service = _media(call)
    if isinstance(value, UploadedFile):
        if photo:
            if len(value.data) > MAX_PHOTO_UPLOAD:
                raise bad_request("file is too big")
            media = await guarded(media_service.store_photo(call.bot_id, value.data))
        else:
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
            media = await guarded(
                media_service.store_document(
                    call.bot_id,
                    value.data,
                    name=value.filename,
                    mime_type=mime,
                    attributes=attributes or (),  # type: ignore[arg-type]
                )
            )
    else:
        media = await _by_file_id(call, value)
        if photo != (media.kind == MediaKind.PHOTO):
            raise bad_request(
                f"wrong file identifier/HTTP URL specified: can't use file of type "
                f"{'Photo' if media.kind == MediaKind.PHOTO else 'Document'} as "
                f"{'Photo' if photo else 'Document'}"
            )
    caption, entities = formatted(
        call, call.params.str("caption") or "", entities_name="caption_entities"
    )
    record = await guarded(
        services.bots.send(
            call.bot_id,
            chat_id,
            caption,
            entities=entities,
            media=media_service.message_media(media),
            reply_markup=reply_markup(call),
            reply_to=await reply_to(call, chat_id),
        )
    )
    return await call.ctx.renderer.message(call.bot_id, record)


async def send_photo(call: Call) -> Any:
    """sendPhoto."""
    return await _send_media(call, "photo", photo=True)


async def send_document(call: Call) -> Any:
    """sendDocument."""
    return await _send_media(call, "document", photo=False)


async def send_video(call: Call) -> Any:
    """sendVideo."""
    params = call.params
    attribute = types.DocumentAttributeVideo(
        duration=float(params.int("duration", default=0) or 0),
        w=params.int("width", default=0) or 0,
        h=params.int("height", default=0) or 0,
        supports_streaming=params.bool("supports_streaming"),
    )
    return await _send_media(call, "video", photo=False, attributes=[attribute])


async def send_audio(call: Call) -> Any:
    """sendAudio."""
    params = call.params
    attribute = types.DocumentAttributeAudio(
        duration=params.int("duration", default=0) or 0,
        title=params.str("title"),
        performer=params.str("performer"),
    )
    return await _send_media(call, "audio", photo=False, attributes=[attribute])


async def send_voice(call: Call) -> Any:
    """sendVoice."""
    attribute = types.DocumentAttributeAudio(
        voice=True, duration=call.params.int("duration", default=0) or 0
    )
    return await _send_media(call, "voice", photo=False, attributes=[attribute])


def file_path_of(file_id: str, media: MediaRecord) -> str:
    """The ``file_path`` getFile answers (what ``/file/bot<token>/<file_path>`` serves)."""
    if media.kind == MediaKind.PHOTO:
        return f"photos/{file_id}.jpg"
    match = _EXT.search(media.name)
    return f"documents/{file_id}{match.group() if match else ''}"


def parse_file_path(path: str) -> str | None:
    """The file_id inside a ``file_path`` (None when it is not one of ours)."""
    folder, _, rest = path.partition("/")
    if folder not in ("photos", "documents") or not rest or "/" in rest:
        return None
    return _EXT.sub("", rest) or None


async def get_file(call: Call) -> Any:
    """getFile: a File with the file_path to download it from."""
    file_id = call.params.str("file_id", required=True) or ""
    ref = call.ctx.file_ids.parse(call.bot_id, file_id)
    media = await _media(call).get(ref.media_id) if ref is not None else None
    if ref is None or media is None or media.file(ref.variant) is None:
        raise bad_request(
            "invalid file_id"
            if ref is None
            else "wrong file_id or the file is temporarily unavailable"
        )
    return {
        "file_id": file_id,
        "file_unique_id": FileIds.unique_id(ref),
        "file_size": media.size(ref.variant),
        "file_path": file_path_of(file_id, media),
    }


METHODS: Final = {
    "sendphoto": send_photo,
    "senddocument": send_document,
    "sendvideo": send_video,
    "sendaudio": send_audio,
    "sendvoice": send_voice,
    "getfile": get_file,
}
