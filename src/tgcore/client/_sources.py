"""Where upload bytes come from and download bytes go: files, buffers, file objects.

Blocking reads and writes run on worker threads (``trio.to_thread``); a file named by a path
is read and written with ``os.pread`` / ``os.pwrite`` so parallel transfers need no lock.
"""

from __future__ import annotations

import os
from typing import BinaryIO, Protocol

import trio

__all__ = ["Sink", "Source", "open_sink", "open_source"]

PathLike = str | os.PathLike[str]
SourceLike = PathLike | bytes | bytearray | memoryview | BinaryIO
DestLike = PathLike | BinaryIO


class Source(Protocol):
    """Random-access reads from what is uploaded."""

    size: int

    async def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (fewer only at the end)."""
        ...

    async def aclose(self) -> None:
        """Release what the source holds."""
        ...


class _BufferSource:
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._view = memoryview(data).cast("B")
        self.size = len(self._view)

    async def read(self, offset: int, length: int) -> bytes:
        await trio.lowlevel.checkpoint()
        return bytes(self._view[offset : offset + length])

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()


class _PathSource:
    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self.size = size

    @classmethod
    async def open(cls, path: PathLike) -> _PathSource:
        fd = await trio.to_thread.run_sync(os.open, os.fspath(path), os.O_RDONLY)
        return cls(fd, os.fstat(fd).st_size)

    async def read(self, offset: int, length: int) -> bytes:
        return await trio.to_thread.run_sync(os.pread, self._fd, length, offset)

    async def aclose(self) -> None:
        os.close(self._fd)
        await trio.lowlevel.checkpoint()


class _StreamSource:
    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._lock = trio.Lock()  # one seek+read at a time: file objects have one position
        self.size = size

    @classmethod
    async def open(cls, stream: BinaryIO) -> _StreamSource:
        size = await trio.to_thread.run_sync(stream.seek, 0, os.SEEK_END)
        return cls(stream, size)

    def _read(self, offset: int, length: int) -> bytes:
        self._stream.seek(offset)
        return self._stream.read(length)

    async def read(self, offset: int, length: int) -> bytes:
        async with self._lock:
            return await trio.to_thread.run_sync(self._read, offset, length)

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()  # the caller's stream stays open


async def open_source(source: SourceLike) -> Source:
    """A :class:`Source` over a path, a buffer, or a seekable binary file object."""
    if isinstance(source, bytes | bytearray | memoryview):
        return _BufferSource(source)
    if isinstance(source, str | os.PathLike):
        return await _PathSource.open(source)
    if hasattr(source, "read") and hasattr(source, "seek"):
        return await _StreamSource.open(source)
    raise TypeError(f"cannot upload from {type(source).__name__}: give a path, bytes or a file")


class Sink(Protocol):
    """Random-access writes into what a download fills."""

    async def write(self, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset``."""
        ...

    async def aclose(self) -> None:
        """Flush and release."""
        ...


class _PathSink:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    @classmethod
    async def open(cls, path: PathLike) -> _PathSink:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        return cls(await trio.to_thread.run_sync(os.open, os.fspath(path), flags, 0o644))

    def _write(self, offset: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, offset)
            view, offset = view[written:], offset + written

    async def write(self, offset: int, data: bytes) -> None:
        await trio.to_thread.run_sync(self._write, offset, data)

    async def aclose(self) -> None:
        os.close(self._fd)
        await trio.lowlevel.checkpoint()


class _StreamSink:
    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = trio.Lock()

    def _write(self, offset: int, data: bytes) -> None:
        self._stream.seek(offset)
        self._stream.write(data)

    async def write(self, offset: int, data: bytes) -> None:
        async with self._lock:
            await trio.to_thread.run_sync(self._write, offset, data)

    async def aclose(self) -> None:
        await trio.to_thread.run_sync(self._stream.flush)


async def open_sink(dest: DestLike) -> Sink:
    """A :class:`Sink` over a path (created or truncated) or a seekable binary file object."""
    if isinstance(dest, str | os.PathLike):
        return await _PathSink.open(dest)
    if hasattr(dest, "write") and hasattr(dest, "seek"):
        return _StreamSink(dest)
    raise TypeError(f"cannot download into {type(dest).__name__}: give a path or a file")
