"""The media service: uploads part by part, stored documents and photos, ranged reads.

Transport-free: the MTProto handlers (``upload.*``, ``messages.sendMedia``) and the Bot API
call the same methods. An acknowledged part is durable: its encrypted blob is written (and
flushed) and its metadata committed before :meth:`MediaService.save_part` returns, so after a
dropped connection or a restart the client sends only the parts it never got an answer for.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import trio

from tgcore.errors import TgError
from tgcore.tl import pack_object_vector, types
from tgserver.media.blobs import BlobStore
from tgserver.media.crypto import MasterKey
from tgserver.media.errors import (
    FILE_PARTS_INVALID,
    IMAGE_PROCESS_FAILED,
    LOCATION_INVALID,
    MD5_CHECKSUM_INVALID,
    MEDIA_INVALID,
    file_part_missing,
    media_error,
)
from tgserver.media.files import EncryptedFiles
from tgserver.media.gate import UploadGate
from tgserver.media.ledger import LedgerCache, PartLedger
from tgserver.media.photos import make_variants
from tgserver.media.records import MediaKind, MediaRecord, StoredFile, UploadRecord
from tgserver.media.rules import check_complete, check_part
from tgserver.media.store import MediaStore
from tgserver.media.tlmedia import (
    check_access,
    render_media,
    stored_media,
    tl_document,
    tl_photo,
)

__all__ = [
    "DEFAULT_MIME_TYPE",
    "IMAGE_THREADS",
    "MAX_PHOTO_SIZE",
    "THUMB_BOXES",
    "MediaService",
    "clean_attributes",
    "sweep_interval",
]

log = logging.getLogger(__name__)

#: The MIME type of a document that names none.
DEFAULT_MIME_TYPE: Final = "application/octet-stream"
#: The largest photo upload (Telegram's 10 MB).
MAX_PHOTO_SIZE: Final = 10 * 1024 * 1024
#: Document attributes kept from clients (the others name sticker sets this server lacks).
_KEPT_ATTRIBUTES: Final = (
    types.DocumentAttributeFilename,
    types.DocumentAttributeVideo,
    types.DocumentAttributeAudio,
    types.DocumentAttributeImageSize,
    types.DocumentAttributeAnimated,
)
#: Photos decoded and resized at the same time.
IMAGE_THREADS: Final = 2
#: The box of a document thumbnail.
THUMB_BOXES: Final = (("m", 320),)


def _new_id() -> int:
    return secrets.randbits(63) or 1


def clean_attributes(
    attributes: Sequence[types.TypeDocumentAttribute], name: str
) -> tuple[list[types.TypeDocumentAttribute], str]:
    """The attributes a document keeps and its file name (the filename attribute, else
    ``name``, which is then added as one)."""
    kept: list[types.TypeDocumentAttribute] = [
        a for a in attributes if isinstance(a, _KEPT_ATTRIBUTES)
    ]
    for attribute in kept:
        if isinstance(attribute, types.DocumentAttributeFilename):
            return kept, attribute.file_name
    if name:
        kept.append(types.DocumentAttributeFilename(file_name=name))
    return kept, name


def _mime(mime_type: str) -> str:
    mime_type = mime_type.strip()
    return mime_type if 0 < len(mime_type) <= 255 else DEFAULT_MIME_TYPE


class MediaService:
    """Uploads, stored media and their bytes.

    Args:
        store: The metadata store.
        blobs: Where the encrypted parts are.
        master: Wraps every file key.
        dc_id: This server's DC id (in every Document and Photo).
        upload_ttl: Seconds an unfinished upload is kept after its latest part.
        clock: Unix time (injected by tests).

    Attributes:
        parts_accepted: How many parts :meth:`save_part` has acknowledged since start
            (tests use it to prove a resumed upload re-sent nothing acknowledged).
    """

    def __init__(
        self,
        store: MediaStore,
        blobs: BlobStore,
        master: MasterKey,
        *,
        dc_id: int,
        upload_ttl: float = 24 * 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.files = EncryptedFiles(blobs, master)
        self.dc_id = dc_id
        self.upload_ttl = upload_ttl
        self.parts_accepted = 0
        self._clock = clock
        self._gate = UploadGate()
        self._ledgers = LedgerCache()
        # Image decoding is CPU work: at most this many photos at once, whatever the load.
        self._images = trio.CapacityLimiter(IMAGE_THREADS)

    def now(self) -> float:
        """Unix time now."""
        return self._clock()

    # -- uploads ---------------------------------------------------------------------------------

    async def save_part(
        self, owner_id: int, file_id: int, part: int, data: bytes, *, total: int | None = None
    ) -> None:
        """Store part ``part`` of the upload ``file_id`` of ``owner_id``; durable on return.

        Args:
            owner_id: The uploading user.
            file_id: The client's file id (scoped to ``owner_id``).
            part: The part number.
            data: The part's bytes.
            total: The part count of a big file (``saveBigFilePart``), None for a small one.

        Raises:
            RpcError: ``FILE_PART_EMPTY``, ``FILE_PART_TOO_BIG``, ``FILE_PART_INVALID``,
                ``FILE_PARTS_INVALID``, ``FILE_PART_SIZE_INVALID``, ``FILE_PART_SIZE_CHANGED``;
                a rejected part leaves nothing stored.
        """
        check_part(part, len(data), total)
        key = (owner_id, file_id)
        size = len(data)
        async with self._gate.writing(key) as allowed:
            if not allowed:
                raise media_error(FILE_PARTS_INVALID)
            ledger = await self._ledger(owner_id, file_id, total)
            ledger.check(part, size, total)
            # Counted from here on, so parts of this file in flight are checked together.
            ledger.reserve(part, size)
            upload = ledger.upload
            try:
                await self.files.write_part(upload.blob_id, upload.wrapped_key, part, data)
                stored = await self.store.put_part(owner_id, file_id, part, size, self.now())
            except BaseException:
                ledger.release(part, size)
                raise
            if not stored:
                # Swept meanwhile: the part has nowhere to belong.
                ledger.release(part, size)
                self._ledgers.drop(key)
                await self.blobs.delete(upload.blob_id, [part])
                raise media_error(FILE_PARTS_INVALID)
            ledger.stored_part(part, size)
            self.parts_accepted += 1

    async def _ledger(self, owner_id: int, file_id: int, total: int | None) -> PartLedger:
        """The ledger of an upload: cached, else read from the store, else a new upload."""
        key = (owner_id, file_id)
        ledger = self._ledgers.get(key)
        if ledger is not None:
            return ledger
        upload = await self.store.get_upload(owner_id, file_id)
        if upload is None:
            now = self.now()
            blob_id, wrapped_key = self.files.new_file()
            # Another connection may open it first: open_upload returns what was stored.
            upload = await self.store.open_upload(
                UploadRecord(
                    owner_id=owner_id,
                    file_id=file_id,
                    blob_id=blob_id,
                    wrapped_key=wrapped_key,
                    big=total is not None,
                    total=total,
                    created=now,
                    updated=now,
                )
            )
        # A concurrent first part may have cached one meanwhile: every writer shares it.
        return self._ledgers.add(key, PartLedger(upload))

    async def _finished_upload(
        self, owner_id: int, input_file: types.TypeInputFile
    ) -> tuple[UploadRecord, StoredFile, str]:
        """The upload an InputFile names, checked complete: (upload, its file, md5 hex)."""
        if not isinstance(input_file, types.InputFile | types.InputFileBig):
            raise media_error(MEDIA_INVALID)
        upload = await self.store.get_upload(owner_id, input_file.id)
        if upload is None:
            raise file_part_missing(0)
        big = isinstance(input_file, types.InputFileBig)
        if big != upload.big:
            raise media_error(FILE_PARTS_INVALID)
        part_size = check_complete(upload.parts, input_file.parts, upload.total)
        stored = StoredFile(
            variant="",
            blob_id=upload.blob_id,
            wrapped_key=upload.wrapped_key,
            size=upload.size,
            part_size=part_size,
            parts=input_file.parts,
        )
        md5 = ""
        if isinstance(input_file, types.InputFile) and input_file.md5_checksum:
            digest = hashlib.md5(usedforsecurity=False)
            for index in range(stored.parts):
                digest.update(await self.files.read_part(stored, index))
            md5 = digest.hexdigest()
            if md5 != input_file.md5_checksum.strip().lower():
                raise media_error(MD5_CHECKSUM_INVALID)
        return upload, stored, md5

    async def document_from_upload(
        self,
        owner_id: int,
        input_file: types.TypeInputFile,
        *,
        mime_type: str,
        attributes: Sequence[types.TypeDocumentAttribute] = (),
        thumb: types.TypeInputFile | None = None,
    ) -> MediaRecord:
        """Turn a finished upload into a document (the parts stay where they are).

        ``thumb`` names another finished upload holding an image: it becomes the document's
        thumbnail (JPEG, type ``m``, at most 320 px); one that is incomplete or no image is
        dropped (and its upload discarded), not an error.

        Raises:
            RpcError: ``FILE_PART_<n>_MISSING``, ``FILE_PARTS_INVALID``,
                ``MD5_CHECKSUM_INVALID``, ``FILE_PART_SIZE_CHANGED``, ``MEDIA_INVALID``.
        """
        key = (owner_id, getattr(input_file, "id", 0))
        async with self._gate.finishing(key) as alone:
            if not alone:
                raise media_error(FILE_PARTS_INVALID)
            # No part is being written now; a later one rereads the store.
            self._ledgers.drop(key)
            upload, stored, md5 = await self._finished_upload(owner_id, input_file)
            thumbs = await self._thumbnail(owner_id, thumb) if thumb is not None else []
            kept, name = clean_attributes(attributes, getattr(input_file, "name", ""))
            record = MediaRecord(
                id=_new_id(),
                kind=MediaKind.DOCUMENT,
                owner_id=owner_id,
                date=int(self.now()),
                mime_type=_mime(mime_type),
                name=name,
                attributes=pack_object_vector(list(kept)),
                md5=md5,
                secret=secrets.token_bytes(32),
                files=(stored, *thumbs),
            )
            if not await self.store.finish_upload(owner_id, upload.file_id, record):
                await self.files.delete(thumbs)
                raise file_part_missing(0)
            return record

    async def _thumbnail(self, owner_id: int, thumb: types.TypeInputFile) -> list[StoredFile]:
        """The thumbnail a document upload names, stored (none when it is not usable)."""
        if not isinstance(thumb, types.InputFile | types.InputFileBig):
            return []
        async with self._gate.finishing((owner_id, thumb.id)) as alone:
            if not alone:
                return []
            self._ledgers.drop((owner_id, thumb.id))
            try:
                upload, stored, _ = await self._finished_upload(owner_id, thumb)
            except TgError:
                return []
            try:
                if stored.size > MAX_PHOTO_SIZE:
                    return []
                variants = await trio.to_thread.run_sync(
                    make_variants,
                    await self.files.read_all(stored),
                    THUMB_BOXES,
                    limiter=self._images,
                )
                (variant,) = variants
                return [await self.files.write(variant.data, "m", variant.width, variant.height)]
            except TgError:
                return []
            finally:
                await self._discard(upload)

    async def photo_from_upload(
        self, owner_id: int, input_file: types.TypeInputFile
    ) -> MediaRecord:
        """Turn a finished upload of an image into a photo (JPEG sizes; the upload's own parts
        are removed).

        Raises:
            RpcError: as :meth:`document_from_upload`, and ``IMAGE_PROCESS_FAILED`` /
                ``PHOTO_INVALID_DIMENSIONS`` (the upload is then discarded).
        """
        key = (owner_id, getattr(input_file, "id", 0))
        async with self._gate.finishing(key) as alone:
            if not alone:
                raise media_error(FILE_PARTS_INVALID)
            # No part is being written now; a later one rereads the store.
            self._ledgers.drop(key)
            upload, stored, _ = await self._finished_upload(owner_id, input_file)
            try:
                if stored.size > MAX_PHOTO_SIZE:
                    raise media_error(IMAGE_PROCESS_FAILED)
                data = await self.files.read_all(stored)
                files = await self._photo_files(data)
            except TgError:
                if isinstance(input_file, types.InputFile | types.InputFileBig):
                    await self._discard(upload)
                raise
            record = self._photo_record(owner_id, files)
            if not await self.store.finish_upload(owner_id, upload.file_id, record):
                await self.files.delete(files)
                raise file_part_missing(0)
            await self.blobs.delete(upload.blob_id, list(upload.parts))
            return record

    async def _discard(self, upload: UploadRecord) -> None:
        self._ledgers.drop((upload.owner_id, upload.file_id))
        if await self.store.finish_upload(upload.owner_id, upload.file_id):
            await self.blobs.delete_all(upload.blob_id)

    # -- whole files from the server side (Bot API) ----------------------------------------------

    async def store_document(
        self,
        owner_id: int,
        data: bytes | Path,
        *,
        name: str,
        mime_type: str,
        attributes: Sequence[types.TypeDocumentAttribute] = (),
    ) -> MediaRecord:
        """Store a whole file the server already has (bytes, or a local file streamed in
        512 KB parts) as a document of ``owner_id``."""
        if isinstance(data, Path):
            stored, md5 = await self.files.write_path(data)
        else:
            stored = await self.files.write(data)
            md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        kept, name = clean_attributes(attributes, name)
        record = MediaRecord(
            id=_new_id(),
            kind=MediaKind.DOCUMENT,
            owner_id=owner_id,
            date=int(self.now()),
            mime_type=_mime(mime_type),
            name=name,
            attributes=pack_object_vector(list(kept)),
            md5=md5,
            secret=secrets.token_bytes(32),
            files=(stored,),
        )
        await self.store.add_media(record)
        return record

    async def _photo_files(self, data: bytes) -> list[StoredFile]:
        variants = await trio.to_thread.run_sync(make_variants, data, limiter=self._images)
        return [await self.files.write(v.data, v.type, v.width, v.height) for v in variants]

    def _photo_record(self, owner_id: int, files: list[StoredFile]) -> MediaRecord:
        return MediaRecord(
            id=_new_id(),
            kind=MediaKind.PHOTO,
            owner_id=owner_id,
            date=int(self.now()),
            mime_type="image/jpeg",
            name="",
            attributes=b"",
            md5="",
            secret=secrets.token_bytes(32),
            files=tuple(files),
        )

    async def store_photo(self, owner_id: int, data: bytes | Path) -> MediaRecord:
        """Store an image the server already has as a photo of ``owner_id`` (JPEG sizes).

        Raises:
            RpcError: ``IMAGE_PROCESS_FAILED``, ``PHOTO_INVALID_DIMENSIONS``.
        """
        if isinstance(data, Path):
            data = await trio.to_thread.run_sync(data.read_bytes)
        if len(data) > MAX_PHOTO_SIZE:
            raise media_error(IMAGE_PROCESS_FAILED)
        files = await self._photo_files(data)
        record = self._photo_record(owner_id, files)
        await self.store.add_media(record)
        return record

    # -- reading ---------------------------------------------------------------------------------

    async def get(self, media_id: int) -> MediaRecord | None:
        """A stored document or photo, or None."""
        return await self.store.get_media(media_id)

    async def read(
        self, media: MediaRecord, offset: int, limit: int, *, variant: str = ""
    ) -> bytes:
        """Bytes ``offset`` .. ``offset + limit`` of a stored file, decrypted (fewer at the
        end; empty from the end on). Any range: the MTProto alignment rules are the handler's.

        Args:
            media: The document or photo.
            offset: The first byte.
            limit: How many bytes at most.
            variant: A photo size type; ``""`` is the document or the largest photo size.

        Raises:
            RpcError: ``LOCATION_INVALID`` (no such variant).
            StorageError: a blob is missing or was tampered with.
        """
        stored = media.file(variant)
        if stored is None:
            raise media_error(LOCATION_INVALID)
        return await self.files.read(stored, offset, limit)

    # -- TL and access -----------------------------------------------------------------------------

    def message_media(self, media: MediaRecord) -> bytes:
        """What goes into ``NewMessage.media`` / ``MessageRecord.media`` for ``media`` (viewer
        independent; :func:`~tgserver.media.render_media` shows it to each viewer)."""
        return stored_media(media, self.dc_id)

    def tl_document(self, media: MediaRecord, viewer_id: int) -> types.Document:
        """The ``document`` as ``viewer_id`` sees it."""
        return tl_document(media, viewer_id, self.dc_id)

    def tl_photo(self, media: MediaRecord, viewer_id: int) -> types.Photo:
        """The ``photo`` as ``viewer_id`` sees it."""
        return tl_photo(media, viewer_id, self.dc_id)

    def tl_message_media(self, media: MediaRecord, viewer_id: int) -> types.TypeMessageMedia:
        """``messageMediaPhoto`` / ``messageMediaDocument`` as ``viewer_id`` sees it."""
        rendered = render_media(self.message_media(media), viewer_id)
        assert rendered is not None
        return rendered

    async def _resolve(
        self,
        viewer_id: int,
        kind: MediaKind,
        media_id: int,
        access_hash: int,
        reference: bytes,
        invalid: str,
    ) -> MediaRecord:
        media = await self.store.get_media(media_id)
        if media is None or media.kind != kind:
            raise media_error(invalid)
        check_access(media, viewer_id, access_hash, reference, invalid=invalid)
        return media

    async def resolve_document(
        self, viewer_id: int, document: types.TypeInputDocument
    ) -> MediaRecord:
        """The document an ``inputDocument`` names, if ``viewer_id`` was shown it.

        Raises:
            RpcError: ``MEDIA_INVALID``, ``FILE_REFERENCE_EXPIRED``.
        """
        if not isinstance(document, types.InputDocument):
            raise media_error(MEDIA_INVALID)
        return await self._resolve(
            viewer_id,
            MediaKind.DOCUMENT,
            document.id,
            document.access_hash,
            document.file_reference,
            MEDIA_INVALID,
        )

    async def resolve_photo(self, viewer_id: int, photo: types.TypeInputPhoto) -> MediaRecord:
        """The photo an ``inputPhoto`` names, if ``viewer_id`` was shown it.

        Raises:
            RpcError: ``MEDIA_INVALID``, ``FILE_REFERENCE_EXPIRED``.
        """
        if not isinstance(photo, types.InputPhoto):
            raise media_error(MEDIA_INVALID)
        return await self._resolve(
            viewer_id,
            MediaKind.PHOTO,
            photo.id,
            photo.access_hash,
            photo.file_reference,
            MEDIA_INVALID,
        )

    async def resolve_location(
        self, viewer_id: int, location: types.TypeInputFileLocation
    ) -> tuple[MediaRecord, str]:
        """The stored file a getFile location names, if ``viewer_id`` was shown it:
        (media, variant).

        Raises:
            RpcError: ``LOCATION_INVALID``, ``FILE_REFERENCE_EXPIRED``.
        """
        if isinstance(location, types.InputDocumentFileLocation):
            media = await self._resolve(
                viewer_id,
                MediaKind.DOCUMENT,
                location.id,
                location.access_hash,
                location.file_reference,
                LOCATION_INVALID,
            )
            if media.file(location.thumb_size) is None:
                raise media_error(LOCATION_INVALID)
            return media, location.thumb_size
        if isinstance(location, types.InputPhotoFileLocation):
            media = await self._resolve(
                viewer_id,
                MediaKind.PHOTO,
                location.id,
                location.access_hash,
                location.file_reference,
                LOCATION_INVALID,
            )
            if media.file(location.thumb_size) is None or not location.thumb_size:
                raise media_error(LOCATION_INVALID)
            return media, location.thumb_size
        raise media_error(LOCATION_INVALID)

    # -- expiry ----------------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Remove the uploads nobody touched for :attr:`upload_ttl` seconds (parts and
        metadata); returns how many."""
        removed = 0
        before = self.now() - self.upload_ttl
        while True:
            expired = [
                u
                for u in await self.store.expired_uploads(before)
                if not self._gate.busy((u.owner_id, u.file_id))
            ]
            if not expired:
                return removed
            for upload in expired:
                await self._discard(upload)
                removed += 1

    async def run_sweeper(
        self, interval: float, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Call :meth:`sweep` every ``interval`` seconds until cancelled (a server task)."""
        task_status.started()
        while True:
            await trio.sleep(interval)
            try:
                removed = await self.sweep()
            except Exception:
                # A storage hiccup must not stop the server; the next round tries again.
                log.warning("sweeping expired uploads failed", exc_info=True)
                continue
            if removed:
                log.info("removed %d expired uploads", removed)


def sweep_interval(upload_ttl: float) -> float:
    """How often the sweeper runs for a TTL: a tenth of it, between a minute and an hour."""
    return min(3600.0, max(60.0, math.ceil(upload_ttl / 10)))
