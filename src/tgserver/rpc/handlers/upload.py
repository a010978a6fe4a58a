"""``upload.*``: parts in (saveFilePart / saveBigFilePart), ranges out (getFile)."""

from __future__ import annotations

from tgcore.tl import functions, pack_bool, types
from tgserver.media import MediaService, check_range, file_type
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user

__all__ = ["UploadHandlers"]


class UploadHandlers:
    """upload.saveFilePart, upload.saveBigFilePart and upload.getFile over a
    :class:`~tgserver.media.MediaService`."""

    def __init__(self, media: MediaService) -> None:
        self._media = media

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        u = functions.upload
        dispatcher.add(u.SaveFilePart, self.save_file_part)
        dispatcher.add(u.SaveBigFilePart, self.save_big_file_part)
        dispatcher.add(u.GetFile, self.get_file)

    async def save_file_part(
        self, ctx: RequestContext, request: functions.upload.SaveFilePart
    ) -> bytes:
        """upload.saveFilePart: ``boolTrue`` once the part is durable."""
        me = require_user(ctx)
        await self._media.save_part(me, request.file_id, request.file_part, request.bytes)
        return pack_bool(True)

    async def save_big_file_part(
        self, ctx: RequestContext, request: functions.upload.SaveBigFilePart
    ) -> bytes:
        """upload.saveBigFilePart: ``boolTrue`` once the part is durable."""
        me = require_user(ctx)
        await self._media.save_part(
            me,
            request.file_id,
            request.file_part,
            request.bytes,
            total=request.file_total_parts,
        )
        return pack_bool(True)

    async def get_file(
        self, ctx: RequestContext, request: functions.upload.GetFile
    ) -> types.upload.File:
        """upload.getFile: a range of a document or photo size the user was shown."""
        me = require_user(ctx)
        check_range(request.offset, request.limit, precise=request.precise)
        media, variant = await self._media.resolve_location(me, request.location)
        data = await self._media.read(media, request.offset, request.limit, variant=variant)
        return types.upload.File(type=file_type(media.mime_type), mtime=media.date, bytes=data)
