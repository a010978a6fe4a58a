"""Per-session call bookkeeping: the layer and client a session announced, and which calls are
still running (for ``invokeAfterMsg``)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import trio

from tgserver.store.records import ClientInfo

__all__ = ["CallTracker", "SessionCalls"]


class CallTracker:
    """The calls of one session that are running, so later calls can wait for them.

    The gateway calls :meth:`started` when a call is received (in arrival order, before any
    of them runs) and :meth:`finished` when it has been answered. Only running calls are
    remembered: waiting for an id that is not running (already answered, never seen, or
    forgotten after a reconnect) returns at once, so memory stays bounded by the calls in
    flight.
    """

    def __init__(self) -> None:
        self._running: dict[int, trio.Event] = {}

    def __len__(self) -> int:
        return len(self._running)

    def started(self, msg_id: int) -> None:
        """A call with this msg_id was received and will run."""
        self._running.setdefault(msg_id, trio.Event())

    def finished(self, msg_id: int) -> None:
        """The call with this msg_id was answered (or given up); wake whoever waits for it."""
        event = self._running.pop(msg_id, None)
        if event is not None:
            event.set()

    def is_running(self, msg_id: int) -> bool:
        """Whether the call ``msg_id`` was started and has not finished."""
        return msg_id in self._running

    async def wait_for(self, msg_ids: Iterable[int], *, before: int) -> None:
        """Wait until every call in ``msg_ids`` sent before ``before`` has finished.

        Only earlier calls are waited for: msg_ids grow with time, so a call can only follow
        older ones, and two calls that name each other cannot deadlock.
        """
        for msg_id in msg_ids:
            event = self._running.get(msg_id) if msg_id < before else None
            if event is not None:
                await event.wait()


@attrs.define(eq=False)
class SessionCalls:
    """What the dispatcher remembers about one session of an auth key.

    Attributes:
        auth_key_id: The session's auth key.
        session_id: The client's session id.
        layer: The layer from the last ``invokeWithLayer`` (seeded from the auth key).
        client: The last ``initConnection`` info (seeded from the auth key).
        tracker: The session's running calls.
        layer_noted: A layer other than the server's was already logged for this session.
        wants_updates: The session made a call that subscribes it to updates. Like Telegram,
            the server pushes updates only to such sessions, so a connection a client opened
            just for file transfers (Kurigram's media sessions) gets none.
    """

    auth_key_id: int
    session_id: int
    layer: int | None = None
    client: ClientInfo | None = None
    tracker: CallTracker = attrs.field(factory=CallTracker)
    layer_noted: bool = False
    wants_updates: bool = False
