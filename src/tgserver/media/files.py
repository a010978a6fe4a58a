"""Stored files: byte streams kept as encrypted parts in a blob store.

:class:`EncryptedFiles` is the layer between the media service and the
:class:`~tgserver.media.blobs.BlobStore`: it makes file keys and wraps them with the master key,
seals and opens parts (:mod:`tgserver.media.crypto`), writes whole files in parts and reads any
byte range back, touching only the parts the range covers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import trio

from tgcore.errors import StorageError
from tgserver.media.blobs import BlobStore, new_blob_id
from tgserver.media.crypto import MasterKey, new_file_key, open_part, seal_part
from tgserver.media.records import StoredFile
from tgserver.media.rules import MAX_PART_SIZE

__all__ = ["CHUNK_SIZE", "EncryptedFiles"]

#: The part size of files stored from the server side (Telegram's largest part).
CHUNK_SIZE: Final = MAX_PART_SIZE


def _first_storage_error(group: BaseExceptionGroup[BaseException]) -> StorageError | None:
    for exc in group.exceptions:
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_storage_error(exc)
            if found is not None:
                return found
    return None


def _sealer(file_key: bytes, blob_id: str, part: int, data: bytes) -> Callable[[], bytes]:
    """Sealing of one part, to run in a worker thread."""
    return lambda: seal_part(file_key, blob_id, part, data)


class EncryptedFiles:
    """Encrypted parts in ``blobs``, file keys wrapped by ``master``.

    Args:
        blobs: Where the parts are.
        master: Wraps every file key.
    """

    def __init__(self, blobs: BlobStore, master: MasterKey) -> None:
        self.blobs = blobs
        self._master = master

    def new_file(self) -> tuple[str, bytes]:
        """A fresh blob id and its wrapped key, for a file written part by part."""
        blob_id = new_blob_id()
        return blob_id, self._master.wrap(new_file_key(), blob_id)

    async def write_part(self, blob_id: str, wrapped_key: bytes, part: int, data: bytes) -> None:
        """Seal and store part ``part`` of the file ``blob_id``; durable on return.

        The key is unwrapped and the part sealed in the blob store's worker thread: AES-GCM
        of 512 KB is ~0.4 ms of CPU that would otherwise stall every connection.
        """

        def sealed() -> bytes:
            file_key = self._master.unwrap(wrapped_key, blob_id)
            return seal_part(file_key, blob_id, part, data)

        await self.blobs.write_from(blob_id, part, sealed)

    async def write(
        self, data: bytes, variant: str = "", width: int = 0, height: int = 0
    ) -> StoredFile:
        """Store ``data`` as a new file in :data:`CHUNK_SIZE` parts (written concurrently)."""
        chunks = [data[i : i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)]
        blob_id = new_blob_id()
        file_key = new_file_key()
        async with trio.open_nursery() as nursery:
            for index, chunk in enumerate(chunks):
                nursery.start_soon(
                    self.blobs.write_from, blob_id, index, _sealer(file_key, blob_id, index, chunk)
                )
        return StoredFile(
            variant=variant,
            blob_id=blob_id,
            wrapped_key=self._master.wrap(file_key, blob_id),
            size=len(data),
            part_size=len(chunks[0]) if chunks else 0,
            parts=len(chunks),
            width=width,
            height=height,
        )

    async def write_path(self, path: Path) -> tuple[StoredFile, str]:
        """Stream a local file into a new stored file, part by part: (file, md5 hex)."""
        blob_id = new_blob_id()
        file_key = new_file_key()
        digest = hashlib.md5(usedforsecurity=False)
        size = parts = 0
        with await trio.to_thread.run_sync(path.open, "rb") as stream:
            while chunk := await trio.to_thread.run_sync(stream.read, CHUNK_SIZE):
                digest.update(chunk)
                await self.blobs.write_from(
                    blob_id, parts, _sealer(file_key, blob_id, parts, chunk)
                )
                size += len(chunk)
                parts += 1
        stored = StoredFile(
            variant="",
            blob_id=blob_id,
            wrapped_key=self._master.wrap(file_key, blob_id),
            size=size,
            part_size=CHUNK_SIZE if parts > 1 else size,
            parts=parts,
        )
        return stored, digest.hexdigest()

    async def read_part(self, stored: StoredFile, index: int) -> bytes:
        """Part ``index`` of ``stored``, decrypted.

        Raises:
            StorageError: the part is missing or was tampered with.
        """

        def opened(blob: bytes) -> bytes:
            # In the blob store's worker thread, like sealing.
            file_key = self._master.unwrap(stored.wrapped_key, stored.blob_id)
            return open_part(file_key, stored.blob_id, index, blob)

        return await self.blobs.read_then(stored.blob_id, index, opened)

    async def read_parts(self, stored: StoredFile, first: int, end: int) -> bytes:
        """Parts ``first`` .. ``end - 1`` of ``stored``, read concurrently, joined."""
        chunks: list[bytes] = [b""] * (end - first)

        async def one(index: int) -> None:
            chunks[index - first] = await self.read_part(stored, index)

        try:
            async with trio.open_nursery() as nursery:
                for index in range(first, end):
                    nursery.start_soon(one, index)
        except BaseExceptionGroup as group:
            # A missing or tampered part is the caller's StorageError, not a task group's.
            failed = _first_storage_error(group)
            if failed is None:
                raise
            raise failed from group
        return b"".join(chunks)

    async def read_all(self, stored: StoredFile) -> bytes:
        """The whole of ``stored`` (small files: photos, md5 checks)."""
        return await self.read_parts(stored, 0, stored.parts)

    async def read(self, stored: StoredFile, offset: int, limit: int) -> bytes:
        """Bytes ``offset`` .. ``offset + limit`` of ``stored`` (fewer at the end, none past
        it), reading only the parts the range covers."""
        end = min(offset + limit, stored.size)
        if offset >= end or offset < 0:
            return b""
        part_size = stored.part_size
        first = offset // part_size
        last = (end - 1) // part_size
        data = await self.read_parts(stored, first, last + 1)
        start = offset - first * part_size
        return data[start : start + (end - offset)]

    async def delete(self, files: Sequence[StoredFile]) -> None:
        """Remove the parts of ``files``."""
        for stored in files:
            await self.blobs.delete(stored.blob_id, range(stored.parts))
