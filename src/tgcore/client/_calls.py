"""The requests waiting for answers, and how session events complete them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import attrs
import trio

from tgcore.client.errors import BadMessageError, rpc_error
from tgcore.client.updates import UpdateQueue
from tgcore.mtproto.session import (
    BadMessage,
    ClientEvent,
    ClientSession,
    MalformedMessage,
    NewSession,
    RpcErrorReceived,
    RpcResult,
    SaltChanged,
    UpdateReceived,
)
from tgcore.tl import TLObject, TLRequest, functions

__all__ = ["Call", "Calls"]

log = logging.getLogger("tgcore.client")

# Answered by the server's session layer, which does not replay those answers for a repeated
# msg_id the way it replays rpc_results: after a reconnect they go out under new msg_ids.
_RESEND_FRESH = frozenset(
    cls.CONSTRUCTOR_ID
    for cls in (
        functions.Ping,
        functions.PingDelayDisconnect,
        functions.GetFutureSalts,
        functions.DestroySession,
    )
)


@attrs.define(eq=False)
class Call:
    """A request waiting for its answer; ``key`` is the msg_id the session tracks it by."""

    request: TLRequest
    wrappable: bool
    key: int = 0
    done: trio.Event = attrs.field(factory=trio.Event)
    result: Any = None
    error: BaseException | None = None

    def resolve(self, result: Any) -> None:
        """Complete with ``result`` (ignored if already complete)."""
        if not self.done.is_set():
            self.result = result
            self.done.set()

    def fail(self, error: BaseException) -> None:
        """Complete with ``error`` (ignored if already complete)."""
        if not self.done.is_set():
            self.error = error
            self.done.set()


class Calls:
    """The waiting requests, by session key; routes session events to them.

    Args:
        updates: Where updates pushed by the server go.
        on_salt_changed: Called when the session adopted a new salt (to save it).
    """

    def __init__(self, updates: UpdateQueue, on_salt_changed: Callable[[], None]) -> None:
        self._by_key: dict[int, Call] = {}
        self._updates = updates
        self._on_salt_changed = on_salt_changed

    def __len__(self) -> int:
        return len(self._by_key)

    def send(self, session: ClientSession, call: Call, request: TLRequest) -> None:
        """Queue ``request`` (``call.request``, possibly wrapped) in ``session`` for ``call``."""
        call.key = session.send(request)
        self._by_key[call.key] = call

    def forget(self, session: ClientSession | None, call: Call) -> None:
        """Stop waiting for ``call`` (its caller gave up); a late answer is then dropped."""
        if self._by_key.get(call.key) is call:
            del self._by_key[call.key]
            if session is not None:
                session.cancel(call.key)

    def take_all(self) -> list[Call]:
        """Remove and return every waiting call, oldest first (to send them in a new session)."""
        calls = sorted(self._by_key.values(), key=lambda c: c.key)
        self._by_key.clear()
        return calls

    def prepare_resend(self, session: ClientSession) -> None:
        """After a reconnect: queue what the previous connection may have lost."""
        for call in sorted(self._by_key.values(), key=lambda c: c.key):
            if call.request.CONSTRUCTOR_ID in _RESEND_FRESH:
                session.cancel(call.key)
                del self._by_key[call.key]
                self.send(session, call, call.request)
        # Queries keep their msg_ids: a server that got them answers again, not twice.
        session.resend_pending()

    def fail_all(self, make_error: Callable[[], BaseException]) -> None:
        """Fail every waiting call with a fresh ``make_error()``."""
        for call in self.take_all():
            call.fail(make_error())

    def dispatch(self, events: list[ClientEvent]) -> None:
        """Complete the calls the events answer; hand updates over; note salt changes."""
        calls = self._by_key
        for event in events:
            if isinstance(event, RpcResult):
                call = calls.pop(event.req_msg_id, None)
                if call is None:
                    continue  # the caller gave up (timeout or cancellation)
                if event.decode_error is not None:
                    call.fail(event.decode_error)
                else:
                    call.resolve(event.result)
            elif isinstance(event, RpcErrorReceived):
                call = calls.pop(event.req_msg_id, None)
                if call is not None:
                    call.fail(rpc_error(event.code, event.name))
            elif isinstance(event, BadMessage):
                call = calls.pop(event.msg_id, None)
                if call is not None:
                    call.fail(BadMessageError(event.code))
            elif isinstance(event, UpdateReceived):
                if isinstance(event.obj, TLObject):
                    self._updates.put(event.obj)
                else:
                    log.warning("dropped an update that could not be decoded")
            elif isinstance(event, SaltChanged):
                self._on_salt_changed()
            elif isinstance(event, NewSession):
                log.debug("the server started a new session (first msg_id %d)", event.first_msg_id)
            elif isinstance(event, MalformedMessage):
                log.warning("dropped a malformed message from the server: %s", event.reason)
