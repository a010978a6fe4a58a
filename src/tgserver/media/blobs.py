"""The blob store: encrypted parts as objects under one fsspec URL.

The root is any fsspec URL: a local folder (the default, ``data_dir/media``), ``memory://``
(tests), ``s3://bucket/prefix`` (s3fs, the ``s3`` extra), ``hdfs://...`` (pyarrow) ... fsspec's
API is blocking, so every call runs in a worker thread through ``trio.to_thread.run_sync``
with a bounded :class:`trio.CapacityLimiter`.

Objects are named ``<blob id[:2]>/<blob id>/<part>``; a blob id is random, so nothing about a
user or a file shows in the names. A local write goes to a temporary file that is flushed to
disk (``fsync``) and renamed, so a written part survives a crash and a half-written one is
never seen; object stores (S3) make a put visible only when it is complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

import fsspec  # type: ignore[import-untyped]
import trio
from fsspec.implementations.local import LocalFileSystem  # type: ignore[import-untyped]

from tgcore.errors import StorageError
from tgserver.media.dirsync import DirectorySync

__all__ = ["DEFAULT_BLOB_THREADS", "BlobStore", "new_blob_id"]

T = TypeVar("T")

#: Worker threads one blob store uses at most.
DEFAULT_BLOB_THREADS: Final = 8


def new_blob_id() -> str:
    """A fresh random blob id (32 hex digits)."""
    return secrets.token_hex(16)


class BlobStore:
    """Objects under an fsspec root, read and written from Trio.

    Args:
        url: The root (``/var/lib/tgserver/media``, ``file://...``, ``memory://x``,
            ``s3://bucket/prefix`` ...).
        threads: Most worker threads used at once.
        storage_options: Passed to the fsspec filesystem (``key``, ``secret``,
            ``client_kwargs={"endpoint_url": ...}`` for S3 ...).

    Raises:
        StorageError: fsspec does not know the URL's protocol (or its package is missing).
    """

    def __init__(
        self, url: str, *, threads: int = DEFAULT_BLOB_THREADS, **storage_options: Any
    ) -> None:
        try:
            fs, root = fsspec.core.url_to_fs(url, **storage_options)
        except (ImportError, ValueError) as exc:
            raise StorageError(f"media storage {url!r}: {exc}") from exc
        self.url = url
        self._fs: fsspec.AbstractFileSystem = fs
        self._root = str(root).rstrip("/")
        self._local = isinstance(fs, LocalFileSystem)
        self._limiter = trio.CapacityLimiter(threads)
        self._dirs = DirectorySync(self._root)

    def __repr__(self) -> str:
        return f"BlobStore({self.url!r})"

    def path(self, blob_id: str, part: int) -> str:
        """The object name of part ``part`` of ``blob_id``."""
        return f"{self._root}/{blob_id[:2]}/{blob_id}/{part}"

    def _dir(self, blob_id: str) -> str:
        return f"{self._root}/{blob_id[:2]}/{blob_id}"

    async def _run(self, what: str, fn: Any, *args: Any) -> Any:
        def call() -> Any:
            try:
                return fn(*args)
            except FileNotFoundError:
                raise
            except Exception as exc:
                # fsspec backends raise OSError mostly, but botocore, pyarrow ... have their
                # own errors: all of them are the storage failing, mapped here at the edge.
                raise StorageError(f"media storage: cannot {what}: {exc}") from exc

        return await trio.to_thread.run_sync(call, limiter=self._limiter)

    def _write_sync(self, path: str, make: Callable[[], bytes]) -> None:
        data = make()
        if not self._local:
            self._fs.pipe_file(path, data)
            return
        directory = os.path.dirname(path)
        self._dirs.ensure(directory)
        tmp = f"{path}.{secrets.token_hex(6)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        # The rename itself must survive a crash too: the directory is flushed after it,
        # by this thread or by one flushing the same directory for a later rename.
        self._dirs.sync(directory)

    async def write(self, blob_id: str, part: int, data: bytes) -> None:
        """Store ``data`` as part ``part`` of ``blob_id`` (replacing it); durable on return.

        Raises:
            StorageError: the storage failed.
        """
        await self.write_from(blob_id, part, lambda: data)

    async def write_from(self, blob_id: str, part: int, make: Callable[[], bytes]) -> None:
        """Store what ``make()`` returns as part ``part`` of ``blob_id``; durable on return.

        ``make`` runs in the worker thread, before the write: CPU work such as encryption
        (pycryptodome releases the GIL) stays off the Trio thread and runs in parallel.

        Raises:
            StorageError: the storage failed, or ``make`` raised.
        """
        await self._run("write", self._write_sync, self.path(blob_id, part), make)

    async def read(self, blob_id: str, part: int) -> bytes:
        """Part ``part`` of ``blob_id``.

        Raises:
            StorageError: it does not exist or the storage failed.
        """
        return await self.read_then(blob_id, part, bytes)

    async def read_then(self, blob_id: str, part: int, then: Callable[[bytes], T]) -> T:
        """``then(part ``part`` of ``blob_id``)``, computed in the worker thread (decryption
        off the Trio thread).

        Raises:
            StorageError: the part does not exist, the storage failed, or ``then`` raised.
        """
        path = self.path(blob_id, part)

        def read() -> T:
            return then(self._fs.cat_file(path))

        try:
            found: T = await self._run("read", read)
        except FileNotFoundError:
            raise StorageError(f"media storage: part {part} of {blob_id} is missing") from None
        return found

    def _delete_sync(self, blob_id: str, parts: Sequence[int]) -> None:
        paths = [self.path(blob_id, part) for part in parts]
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                self._fs.rm_file(path)
        if self._local:
            for directory in (self._dir(blob_id), os.path.dirname(self._dir(blob_id))):
                with contextlib.suppress(OSError):
                    os.rmdir(directory)  # only when empty

    async def delete(self, blob_id: str, parts: Sequence[int]) -> None:
        """Remove these parts of ``blob_id`` (missing ones are fine).

        Raises:
            StorageError: the storage failed.
        """
        await self._run("delete", self._delete_sync, blob_id, list(parts))

    def _delete_all_sync(self, blob_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._fs.rm(self._dir(blob_id), recursive=True)
        if self._local:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.dirname(self._dir(blob_id)))  # only when empty

    async def delete_all(self, blob_id: str) -> None:
        """Remove every part of ``blob_id``, including any no metadata knows of (a part
        written just before a crash, never acknowledged).

        Raises:
            StorageError: the storage failed.
        """
        await self._run("delete", self._delete_all_sync, blob_id)

    async def exists(self, blob_id: str, part: int) -> bool:
        """Whether part ``part`` of ``blob_id`` is stored."""
        found: bool = await self._run("check", self._fs.exists, self.path(blob_id, part))
        return found
