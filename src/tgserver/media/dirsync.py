"""Directory flushes for the local blob store, shared between the parts that need them.

A part lands by renaming a flushed temporary file into its blob directory; the new directory
entry is durable only once the *directory* is flushed (``fsync`` on it) after the rename. Parts
of one file are written by several worker threads at once into the same directory, and one
directory flush covers every rename done before it started. :meth:`DirectorySync.sync` is
therefore a group flush (the scheme of database group commit): a thread whose rename is done
either flushes the directory itself or waits for a flush that started after its rename, so
eight parts in flight cost about one directory flush instead of eight.

A blob directory that was just created also needs its own entry made durable: the first part
into it flushes its parent directories up to the store's root (once per directory; a directory
seen before skips this).
"""

from __future__ import annotations

import os
import threading
from typing import Final

import attrs

__all__ = ["DirectorySync", "fsync_directory"]

#: Directories remembered as durable before the memory is cleared (then flushed again once).
_KNOWN_LIMIT: Final = 4096


def fsync_directory(path: str) -> None:
    """Flush a directory's entries to disk (blocking)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _makedirs(path: str) -> bool:
    """``os.makedirs(path, exist_ok=True)``; whether any directory was created."""
    if os.path.isdir(path):
        return False
    parent = os.path.dirname(path)
    if parent and parent != path:
        _makedirs(parent)
    try:
        os.mkdir(path)
    except FileExistsError:
        return False
    return True


@attrs.define(eq=False)
class _Directory:
    #: Renames announced so far / covered by a finished flush.
    requested: int = 0
    synced: int = 0
    flushing: bool = False
    waiters: int = 0


class DirectorySync:
    """Group flushes of directories, called from worker threads (thread-safe).

    Args:
        root: The store's root: new directories are made durable up to its parent.
    """

    def __init__(self, root: str) -> None:
        self._root = os.path.abspath(root)
        self._cond = threading.Condition()
        self._dirs: dict[str, _Directory] = {}
        self._known: set[str] = set()
        #: Directory flushes done (tests and benchmarks read it).
        self.flushes = 0

    def ensure(self, directory: str) -> None:
        """Create ``directory`` if needed, its entry and its parents' durable."""
        created = _makedirs(directory)
        with self._cond:
            known = directory in self._known
        if known and not created:
            return
        path = os.path.abspath(directory)
        while path != self._root and len(path) > len(self._root):
            path = os.path.dirname(path)
            fsync_directory(path)
        fsync_directory(os.path.dirname(self._root) or "/")
        with self._cond:
            if len(self._known) >= _KNOWN_LIMIT:
                self._known.clear()
            self._known.add(directory)

    def sync(self, directory: str) -> None:
        """Return once a flush of ``directory`` that began after this call is done."""
        with self._cond:
            state = self._dirs.get(directory)
            if state is None:
                state = self._dirs[directory] = _Directory()
            state.requested += 1
            mine = state.requested
            state.waiters += 1
            try:
                while state.synced < mine:
                    if state.flushing:
                        self._cond.wait()
                        continue
                    # Lead a flush covering every rename announced so far.
                    state.flushing = True
                    target = state.requested
                    self._cond.release()
                    try:
                        fsync_directory(directory)
                    finally:
                        # On failure the waiters retry (and fail) on their own.
                        self._cond.acquire()
                        state.flushing = False
                        self._cond.notify_all()
                    state.synced = max(state.synced, target)
                    self.flushes += 1
            finally:
                state.waiters -= 1
                if not state.waiters and not state.flushing:
                    del self._dirs[directory]
