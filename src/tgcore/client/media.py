"""Sending files as messages and finding the file behind a message's media.

:func:`send_file` uploads a file (:func:`~tgcore.client.upload_file`) and sends it with
``messages.sendMedia``: as a document (``inputMediaUploadedDocument`` with its file name and a
MIME type guessed from it) or, when asked, as a photo (``inputMediaUploadedPhoto``).
:func:`media_location` turns a received message, its media, a document or a photo into the
``InputFileLocation`` and size :func:`~tgcore.client.download_file` takes.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tgcore.client.files import (
    DEFAULT_PARTS_IN_FLIGHT,
    Progress,
    TransferError,
    file_resume_key,
    upload_file,
)
from tgcore.errors import RpcError
from tgcore.tl import TLObject, functions, types

if TYPE_CHECKING:
    from tgcore.client.client import Client

__all__ = ["media_location", "send_file", "sent_message"]

_PART_MISSING = re.compile(r"FILE_PART_\d+_MISSING")


def sent_message(updates: TLObject, random_id: int | None = None) -> types.Message:
    """The message a ``messages.sendMedia`` / ``sendMessage`` answer announces.

    Args:
        updates: The answer (``updates`` with ``updateNewMessage``).
        random_id: The request's random_id, to pick the message by its ``updateMessageID``
            when the answer holds several.

    Raises:
        TransferError: the answer announces no message.
    """
    wanted: int | None = None
    found: list[types.Message] = []
    if isinstance(updates, types.Updates | types.UpdatesCombined):
        for update in updates.updates:
            if isinstance(update, types.UpdateMessageID) and update.random_id == random_id:
                wanted = update.id
            elif isinstance(
                update, types.UpdateNewMessage | types.UpdateNewChannelMessage
            ) and isinstance(update.message, types.Message):
                found.append(update.message)
    for message in found:
        if wanted is None or message.id == wanted:
            return message
    raise TransferError(f"the server's answer announces no sent message: {updates!r}"[:300])


def _random_id(rng: Callable[[int], bytes]) -> int:
    return int.from_bytes(rng(8), "little", signed=True) or 1


async def send_file(
    client: Client,
    peer: types.TypeInputPeer,
    path: str | os.PathLike[str],
    *,
    caption: str = "",
    photo: bool = False,
    mime_type: str | None = None,
    name: str | None = None,
    parts_in_flight: int = DEFAULT_PARTS_IN_FLIGHT,
    progress: Progress | None = None,
    resume: bool = True,
    rng: Callable[[int], bytes] = os.urandom,
) -> types.Message:
    """Upload the file at ``path`` and send it to ``peer``; returns the sent message.

    Args:
        client: A connected, logged-in client.
        peer: Who gets it (e.g. ``inputPeerUser`` with its access hash, ``inputPeerSelf``).
        path: The file.
        caption: The message text under the file.
        photo: Send it as a photo (``inputMediaUploadedPhoto``; the server makes the sizes)
            rather than as a document.
        mime_type: The document's MIME type (default: guessed from the name, else
            ``application/octet-stream``).
        name: The file name shown (default: the path's name).
        parts_in_flight: Parts uploaded at once.
        progress: Upload progress, (bytes acknowledged, total bytes).
        resume: Resume an earlier, interrupted upload of the same file (same path, size and
            mtime) from the parts the server acknowledged then. Should the server answer
            ``FILE_PART_N_MISSING`` (it lost parts it had acknowledged), the file is uploaded
            again from scratch, once.
        rng: Random bytes (file id, random_id).

    Raises:
        tgcore.errors.RpcError: the server refused the upload or the message.
    """
    name = name or Path(path).name
    guessed, _ = mimetypes.guess_type(name)
    random_id = _random_id(rng)
    for attempt in range(2):
        uploaded = await upload_file(
            client,
            path,
            name=name,
            parts_in_flight=parts_in_flight,
            progress=progress,
            resume_key=file_resume_key(path) if resume and not attempt else None,
            rng=rng,
        )
        media: types.InputMediaUploadedPhoto | types.InputMediaUploadedDocument
        if photo:
            media = types.InputMediaUploadedPhoto(file=uploaded)
        else:
            media = types.InputMediaUploadedDocument(
                file=uploaded,
                mime_type=mime_type or guessed or "application/octet-stream",
                attributes=[types.DocumentAttributeFilename(file_name=name)],
            )
        request = functions.messages.SendMedia(
            peer=peer, media=media, message=caption, random_id=random_id
        )
        try:
            updates = await client(request)
        except RpcError as exc:
            # The server no longer has parts it once acknowledged (they expired, or its
            # storage was reset while this upload was resumed): upload it all again, once.
            if attempt or not _PART_MISSING.fullmatch(exc.name):
                raise
            continue
        return sent_message(updates, random_id)
    raise AssertionError("unreachable")  # pragma: no cover


def _largest_photo_size(photo: types.Photo) -> tuple[str, int]:
    best: tuple[int, str, int] | None = None
    for size in photo.sizes:
        if isinstance(size, types.PhotoSize):
            candidate = (size.w * size.h, size.type, size.size)
        elif isinstance(size, types.PhotoSizeProgressive) and size.sizes:
            candidate = (size.w * size.h, size.type, max(size.sizes))
        else:
            continue
        if best is None or candidate[0] > best[0]:
            best = candidate
    if best is None:
        raise TransferError("the photo has no downloadable size")
    return best[1], best[2]


def media_location(obj: Any) -> tuple[types.TypeInputFileLocation, int]:
    """The location and size of the file in a message, its media, a document or a photo.

    A photo is read at its largest size.

    Raises:
        TransferError: ``obj`` carries no downloadable file.
    """
    if isinstance(obj, types.Message):
        obj = obj.media
    if isinstance(obj, types.MessageMediaDocument):
        obj = obj.document
    elif isinstance(obj, types.MessageMediaPhoto):
        obj = obj.photo
    if isinstance(obj, types.Document):
        location = types.InputDocumentFileLocation(
            id=obj.id, access_hash=obj.access_hash, file_reference=obj.file_reference, thumb_size=""
        )
        return location, obj.size
    if isinstance(obj, types.Photo):
        thumb, size = _largest_photo_size(obj)
        photo_location = types.InputPhotoFileLocation(
            id=obj.id,
            access_hash=obj.access_hash,
            file_reference=obj.file_reference,
            thumb_size=thumb,
        )
        return photo_location, size
    raise TransferError(f"{type(obj).__name__} carries no downloadable file")
