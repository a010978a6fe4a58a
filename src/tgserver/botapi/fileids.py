"""Bot API file identifiers: ``file_id`` (per bot, unforgeable) and ``file_unique_id``.

A ``file_id`` names one stored file (a document, or one size of a photo) for one bot: the
media id, the size type and a MAC keyed with the server's access-hash secret over (bot,
media), so a bot can only use files it was shown. ``file_unique_id`` is the same for every
bot and cannot be used to download.
"""

from __future__ import annotations

import base64
import hmac
import struct
from typing import Final

import attrs

from tgserver.services import AccessHashes

__all__ = ["FileIds", "FileRef"]

_FILE_ID = struct.Struct("<BBqq")
_UNIQUE = struct.Struct("<qB")
_VERSION: Final = 1
_KIND: Final = b"F"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@attrs.frozen
class FileRef:
    """What a file_id names: a media record and a size type (``""``: the whole document or
    the largest photo size)."""

    media_id: int
    variant: str = ""


class FileIds:
    """Makes and checks file ids with the server secret behind ``access``."""

    def __init__(self, access: AccessHashes) -> None:
        self._access = access

    def _mac(self, bot_id: int, ref: FileRef) -> int:
        return self._access.compute(_KIND + ref.variant.encode(), bot_id, ref.media_id)

    def file_id(self, bot_id: int, ref: FileRef) -> str:
        """The file_id of ``ref`` for ``bot_id``."""
        code = ord(ref.variant) if ref.variant else 0
        return _b64(_FILE_ID.pack(_VERSION, code, ref.media_id, self._mac(bot_id, ref)))

    @staticmethod
    def unique_id(ref: FileRef) -> str:
        """The file_unique_id of ``ref`` (the same for every bot)."""
        return _b64(_UNIQUE.pack(ref.media_id, ord(ref.variant) if ref.variant else 0))

    def parse(self, bot_id: int, file_id: str) -> FileRef | None:
        """What ``file_id`` names, if it is a valid file_id of ``bot_id``; else None."""
        try:
            raw = _unb64(file_id)
            version, code, media_id, mac = _FILE_ID.unpack(raw)
        except (ValueError, struct.error):
            return None
        if version != _VERSION or code > 127:
            return None
        ref = FileRef(media_id, chr(code) if code else "")
        expected = struct.pack("<q", self._mac(bot_id, ref))
        if not hmac.compare_digest(expected, struct.pack("<q", mac)):
            return None
        return ref
