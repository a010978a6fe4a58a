"""Chunked, parallel, resumable file transfer with a :class:`~tgcore.client.Client`.

:func:`upload_file` sends a file in parts (``upload.saveFilePart`` / ``saveBigFilePart``),
several at once, and returns the ``InputFile`` that names it in ``messages.sendMedia``. With a
``resume_key`` the parts the server acknowledged are recorded in the client's session store,
so an upload cut short (a dropped connection, a server restart, the client's own restart)
sends only what is missing when it is called again with the same key. :func:`download_file`
reads a file back with parallel ``upload.getFile`` requests written at their offsets.

The planning (part sizes, ranges, the upload state) is the sans-IO :mod:`tgcore.files`.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import trio

from tgcore.client._sources import DestLike, Sink, Source, SourceLike, open_sink, open_source
from tgcore.client.errors import ClientError
from tgcore.files import (
    DEFAULT_REQUEST_SIZE,
    FileRange,
    UploadPlan,
    UploadState,
    iter_download,
    plan_download,
    plan_upload,
)
from tgcore.storage import SessionStore
from tgcore.tl import functions, types

if TYPE_CHECKING:
    from tgcore.client.client import Client

__all__ = [
    "DEFAULT_PARTS_IN_FLIGHT",
    "UPLOAD_STATE_MAX_AGE",
    "Progress",
    "TransferError",
    "download_file",
    "file_resume_key",
    "upload_file",
]

#: Parts sent at once by default: enough to keep a local link busy while the server writes.
DEFAULT_PARTS_IN_FLIGHT = 8
#: Seconds a saved upload state stays usable (the server keeps parts 24 hours by default;
#: an older state is dropped and the upload starts over under a new file id).
UPLOAD_STATE_MAX_AGE = 23 * 3600.0


class Progress(Protocol):
    """A progress callback: called with (bytes done, bytes in total) after every part."""

    def __call__(self, done: int, total: int, /) -> object:
        """Report that ``done`` of ``total`` bytes are transferred."""
        ...


class TransferError(ClientError):
    """An upload or download could not go on: the server refused a part or sent a short one."""


def file_resume_key(path: str | os.PathLike[str]) -> str:
    """A resume key for the file at ``path``: its absolute path, size and modification time.

    A file that changed (size or mtime) gets another key, so its old parts are never reused.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    digest = hashlib.sha256(f"{resolved}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()
    return f"file:{digest[:32]}"


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


@contextmanager
def _first_error() -> Iterator[None]:
    """Raise the first real error out of a nursery's group, not the group.

    The first part that fails cancels the others; the caller wants that failure (an
    ``RpcError``, a ``TransferError``), not an ExceptionGroup holding it.
    """
    try:
        yield
    except BaseExceptionGroup as group:
        errors = [exc for exc in _leaves(group) if not isinstance(exc, trio.Cancelled)]
        if not errors:
            raise
        raise errors[0] from None


def _random_file_id(rng: Callable[[int], bytes]) -> int:
    return int.from_bytes(rng(8), "little", signed=True)


class _StateSaver:
    """Writes the newest upload state to the store whenever it changed, one write at a time.

    Parts are acknowledged faster than a durable write completes; writing only the newest
    state coalesces those writes, and :meth:`flush` at the end loses nothing acknowledged.
    """

    def __init__(self, store: SessionStore, key: str, state: UploadState) -> None:
        self._store = store
        self._key = key
        self.state = state
        self._saved: UploadState | None = None
        self._dirty = trio.Event()
        self._lock = trio.Lock()

    def update(self, state: UploadState) -> None:
        self.state = state
        self._dirty.set()

    async def flush(self) -> None:
        async with self._lock:
            state = self.state
            if state != self._saved:
                await self._store.put_upload(self._key, state)
                self._saved = state

    async def run(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty = trio.Event()
            await self.flush()


async def _load_state(
    store: SessionStore,
    key: str,
    plan: UploadPlan,
    part_size: int | None,
    now: float,
) -> UploadState | None:
    state = await store.get_upload(key)
    if state is None:
        return None
    if (
        state.size != plan.size
        or (part_size is not None and state.part_size != part_size)
        or not 0 <= now - state.started_at <= UPLOAD_STATE_MAX_AGE
    ):
        await store.delete_upload(key)
        return None
    return state


def _md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


async def upload_file(
    client: Client,
    source: SourceLike,
    *,
    name: str | None = None,
    part_size: int | None = None,
    parts_in_flight: int = DEFAULT_PARTS_IN_FLIGHT,
    progress: Progress | None = None,
    resume_key: str | None = None,
    rng: Callable[[int], bytes] = os.urandom,
    clock: Callable[[], float] = time.time,
) -> types.InputFile | types.InputFileBig:
    """Upload ``source`` in parts and return the ``InputFile`` that names it.

    Files up to 10 MiB go through ``upload.saveFilePart`` and come back as ``inputFile`` with
    their md5; larger ones through ``upload.saveBigFilePart`` as ``inputFileBig``. Up to
    ``parts_in_flight`` parts are on their way at once. A dropped connection is invisible
    here: the client reconnects and re-sends the parts that were not answered.

    ```python
    key = file_resume_key("video.mp4")
    file = await upload_file(client, "video.mp4", resume_key=key, progress=print)
    ```

    Args:
        client: A connected client.
        source: A path, bytes, or a seekable binary file object (read from its start).
        name: The file name sent with the ``InputFile`` (default: the path's name, or "file").
        part_size: Force a part size (default: :func:`tgcore.files.plan_upload`'s choice).
        parts_in_flight: Parts sent at once (at least 1).
        progress: Called with (bytes acknowledged, total bytes) at the start and after each
            part.
        resume_key: Keep the upload's progress in ``client.session_store`` under this key
            (:func:`file_resume_key` makes one for a path) and resume from it. The state is
            deleted once every part is acknowledged; it is ignored (and replaced) when the
            size or part size differ or it is older than :data:`UPLOAD_STATE_MAX_AGE`.
        rng: Random bytes (for the file id).
        clock: Unix time (ages of saved states).

    Raises:
        ValueError: an empty file, one over 2,097,152,000 bytes, or a bad part size.
        TransferError: the server refused a part (answered ``boolFalse``).
        tgcore.errors.RpcError: the server answered an error (e.g. ``FILE_PART_SIZE_INVALID``).
        tgcore.errors.StorageError: the session store failed.
    """
    if parts_in_flight < 1:
        raise ValueError(f"parts_in_flight must be at least 1, not {parts_in_flight}")
    if name is None:
        name = Path(source).name if isinstance(source, str | os.PathLike) else "file"
    reader = await open_source(source)
    try:
        return await _upload(
            client, reader, name, part_size, parts_in_flight, progress, resume_key, rng, clock
        )
    finally:
        await reader.aclose()


async def _upload(
    client: Client,
    reader: Source,
    name: str,
    part_size: int | None,
    parts_in_flight: int,
    progress: Progress | None,
    resume_key: str | None,
    rng: Callable[[int], bytes],
    clock: Callable[[], float],
) -> types.InputFile | types.InputFileBig:
    plan = plan_upload(reader.size, part_size=part_size)
    store = client.session_store
    now = clock()
    loaded = None
    if resume_key is not None:
        loaded = await _load_state(store, resume_key, plan, part_size, now)
    state = loaded or UploadState.start(plan, _random_file_id(rng), started_at=now)
    plan = state.plan
    if not plan.big:
        # A small file (<= 10 MiB) is read whole once: its md5 goes into inputFile and its
        # parts are then cut from memory.
        data = await reader.read(0, plan.size)
        if len(data) != plan.size:
            raise TransferError(f"the source ended after {len(data)} of {plan.size} bytes")
        if not state.md5_checksum:
            state = state.with_md5(await trio.to_thread.run_sync(_md5_hex, data))
        reader = _Preloaded(data)

    saver = _StateSaver(store, resume_key, state) if resume_key is not None else None
    done = state.acked_bytes
    if progress is not None:
        progress(done, plan.size)
    slots = trio.Semaphore(parts_in_flight)

    async def send(index: int) -> None:
        nonlocal done, state
        try:
            offset, length = plan.part_offset(index), plan.part_length(index)
            data = await reader.read(offset, length)
            if len(data) != length:
                raise TransferError(
                    f"the source ended early: part {index} has {len(data)} of {length} bytes"
                )
            request: functions.upload.SaveBigFilePart | functions.upload.SaveFilePart
            if plan.big:
                request = functions.upload.SaveBigFilePart(
                    file_id=state.file_id,
                    file_part=index,
                    file_total_parts=plan.parts,
                    bytes=data,
                )
            else:
                request = functions.upload.SaveFilePart(
                    file_id=state.file_id, file_part=index, bytes=data
                )
            accepted = await client(request)
            if accepted is not True:
                raise TransferError(
                    f"the server refused part {index} of file {state.file_id}: {accepted!r}"
                )
            state = state.with_part(index)
            if saver is not None:
                saver.update(state)
            done += length
            if progress is not None:
                progress(done, plan.size)
        finally:
            slots.release()

    try:
        with _first_error():
            async with trio.open_nursery() as nursery:
                if saver is not None:
                    await saver.flush()  # the file id is known before any part leaves
                    nursery.start_soon(saver.run)
                async with trio.open_nursery() as senders:
                    for index in list(state.missing()):
                        await slots.acquire()
                        senders.start_soon(send, index)
                nursery.cancel_scope.cancel()  # every part is acknowledged: stop the saver
    finally:
        if saver is not None and not saver.state.complete:
            # Whatever happened, what the server acknowledged is recorded for the next try.
            with trio.CancelScope(shield=True):
                await saver.flush()
    if resume_key is not None:
        await store.delete_upload(resume_key)
    if plan.big:
        return types.InputFileBig(id=state.file_id, parts=plan.parts, name=name)
    return types.InputFile(
        id=state.file_id, parts=plan.parts, name=name, md5_checksum=state.md5_checksum
    )


class _Preloaded:
    """A small file already read into memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.size = len(data)

    async def read(self, offset: int, length: int) -> bytes:
        await trio.lowlevel.checkpoint()
        return self._data[offset : offset + length]

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()


async def download_file(
    client: Client,
    location: types.TypeInputFileLocation,
    dest: DestLike,
    *,
    size: int | None = None,
    parallel: int = 4,
    request_size: int = DEFAULT_REQUEST_SIZE,
    progress: Progress | None = None,
) -> int:
    """Download the file at ``location`` into ``dest``; returns the bytes written.

    With the ``size`` known, up to ``parallel`` ``upload.getFile`` requests of
    ``request_size`` bytes run at once, each written at its own offset; without it the file
    is read one request after another until a short answer.

    Args:
        client: A connected client.
        location: Where the file is (e.g. ``inputDocumentFileLocation``; see
            :func:`tgcore.client.media_location` for a message's media).
        dest: A path (created or truncated) or a seekable binary file object.
        size: The file's size, if known (a document's ``size``).
        parallel: Requests at once (at least 1; used when ``size`` is known).
        request_size: Bytes per request: a multiple of 4096 dividing 1 MiB.
        progress: Called with (bytes written, total bytes or 0 when unknown).

    Raises:
        TransferError: the server sent more or fewer bytes than the range holds.
        tgcore.errors.RpcError: the server refused (e.g. ``FILE_REFERENCE_EXPIRED``).
    """
    if parallel < 1:
        raise ValueError(f"parallel must be at least 1, not {parallel}")
    sink = await open_sink(dest)
    try:
        if size is None:
            return await _download_sequential(client, location, sink, request_size, progress)
        ranges = plan_download(size, request_size=request_size)
        await _download_ranges(client, location, sink, ranges, size, parallel, progress)
        return size
    finally:
        await sink.aclose()


async def _get(client: Client, location: types.TypeInputFileLocation, part: FileRange) -> bytes:
    result: Any = await client(
        functions.upload.GetFile(location=location, offset=part.offset, limit=part.limit)
    )
    if not isinstance(result, types.upload.File):
        raise TransferError(f"expected upload.file, got {type(result).__name__}")
    data: bytes = result.bytes
    if len(data) > part.limit or (part.expected is not None and len(data) != part.expected):
        raise TransferError(
            f"{len(data)} bytes at offset {part.offset}; expected"
            f" {part.expected if part.expected is not None else part.limit}"
        )
    return data


async def _download_ranges(
    client: Client,
    location: types.TypeInputFileLocation,
    sink: Sink,
    ranges: list[FileRange],
    size: int,
    parallel: int,
    progress: Progress | None,
) -> None:
    done = 0
    if progress is not None:
        progress(done, size)
    slots = trio.Semaphore(parallel)

    async def fetch(part: FileRange) -> None:
        nonlocal done
        try:
            data = await _get(client, location, part)
            await sink.write(part.offset, data)
            done += len(data)
            if progress is not None:
                progress(done, size)
        finally:
            slots.release()

    with _first_error():
        async with trio.open_nursery() as nursery:
            for part in ranges:
                await slots.acquire()
                nursery.start_soon(fetch, part)


async def _download_sequential(
    client: Client,
    location: types.TypeInputFileLocation,
    sink: Sink,
    request_size: int,
    progress: Progress | None,
) -> int:
    done = 0
    for part in iter_download(0, request_size=request_size):
        data = await _get(client, location, part)
        if data:
            await sink.write(part.offset, data)
            done += len(data)
            if progress is not None:
                progress(done, 0)
        if len(data) < part.limit:
            return done
    raise AssertionError("unreachable")  # pragma: no cover
