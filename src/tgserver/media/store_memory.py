"""The in-memory twin of the SQLite media store (tests, throwaway servers)."""

from __future__ import annotations

from typing import cast

import attrs

from tgcore.errors import StorageError
from tgserver.media.records import MediaRecord, UploadRecord

__all__ = ["MemoryMediaStore"]


class MemoryMediaStore:
    """:class:`~tgserver.media.store.MediaStore` in dictionaries; gone with the process."""

    def __init__(self) -> None:
        self._uploads: dict[tuple[int, int], UploadRecord] = {}
        self._media: dict[int, MediaRecord] = {}

    async def open_upload(self, upload: UploadRecord) -> UploadRecord:
        """See :meth:`MediaStore.open_upload`."""
        key = (upload.owner_id, upload.file_id)
        found = self._uploads.get(key)
        if found is None:
            found = self._uploads[key] = attrs.evolve(upload, parts={})
        return attrs.evolve(found, parts=dict(found.parts))

    async def get_upload(self, owner_id: int, file_id: int) -> UploadRecord | None:
        """See :meth:`MediaStore.get_upload`."""
        found = self._uploads.get((owner_id, file_id))
        return attrs.evolve(found, parts=dict(found.parts)) if found is not None else None

    async def put_part(self, owner_id: int, file_id: int, part: int, size: int, now: float) -> bool:
        """See :meth:`MediaStore.put_part`."""
        key = (owner_id, file_id)
        found = self._uploads.get(key)
        if found is None:
            return False
        # The stored record's parts dict is private (copies go out): updated in place, so a
        # part costs O(1), not a copy of all the parts before it.
        parts = cast(dict[int, int], found.parts)
        parts[part] = size
        self._uploads[key] = attrs.evolve(found, updated=now, parts=parts)
        return True

    async def finish_upload(
        self, owner_id: int, file_id: int, media: MediaRecord | None = None
    ) -> bool:
        """See :meth:`MediaStore.finish_upload`."""
        key = (owner_id, file_id)
        if key not in self._uploads:
            return False
        if media is not None:
            await self.add_media(media)
        del self._uploads[key]
        return True

    async def expired_uploads(self, before: float, limit: int = 100) -> list[UploadRecord]:
        """See :meth:`MediaStore.expired_uploads`."""
        old = sorted(
            (u for u in self._uploads.values() if u.updated < before),
            key=lambda u: (u.updated, u.owner_id, u.file_id),
        )
        return [attrs.evolve(u, parts=dict(u.parts)) for u in old[:limit]]

    async def add_media(self, media: MediaRecord) -> None:
        """See :meth:`MediaStore.add_media`."""
        if media.id in self._media:
            raise StorageError(f"media {media.id} already exists")
        self._media[media.id] = media

    async def get_media(self, media_id: int) -> MediaRecord | None:
        """See :meth:`MediaStore.get_media`."""
        return self._media.get(media_id)

    async def aclose(self) -> None:
        """Nothing to release."""
