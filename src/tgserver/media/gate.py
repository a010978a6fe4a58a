"""Keeps a file's parts from landing while the file is being finished."""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager

import attrs
import trio

__all__ = ["UploadGate"]


@attrs.define(eq=False)
class _State:
    active: int = 0
    closing: bool = False
    idle: trio.Event = attrs.field(factory=trio.Event)


class UploadGate:
    """Many part writers or one finisher per upload, never both.

    Parts of one file are written in parallel (several connections); turning the file into a
    document must not race with a part still being written into the same blobs.
    """

    def __init__(self) -> None:
        self._states: dict[Hashable, _State] = {}

    def busy(self, key: Hashable) -> bool:
        """Whether anything holds ``key`` now."""
        return key in self._states

    @asynccontextmanager
    async def writing(self, key: Hashable) -> AsyncIterator[bool]:
        """Hold ``key`` as a part writer; yields False (and holds nothing) while it is being
        finished."""
        state = self._states.get(key)
        if state is not None and state.closing:
            yield False
            return
        if state is None:
            state = self._states[key] = _State()
        state.active += 1
        try:
            yield True
        finally:
            state.active -= 1
            if state.active == 0:
                state.idle.set()
                if not state.closing:
                    del self._states[key]

    @asynccontextmanager
    async def finishing(self, key: Hashable) -> AsyncIterator[bool]:
        """Hold ``key`` alone once its writers are done; yields False when another finisher
        holds it."""
        state = self._states.get(key)
        if state is not None and state.closing:
            yield False
            return
        if state is None:
            state = self._states[key] = _State()
        state.closing = True
        try:
            if state.active:
                state.idle = trio.Event()
                await state.idle.wait()
            yield True
        finally:
            del self._states[key]
