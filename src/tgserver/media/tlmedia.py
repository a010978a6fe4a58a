"""Media as TL, per viewer: documents, photos, their message media and their access checks.

A message's media is stored (in ``MessageRecord.media``) in a viewer-independent form: the
``messageMediaDocument`` / ``messageMediaPhoto`` the sender's client would see, but with
``access_hash = 0`` and the media's private ``secret`` in ``file_reference``. Those bytes never
leave the server as they are: :func:`render_media` derives, for each viewer, its own
``access_hash`` and ``file_reference`` (HMAC-SHA256 of the secret over the viewer's id). A
location is then valid only for the user it was rendered for, nothing is stored per viewer,
and forwarding a message (which copies the stored bytes) shows the file to the new viewer.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable
from typing import Final

from tgcore.tl import Reader, TLObject, types
from tgserver.media.errors import FILE_REFERENCE_EXPIRED, media_error
from tgserver.media.records import MediaKind, MediaRecord

__all__ = [
    "access_hash_for",
    "check_access",
    "decode_attributes",
    "file_reference_for",
    "file_type",
    "media_id_of",
    "render_media",
    "stored_media",
    "tl_document",
    "tl_photo",
]

_VIEWER = struct.Struct("<q")
_SIGNED = struct.Struct("<q")
#: Bytes of a rendered file_reference.
_REFERENCE_SIZE: Final = 16

_FILE_TYPES: Final[dict[str, Callable[[], types.storage.TypeFileType]]] = {
    "image/jpeg": types.storage.FileJpeg,
    "image/gif": types.storage.FileGif,
    "image/png": types.storage.FilePng,
    "image/webp": types.storage.FileWebp,
    "application/pdf": types.storage.FilePdf,
    "audio/mpeg": types.storage.FileMp3,
    "audio/mp3": types.storage.FileMp3,
    "video/quicktime": types.storage.FileMov,
    "video/mp4": types.storage.FileMp4,
}


def _mac(secret: bytes, label: bytes, viewer_id: int) -> bytes:
    return hmac.new(secret, label + _VIEWER.pack(viewer_id), hashlib.sha256).digest()


def access_hash_for(secret: bytes, viewer_id: int) -> int:
    """The ``access_hash`` of the media with ``secret`` as ``viewer_id`` sees it."""
    value: int = _SIGNED.unpack_from(_mac(secret, b"access", viewer_id))[0]
    return value


def file_reference_for(secret: bytes, viewer_id: int) -> bytes:
    """The ``file_reference`` of the media with ``secret`` as ``viewer_id`` sees it."""
    return _mac(secret, b"reference", viewer_id)[:_REFERENCE_SIZE]


def check_access(
    media: MediaRecord,
    viewer_id: int,
    access_hash: int,
    file_reference: bytes,
    *,
    invalid: str,
) -> None:
    """That ``viewer_id`` was shown ``media`` (its access_hash and file_reference match).

    Raises:
        RpcError: ``invalid`` for a wrong access_hash, ``FILE_REFERENCE_EXPIRED`` for a right
            access_hash with a wrong file_reference.
    """
    try:
        given = _SIGNED.pack(access_hash)
    except struct.error:
        raise media_error(invalid) from None
    if not hmac.compare_digest(given, _SIGNED.pack(access_hash_for(media.secret, viewer_id))):
        raise media_error(invalid)
    if not hmac.compare_digest(file_reference, file_reference_for(media.secret, viewer_id)):
        raise media_error(FILE_REFERENCE_EXPIRED)


def file_type(mime_type: str) -> types.storage.TypeFileType:
    """The ``storage.FileType`` of a MIME type (``storage.fileUnknown`` for the rest)."""
    return _FILE_TYPES.get(mime_type.lower(), types.storage.FileUnknown)()


def decode_attributes(data: bytes) -> list[types.TypeDocumentAttribute]:
    """A stored ``Vector<DocumentAttribute>``."""
    if not data:
        return []
    return Reader(data).read_vector(Reader.read_object)  # type: ignore[arg-type]


def _photo(media: MediaRecord, access_hash: int, reference: bytes, dc_id: int) -> types.Photo:
    return types.Photo(
        id=media.id,
        access_hash=access_hash,
        file_reference=reference,
        date=media.date,
        sizes=[
            types.PhotoSize(type=f.variant, w=f.width, h=f.height, size=f.size) for f in media.files
        ],
        dc_id=dc_id,
    )


def _document(media: MediaRecord, access_hash: int, reference: bytes, dc_id: int) -> types.Document:
    return types.Document(
        id=media.id,
        access_hash=access_hash,
        file_reference=reference,
        date=media.date,
        mime_type=media.mime_type,
        size=media.size(),
        thumbs=[
            types.PhotoSize(type=f.variant, w=f.width, h=f.height, size=f.size)
            for f in media.files
            if f.variant
        ]
        or None,
        dc_id=dc_id,
        attributes=decode_attributes(media.attributes),
    )


def tl_photo(media: MediaRecord, viewer_id: int, dc_id: int) -> types.Photo:
    """The ``photo`` of a photo record, as ``viewer_id`` sees it."""
    return _photo(
        media,
        access_hash_for(media.secret, viewer_id),
        file_reference_for(media.secret, viewer_id),
        dc_id,
    )


def tl_document(media: MediaRecord, viewer_id: int, dc_id: int) -> types.Document:
    """The ``document`` of a document record, as ``viewer_id`` sees it."""
    return _document(
        media,
        access_hash_for(media.secret, viewer_id),
        file_reference_for(media.secret, viewer_id),
        dc_id,
    )


def _document_media(document: types.Document) -> types.MessageMediaDocument:
    video = voice = round_ = False
    for attribute in document.attributes:
        if isinstance(attribute, types.DocumentAttributeVideo):
            video, round_ = True, attribute.round_message
        elif isinstance(attribute, types.DocumentAttributeAudio):
            voice = attribute.voice
    return types.MessageMediaDocument(document=document, video=video, round=round_, voice=voice)


def stored_media(media: MediaRecord, dc_id: int) -> bytes:
    """The viewer-independent bytes of ``media`` for ``MessageRecord.media``."""
    if media.kind == MediaKind.PHOTO:
        return types.MessageMediaPhoto(photo=_photo(media, 0, media.secret, dc_id)).to_bytes()
    return _document_media(_document(media, 0, media.secret, dc_id)).to_bytes()


def _stored(data: bytes) -> TLObject | None:
    try:
        return Reader(data).read_object()
    except Exception:
        return None


def media_id_of(stored: bytes | None) -> int | None:
    """The document / photo id inside stored message media (None when there is none)."""
    value = _stored(stored) if stored else None
    if isinstance(value, types.MessageMediaDocument) and isinstance(value.document, types.Document):
        return value.document.id
    if isinstance(value, types.MessageMediaPhoto) and isinstance(value.photo, types.Photo):
        return value.photo.id
    return None


def render_media(stored: bytes | None, viewer_id: int) -> types.TypeMessageMedia | None:
    """Stored message media as ``viewer_id`` sees it (None for none).

    Documents and photos get the viewer's own ``access_hash`` and ``file_reference``; any
    other stored ``MessageMedia`` is returned as it is.
    """
    if not stored:
        return None
    value = _stored(stored)
    if isinstance(value, types.MessageMediaDocument) and isinstance(value.document, types.Document):
        secret = value.document.file_reference
        value.document.access_hash = access_hash_for(secret, viewer_id)
        value.document.file_reference = file_reference_for(secret, viewer_id)
        return value
    if isinstance(value, types.MessageMediaPhoto) and isinstance(value.photo, types.Photo):
        secret = value.photo.file_reference
        value.photo.access_hash = access_hash_for(secret, viewer_id)
        value.photo.file_reference = file_reference_for(secret, viewer_id)
        return value
    if value is None:
        return types.MessageMediaUnsupported()
    return value  # type: ignore[return-value]
