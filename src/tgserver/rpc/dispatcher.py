"""The RPC dispatcher: a query's constructor id -> the async handler that answers it."""

from __future__ import annotations

import logging
import struct
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import attrs

from tgcore.errors import RpcError, TgError
from tgcore.tl import FUNCTIONS, LAYER, Reader, TLObject, TLRequest, functions
from tgcore.tl.errors import UnknownConstructorError
from tgserver.rpc.calls import SessionCalls
from tgserver.rpc.context import ConnectionInfo, RequestContext
from tgserver.rpc.errors import (
    INPUT_CONSTRUCTOR_INVALID,
    INPUT_FETCH_ERROR,
    INTERNAL,
    input_method_invalid,
)
from tgserver.rpc.wrappers import unwrap
from tgserver.store.records import ClientInfo

__all__ = [
    "Call",
    "ClientInfoSink",
    "Dispatcher",
    "Handler",
    "UserLookup",
]

log = logging.getLogger(__name__)

R = TypeVar("R", bound=TLRequest)


class Handler(Protocol):
    """``async def handler(ctx, request) -> result``: a TL object or its serialization.

    Raise :class:`tgcore.errors.RpcError` to answer with an rpc_error.
    """

    def __call__(self, ctx: RequestContext, request: Any, /) -> Awaitable[TLObject | bytes]: ...


class ClientInfoSink(Protocol):
    """Called with (auth_key_id, client, layer) when a session announces new values."""

    def __call__(
        self, auth_key_id: int, client: ClientInfo | None, layer: int | None, /
    ) -> Awaitable[None]: ...


class UserLookup(Protocol):
    """The account logged in with an auth key (None before login)."""

    def __call__(self, auth_key_id: int, /) -> Awaitable[int | None]: ...


_DECODE_ERRORS = (TgError, ValueError, struct.error, RecursionError)

#: Calls that do not subscribe a session to updates: what clients send on connections they
#: open for file transfers (Telegram pushes nothing there, and Kurigram would hand such
#: pushes to its handlers a second time).
_NO_UPDATES = frozenset(
    f.CONSTRUCTOR_ID
    for f in (
        functions.help.GetConfig,
        functions.help.GetNearestDc,
        functions.Ping,
        functions.PingDelayDisconnect,
        functions.upload.SaveFilePart,
        functions.upload.SaveBigFilePart,
        functions.upload.GetFile,
        functions.upload.GetFileHashes,
        functions.auth.ImportAuthorization,
        functions.auth.ExportAuthorization,
    )
)


async def _no_user(auth_key_id: int) -> int | None:
    return None


async def _forget_client(auth_key_id: int, client: ClientInfo | None, layer: int | None) -> None:
    return None


@attrs.frozen
class Call:
    """One query to dispatch, as the gateway received it.

    Attributes:
        msg_id: The msg_id the answer refers to.
        body: The query's bytes, wrappers included (gzip_packed already undone).
        session: The session's call state (layer, client info, running calls).
        connection: Where the query came from.
    """

    msg_id: int
    body: bytes
    session: SessionCalls
    connection: ConnectionInfo = attrs.field(factory=ConnectionInfo)


