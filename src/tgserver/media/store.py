"""The media metadata store: what the blob store holds, who owns it, and which parts arrived.

Only metadata lives here (owners, sizes, part bitmaps, wrapped keys, names, attributes);
the bytes are in the :class:`~tgserver.media.blobs.BlobStore`. Two backends pass one
conformance suite: :class:`~tgserver.media.store_memory.MemoryMediaStore` and
:class:`~tgserver.media.store_sqlite.SqliteMediaStore`.
"""

from __future__ import annotations

from typing import Protocol

from tgserver.media.records import MediaRecord, UploadRecord

__all__ = ["MediaStore"]


class MediaStore(Protocol):
    """Uploads in progress and stored media. Every write is durable when it returns."""

    async def open_upload(self, upload: UploadRecord) -> UploadRecord:
        """The upload of (``upload.owner_id``, ``upload.file_id``): the stored one if it
        exists (with its parts), else ``upload`` itself, now stored (its ``parts`` ignored)."""
        ...

    async def get_upload(self, owner_id: int, file_id: int) -> UploadRecord | None:
        """An upload in progress, with its parts, or None."""
        ...

    async def put_part(self, owner_id: int, file_id: int, part: int, size: int, now: float) -> bool:
        """Record part ``part`` (``size`` bytes) of an upload and set its ``updated`` time;
        False when the upload does not exist (any more)."""
        ...

    async def finish_upload(
        self, owner_id: int, file_id: int, media: MediaRecord | None = None
    ) -> bool:
        """Forget an upload and, in the same transaction, store ``media`` (if given).
        False (and nothing stored) when the upload did not exist."""
        ...

    async def expired_uploads(self, before: float, limit: int = 100) -> list[UploadRecord]:
        """Uploads whose last part is older than ``before`` (oldest first, with parts)."""
        ...

    async def add_media(self, media: MediaRecord) -> None:
        """Store a media record (its id must be new)."""
        ...

    async def get_media(self, media_id: int) -> MediaRecord | None:
        """A media record, or None."""
        ...

    async def aclose(self) -> None:
        """Release the store's resources."""
        ...
