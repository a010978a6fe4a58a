"""The public Trio client: connect, call typed requests, receive updates."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import trio

from tgcore.client.config import ClientConfig
from tgcore.client.errors import ClientClosedError
from tgcore.client.sender import Sender
from tgcore.client.updates import UpdateQueue
from tgcore.crypto import AuthKey, RsaPublicKey
from tgcore.errors import LocalProtocolError
from tgcore.storage import MemorySessionStore, SessionStore
from tgcore.tl import Reader, TLRequest

__all__ = ["Client", "Request"]

_T_co = TypeVar("_T_co", covariant=True)
_T = TypeVar("_T")


class Request(Protocol[_T_co]):
    """A TL function whose answer decodes to ``_T_co`` (every generated ``functions`` class).

    Used to type :meth:`Client.__call__`: ``await client(functions.Ping(ping_id=1))`` is
    typed as the function's result (``types.Pong`` here).
    """

    def read_result(self, reader: Reader, /) -> _T_co:
        """Decode the function's result."""
        ...

    def to_bytes(self) -> bytes:
        """The boxed encoding of the call."""
        ...


def _public_keys(keys: RsaPublicKey | bytes | str | Sequence[RsaPublicKey]) -> list[RsaPublicKey]:
    if isinstance(keys, bytes | str):
        return [RsaPublicKey.from_pem(keys)]
    if isinstance(keys, RsaPublicKey):
        return [keys]
    result = list(keys)
    if not result or not all(isinstance(k, RsaPublicKey) for k in result):
        raise TypeError("public_key must be an RsaPublicKey, a PEM, or a list of RsaPublicKey")
    return result