class Dispatcher:
    """Decodes queries, unwraps them and runs the handler registered for their constructor id.

    Args:
        remember_client: Persists what ``initConnection``/``invokeWithLayer`` announced for
            an auth key (the gateway stores it with the key).
        lookup_user: Tells which account an auth key is logged in to (None before login);
            handlers see it as ``ctx.user_id``.

    Example:
        ```python
        dispatcher = Dispatcher()

        @dispatcher.handler(functions.help.GetNearestDc)
        async def nearest_dc(ctx: RequestContext, request: functions.help.GetNearestDc):
            return types.NearestDc(country="ZZ", this_dc=2, nearest_dc=2)
        ```
    """

    def __init__(
        self,
        *,
        remember_client: ClientInfoSink = _forget_client,
        lookup_user: UserLookup = _no_user,
    ) -> None:
        self._handlers: dict[int, tuple[type[TLRequest], Handler]] = {}
        self._remember_client = remember_client
        self._lookup_user = lookup_user

    def add(
        self, request_type: type[R], handler: Callable[[RequestContext, R], Awaitable[Any]]
    ) -> None:
        """Register ``handler`` for ``request_type`` (replacing an earlier one)."""
        self._handlers[request_type.CONSTRUCTOR_ID] = (request_type, handler)

    def handler(
        self, request_type: type[R]
    ) -> Callable[
        [Callable[[RequestContext, R], Awaitable[Any]]],
        Callable[[RequestContext, R], Awaitable[Any]],
    ]:
        """Decorator form of :meth:`add`."""

        def register(
            fn: Callable[[RequestContext, R], Awaitable[Any]],
        ) -> Callable[[RequestContext, R], Awaitable[Any]]:
            self.add(request_type, fn)
            return fn

        return register

    def handles(self, constructor_id: int) -> bool:
        """Whether a handler is registered for this constructor id."""
        return constructor_id in self._handlers

    async def dispatch(self, call: Call) -> bytes:
        """Answer one query: the serialized result.

        Raises:
            RpcError: the answer is an rpc_error: what a handler raised, or one of the
                dispatcher's own (see :mod:`tgserver.rpc.errors`). Any other exception of a
                handler is logged with its traceback and becomes ``500 INTERNAL``.
        """
        unwrapped = unwrap(call.body)
        session = call.session
        await self._note_wrappers(session, unwrapped.layer, unwrapped.client)
        if unwrapped.after:
            await session.tracker.wait_for(unwrapped.after, before=call.msg_id)
        cid = unwrapped.constructor_id
        if not session.wants_updates and not unwrapped.without_updates:
            session.wants_updates = cid not in _NO_UPDATES
        entry = self._handlers.get(cid)
        if entry is None:
            known = FUNCTIONS.get(cid)
            what = f"{known.TL_NAME} is not implemented yet" if known else "unknown method"
            log.info("answering INPUT_METHOD_INVALID: %s (0x%08x)", what, cid)
            raise input_method_invalid(cid)
        request_type, handler = entry
        request = self._decode(request_type, unwrapped.query)
        try:
            ctx = RequestContext(
                auth_key_id=session.auth_key_id,
                session_id=session.session_id,
                msg_id=call.msg_id,
                layer=session.layer if session.layer is not None else LAYER,
                client=session.client,
                connection=call.connection,
                user_id=await self._lookup_user(session.auth_key_id),
                without_updates=unwrapped.without_updates,
            )
            result = await handler(ctx, request)
            data = result if isinstance(result, bytes) else result.to_bytes()
        except RpcError:
            raise
        except Exception as exc:
            # Never a crashed connection: the client gets "retry later", the log the traceback.
            log.exception("handler of %s failed", request_type.TL_NAME)
            raise RpcError(500, INTERNAL) from exc
        if len(data) < 4 or len(data) % 4:
            log.error("handler of %s returned %d bytes", request_type.TL_NAME, len(data))
            raise RpcError(500, INTERNAL)
        return data

    @staticmethod
    def _decode(request_type: type[R], query: bytes) -> R:
        reader = Reader(query)
        try:
            reader.read_uint()
            request = request_type.from_reader(reader)
            if reader.remaining():
                raise RpcError(
                    400, INPUT_FETCH_ERROR, f"{reader.remaining()} bytes after the query"
                )
        except UnknownConstructorError as exc:
            raise RpcError(400, INPUT_CONSTRUCTOR_INVALID, str(exc)) from exc
        except RpcError:
            raise
        except _DECODE_ERRORS as exc:
            raise RpcError(400, INPUT_FETCH_ERROR, str(exc)) from exc
        return request

    async def _note_wrappers(
        self, session: SessionCalls, layer: int | None, client: ClientInfo | None
    ) -> None:
        changed = False
        if layer is not None and layer != session.layer:
            session.layer, changed = layer, True
            if layer != LAYER and not session.layer_noted:
                session.layer_noted = True
                log.info("a client speaks layer %d; this server speaks %d", layer, LAYER)
        if client is not None and client != session.client:
            session.client, changed = client, True
        if changed:
            try:
                await self._remember_client(session.auth_key_id, session.client, session.layer)
            except Exception:
                # Losing the client info is not worth failing the call it came with.
                log.warning("could not store initConnection info", exc_info=True)
