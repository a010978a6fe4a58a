"""The values the media metadata store keeps: uploads in progress, stored files, media."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

__all__ = ["MediaKind", "MediaRecord", "StoredFile", "UploadRecord"]


@attrs.frozen
class UploadRecord:
    """A file a user is uploading part by part (``upload.saveFilePart``).

    Attributes:
        owner_id: The uploading user (file ids are the client's, scoped per user).
        file_id: The client's random file id.
        blob_id: Where its parts are stored in the blob store.
        wrapped_key: The file key, wrapped by the master key.
        big: Whether the parts come from ``saveBigFilePart``.
        total: The part count a big upload announced (None for a small one).
        created: Unix time of the first part.
        updated: Unix time of the latest part (the TTL counts from here).
        parts: Part number -> size in bytes, of the parts stored so far.
    """

    owner_id: int
    file_id: int
    blob_id: str
    wrapped_key: bytes = attrs.field(repr=False)
    big: bool
    total: int | None
    created: float
    updated: float
    parts: Mapping[int, int] = attrs.field(factory=dict, hash=False)

    @property
    def size(self) -> int:
        """The bytes stored so far."""
        return sum(self.parts.values())


@attrs.frozen
class StoredFile:
    """One encrypted byte stream in the blob store (a document, or one size of a photo).

    Attributes:
        variant: ``""`` for a document; the size type (``"s"``, ``"m"``, ``"x"`` ...) of a photo.
        blob_id: Where its parts are.
        wrapped_key: Its file key, wrapped by the master key.
        size: Its length in bytes.
        part_size: The length of every part but the last.
        parts: How many parts it has.
        width: Pixel width (photo sizes), else 0.
        height: Pixel height (photo sizes), else 0.
    """

    variant: str
    blob_id: str
    wrapped_key: bytes = attrs.field(repr=False)
    size: int
    part_size: int
    parts: int
    width: int = 0
    height: int = 0


class MediaKind(enum.StrEnum):
    """What a media record is."""

    DOCUMENT = "document"
    PHOTO = "photo"


@attrs.frozen
class MediaRecord:
    """A stored document or photo.

    Attributes:
        id: The document / photo id (random 63-bit).
        kind: Document or photo.
        owner_id: The user (or bot) who stored it.
        date: Unix time it was stored.
        mime_type: The MIME type (``image/jpeg`` for photos).
        name: The file name ("" when none).
        attributes: The TL ``Vector<DocumentAttribute>`` of a document (opaque bytes).
        md5: Hex md5 of the content (documents; "" when not known).
        secret: 32 random bytes from which every viewer's access_hash and file_reference
            are derived; never sent to clients.
        files: The stored content: for a document, the file itself (variant ``""``) then its
            thumbnails; for a photo, one file per size, smallest first.
    """

    id: int
    kind: MediaKind
    owner_id: int
    date: int
    mime_type: str
    name: str
    attributes: bytes
    md5: str
    secret: bytes = attrs.field(repr=False)
    files: tuple[StoredFile, ...]

    def file(self, variant: str = "") -> StoredFile | None:
        """The stored file of ``variant`` (``""``: the document itself, or the largest photo
        size; a size type: that photo size or document thumbnail)."""
        for stored in self.files:
            if stored.variant == variant:
                return stored
        if not variant and self.files:
            return self.files[-1]
        return None

    def size(self, variant: str = "") -> int:
        """The byte length of ``variant`` (0 when there is no such variant)."""
        stored = self.file(variant)
        return stored.size if stored is not None else 0