class Client:
    """A Trio MTProto client for one DC.

    Use it as an async context manager: entering connects (creating an auth key if the
    session store has none, and saving it), exiting disconnects. Background work (reading,
    writing, keep-alive pings, acknowledgments, reconnecting, saving the session) runs in a
    nursery the context manager owns. Several clients can be open at once; enter them with
    nested ``async with`` blocks or an :class:`~contextlib.AsyncExitStack`, which exit them in
    the reverse order, as Trio's nurseries require.

    ```python
    store = SqliteSessionStore("me.session")
    async with Client("127.0.0.1", 8443, public_key=pem, session=store) as client:
        config = await client(functions.help.GetConfig())
    ```

    Args:
        host: The server's address.
        port: The server's port.
        public_key: The server's RSA public key (an :class:`~tgcore.crypto.RsaPublicKey`, its
            PEM, or a list of keys).
        session: Where the auth key and salt are kept; a fresh :class:`MemorySessionStore`
            (a new key every run) by default.
        config: Identity sent in initConnection, transport, timeouts, pings, reconnection.
        dc_id: The DC id of the server (sent in the handshake; a stored key is reused only
            for the same DC).
        rng: Random bytes (``os.urandom``; tests inject a seeded one).
        clock: Unix time (``time.time``).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        public_key: RsaPublicKey | bytes | str | Sequence[RsaPublicKey],
        session: SessionStore | None = None,
        config: ClientConfig | None = None,
        dc_id: int = 2,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config = config or ClientConfig()
        self._store = session if session is not None else MemorySessionStore()
        self._updates = UpdateQueue(config.updates_capacity)
        self._sender = Sender(
            host=host,
            port=port,
            dc_id=dc_id,
            public_keys=_public_keys(public_key),
            store=self._store,
            config=config,
            updates=self._updates,
            rng=rng,
            clock=clock,
        )
        self._host = host
        self._port = port
        self._dc_id = dc_id
        self._nursery_manager: AbstractAsyncContextManager[trio.Nursery] | None = None
        self._nursery: trio.Nursery | None = None
        self._stopped = trio.Event()
        self._running = 0

    # -- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._nursery_manager is not None or self._sender.closed:
            raise LocalProtocolError("a Client can be entered only once")
        connection = await self._sender.start()
        manager = trio.open_nursery()
        try:
            nursery = await manager.__aenter__()
        except BaseException:
            await trio.aclose_forcefully(connection)
            raise
        self._nursery_manager, self._nursery = manager, nursery
        self._spawn(self._sender.run, connection)
        self._spawn(self._sender.persist)
        return self

    def _spawn(self, fn: Callable[..., Any], *args: Any) -> None:
        assert self._nursery is not None
        self._running += 1

        async def tracked() -> None:
            try:
                await fn(*args)
            finally:
                self._running -= 1
                if not self._running:
                    self._stopped.set()

        self._nursery.start_soon(tracked)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        manager, nursery = self._nursery_manager, self._nursery
        assert manager is not None and nursery is not None
        nursery.cancel_scope.cancel()
        # The body's own exception is not passed in: it did not come from the background
        # tasks, and the nursery would wrap it in an ExceptionGroup. It propagates as is.
        await manager.__aexit__(None, None, None)

    async def disconnect(self) -> None:
        """Stop: close the connection, fail waiting requests with :class:`ClientClosedError`.

        Safe to call more than once; the ``async with`` block calls it implicitly (its exit
        additionally waits for the background nursery).
        """
        if self._nursery is None:
            await trio.lowlevel.checkpoint()
            return
        self._nursery.cancel_scope.cancel()
        await self._stopped.wait()

    # -- requests --------------------------------------------------------------------------------

    async def __call__(self, request: Request[_T]) -> _T:
        """Send ``request`` and return its decoded result.

        The first request of every connection travels wrapped in
        ``invokeWithLayer(LAYER, initConnection(..., query))``. If the connection drops while
        waiting, the client reconnects and sends the request again; the call only returns
        once it is answered.

        Args:
            request: A TL function, e.g. ``functions.help.GetConfig()``.

        Raises:
            tgcore.errors.RpcError: the server answered rpc_error (a subclass by code, or
                :class:`~tgcore.errors.FloodWait` for ``FLOOD_WAIT_N``).
            RequestTimeoutError: no answer within ``config.request_timeout`` (reconnects
                included). For a tighter bound on one call, wrap it in
                :func:`trio.fail_after`: cancelling a call is always safe.
            ClientClosedError: the client is closed or closing.
            ConnectionLostError: reconnecting was given up.
            BadMessageError: the server refused the message itself.
        """
        if self._nursery is None:
            raise ClientClosedError("the client is not connected: use `async with Client(...)`")
        if not isinstance(request, TLRequest):
            raise TypeError(f"expected a TL function, not {type(request).__name__}")
        result: _T = await self._sender.invoke(request, limit=self._config.request_timeout)
        return result

    invoke = __call__

    # -- state -----------------------------------------------------------------------------------

    @property
    def updates(self) -> UpdateQueue:
        """The updates the server pushes, oldest first (``async for update in client.updates``).

        Bounded by ``config.updates_capacity``: when nobody reads, the oldest are dropped with
        a warning log (see :class:`UpdateQueue`). The iteration ends when the client closes.
        """
        return self._updates

    @property
    def auth_key(self) -> AuthKey | None:
        """The auth key in use (None before connecting)."""
        return self._sender.auth_key

    @property
    def session_id(self) -> int | None:
        """The current MTProto session id (None before connecting)."""
        session = self._sender.session
        return None if session is None else session.session_id

    @property
    def config(self) -> ClientConfig:
        """The configuration."""
        return self._config

    @property
    def session_store(self) -> SessionStore:
        """The session store in use."""
        return self._store

    @property
    def host(self) -> str:
        """The server's address."""
        return self._host

    @property
    def port(self) -> int:
        """The server's port."""
        return self._port

    @property
    def dc_id(self) -> int:
        """The DC id of the server."""
        return self._dc_id

    @property
    def connected(self) -> bool:
        """Whether a connection is up right now (False while reconnecting)."""
        return self._sender.connected

    @property
    def sender(self) -> Sender:
        """The engine underneath (connection counters for tests and benchmarks)."""
        return self._sender
