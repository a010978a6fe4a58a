"""``GET /file/bot<token>/<file_path>``: stored files streamed with Range support.

Files are read and decrypted one chunk at a time, so a 2 GB file never sits in memory.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Final

from tgserver.botapi.http import HttpRequest, HttpResponse
from tgserver.media import MediaKind, MediaRecord, MediaService

__all__ = ["CHUNK", "file_response", "parse_range"]

#: Bytes read (and decrypted) per step of a download.
CHUNK: Final = 1024 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte of a ``Range`` header; None for no/ignored range; False when it
    cannot be satisfied (416)."""
    if header is None:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: the whole file (allowed by RFC 9110)
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:
        length = int(last_text)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if first >= size or last < first:
        return False
    return first, min(last, size - 1)


async def _chunks(
    media_service: MediaService, media: MediaRecord, variant: str, first: int, end: int
) -> AsyncIterator[bytes]:
    offset = first
    while offset < end:
        data = await media_service.read(media, offset, min(CHUNK, end - offset), variant=variant)
        if not data:
            return
        offset += len(data)
        yield data


def file_response(
    request: HttpRequest, media_service: MediaService, media: MediaRecord, variant: str
) -> HttpResponse:
    """The response to a download of ``media`` (``variant``), honouring ``Range``."""
    size = media.size(variant)
    mime = "image/jpeg" if media.kind == MediaKind.PHOTO else media.mime_type
    headers = [("content-type", mime), ("accept-ranges", "bytes")]
    wanted = parse_range(request.header("range"), size)
    if wanted is False:
        return HttpResponse(416, (*headers, ("content-range", f"bytes */{size}")))
    status, first, end = 200, 0, size
    if isinstance(wanted, tuple):
        status, first, end = 206, wanted[0], wanted[1] + 1
        headers.append(("content-range", f"bytes {first}-{end - 1}/{size}"))
    if request.method == "HEAD":
        return HttpResponse(status, tuple(headers), _empty(), length=end - first)
    return HttpResponse(
        status,
        tuple(headers),
        _chunks(media_service, media, variant, first, end),
        length=end - first,
    )


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator
