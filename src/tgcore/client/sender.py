"""The engine under :class:`~tgcore.client.Client`: one session over a succession of connections.

A :class:`Sender` owns the :class:`~tgcore.mtproto.session.ClientSession` and the requests
waiting for answers. While a connection is up it runs four small loops in a nursery of its
own: the reader (payloads -> session events -> waiting requests), the writer (session output ->
connection), the pinger (``ping_delay_disconnect``) and the acknowledgment flusher. When the
connection breaks, the loops stop, a new connection is made with backoff, and every request
that was sent and not answered goes out again (:meth:`ClientSession.resend_pending`), so the
callers simply keep waiting.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import trio

from tgcore.client._calls import Call, Calls
from tgcore.client._saver import SessionSaver
from tgcore.client.config import ClientConfig
from tgcore.client.connection import Connection, open_connection
from tgcore.client.errors import (
    ClientClosedError,
    ClientError,
    ConnectError,
    ConnectionLostError,
    RequestTimeoutError,
)
from tgcore.client.handshake import create_auth_key
from tgcore.client.updates import UpdateQueue
from tgcore.crypto import AuthKey, RsaPublicKey
from tgcore.errors import RemoteProtocolError, SecurityError, TgError, TransportError
from tgcore.mtproto.handshake import AuthKeyCreated
from tgcore.mtproto.session import ClientSession
from tgcore.storage import SessionData, SessionStore
from tgcore.tl import LAYER, TLRequest, functions

__all__ = ["Sender"]

log = logging.getLogger("tgcore.client")

# What breaks one connection (and is cured by another): I/O errors, the server closing or
# refusing (transport errors such as -404 / -429), broken framing, and a payload that failed
# decryption (the spec says: drop it and reconnect).
_LINK_ERRORS = (
    OSError,
    trio.BrokenResourceError,
    trio.ClosedResourceError,
    TransportError,
    RemoteProtocolError,
    SecurityError,
)
# MTProto service functions and wrappers: never wrapped in invokeWithLayer/initConnection.
_NOT_WRAPPED = frozenset(
    cls.CONSTRUCTOR_ID
    for cls in (
        functions.ReqPq,
        functions.ReqPqMulti,
        functions.ReqDHParams,
        functions.SetClientDHParams,
        functions.DestroyAuthKey,
        functions.RpcDropAnswer,
        functions.GetFutureSalts,
        functions.Ping,
        functions.PingDelayDisconnect,
        functions.DestroySession,
        functions.InvokeWithLayer,
        functions.InitConnection,
    )
)
_CLOSE_TIMEOUT = 1.0  # seconds granted to close a connection politely (WebSocket close frame)


@attrs.define(eq=False)
class _Link:
    """One live connection and why it ended."""

    connection: Connection
    session: ClientSession
    scope: trio.CancelScope | None = None
    reason: BaseException | None = None
    healthy: bool = False  # the server answered something over it

    def lose(self, reason: BaseException) -> None:
        if self.reason is None:
            self.reason = reason
        if self.scope is not None:
            self.scope.cancel()


class Sender:
    """Sends requests over one MTProto session and keeps the connection alive.

    :class:`~tgcore.client.Client` drives it: :meth:`start` makes the first connection (a
    new auth key if the store has none), then :meth:`run` and :meth:`persist` run in the
    client's nursery until cancelled, while any task calls :meth:`invoke`.

    Args:
        host: The server's address.
        port: The server's port.
        dc_id: The DC the server is (sent in the handshake; a stored key is used only for it).
        public_keys: The server RSA keys we trust.
        store: Where the session is loaded from and saved to.
        config: Client configuration.
        updates: Where pushed updates go.
        rng: Random bytes.
        clock: Unix time.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        dc_id: int,
        public_keys: Sequence[RsaPublicKey],
        store: SessionStore,
        config: ClientConfig,
        updates: UpdateQueue,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._host = host
        self._port = port
        self._dc_id = dc_id
        self._public_keys = list(public_keys)
        self._store = store
        self._config = config
        self._updates = updates
        self._rng = rng
        self._clock = clock
        self._auth_key: AuthKey | None = None
        self._session: ClientSession | None = None
        self._user_id: int | None = None
        self._saver = SessionSaver(store, self._snapshot)
        self._calls = Calls(updates, self._saver.mark_dirty)
        self._needs_init = True
        self._closed: ClientError | None = None
        self._connection: Connection | None = None  # the one being served or about to be
        self._failures = 0  # consecutive connections that failed or died before any answer
        self._last_error: BaseException | None = None
        self._wakeup = trio.Event()  # the writer has something to drain
        self._acks_due = trio.Event()  # acknowledgments are waiting
        self.handshakes = 0
        """How many auth keys this sender created (0 when the stored one was used)."""
        self.connections = 0
        """How many connections were established (1 + the reconnects)."""

    # -- state -----------------------------------------------------------------------------------

    @property
    def auth_key(self) -> AuthKey | None:
        """The auth key in use (None before :meth:`start` or while a new one is made)."""
        return self._auth_key

    @property
    def session(self) -> ClientSession | None:
        """The current MTProto session."""
        return self._session

    @property
    def connected(self) -> bool:
        """Whether a connection is up right now."""
        return self._connection is not None

    @property
    def closed(self) -> bool:
        """Whether the sender stopped for good (no request can be sent any more)."""
        return self._closed is not None

    # -- requests --------------------------------------------------------------------------------

    async def invoke(
        self, request: TLRequest, *, limit: float | None, wrappable: bool = True
    ) -> Any:
        """Send ``request`` and wait for its decoded result.

        Args:
            request: The TL function to call.
            limit: Seconds to wait (across reconnects), None for no limit.
            wrappable: Whether it may be wrapped in invokeWithLayer/initConnection when it is
                the first request of a connection.

        Raises:
            tgcore.errors.RpcError: the server answered rpc_error (see
                :func:`~tgcore.client.rpc_error` for the subclasses).
            RequestTimeoutError: no answer in time.
            BadMessageError: the server refused the message.
            ClientClosedError: the client closed before the answer came.
            ConnectionLostError: reconnecting was given up.
            tgcore.tl.TLDecodeError: the answer could not be decoded.
        """
        if not isinstance(request, TLRequest):
            raise TypeError(f"expected a TL function, not {type(request).__name__}")
        if self._closed is not None or self._session is None:
            raise self._closed_error()
        call = Call(request, wrappable and request.CONSTRUCTOR_ID not in _NOT_WRAPPED)
        self._submit(call)
        try:
            with trio.fail_after(math.inf if limit is None else limit):
                await call.done.wait()
        except trio.TooSlowError:
            raise RequestTimeoutError(
                f"no answer to {type(request).__name__} within {limit} s"
            ) from None
        finally:
            if not call.done.is_set():
                self._forget(call)
        if call.error is not None:
            raise call.error
        return call.result

    def _submit(self, call: Call) -> None:
        session = self._session
        assert session is not None
        request: TLRequest = call.request
        if call.wrappable and self._needs_init:
            request = functions.InvokeWithLayer(layer=LAYER, query=self._init_connection(request))
            # While disconnected every new request is wrapped: any of them may be the first to
            # reach the next connection (a caller may cancel the others before they leave).
            if self._connection is not None:
                self._needs_init = False
        self._calls.send(session, call, request)
        self._kick()

    def _init_connection(self, query: TLRequest) -> functions.InitConnection:
        config = self._config
        return functions.InitConnection(
            api_id=config.api_id,
            device_model=config.device_model,
            system_version=config.system_version,
            app_version=config.app_version,
            system_lang_code=config.system_lang_code,
            lang_pack="",
            lang_code=config.lang_code,
            query=query,
        )

    def _forget(self, call: Call) -> None:
        self._calls.forget(self._session, call)

    def _kick(self) -> None:
        self._wakeup.set()

    def _closed_error(self) -> ClientError:
        if isinstance(self._closed, ConnectionLostError):
            error: ClientError = ConnectionLostError(str(self._closed))
            error.__cause__ = self._closed.__cause__
            return error
        return ClientClosedError("the client is closed")

    # -- connecting ------------------------------------------------------------------------------

    async def start(self) -> Connection:
        """Load the session and make the first connection (and auth key, if none is stored).

        Returns the connection for :meth:`run`.

        Raises:
            ConnectError: the server could not be reached, or the attempt timed out.
            tgcore.errors.SecurityError: the handshake failed a security check.
            tgcore.errors.StorageError: the session store failed.
        """
        data = await self._store.load()
        if data is not None and data.dc_id == self._dc_id:
            self._auth_key = AuthKey(data.auth_key)
            self._user_id = data.user_id
            self._session = self._new_session(self._auth_key, data.salt, data.time_offset)
        try:
            with trio.fail_after(self._config.connect_timeout):
                return await self._establish()
        except trio.TooSlowError:
            raise ConnectError(
                f"connecting to {self._host}:{self._port} timed out"
                f" after {self._config.connect_timeout} s"
            ) from None
        except SecurityError:
            raise
        except _LINK_ERRORS as exc:
            raise ConnectError(f"could not connect to {self._host}:{self._port}: {exc}") from exc

    async def _establish(self) -> Connection:
        config = self._config
        connection = await open_connection(
            self._host,
            self._port,
            config.transport,
            rng=self._rng,
            max_frame_size=config.max_frame_size,
        )
        try:
            if self._auth_key is None:
                created = await create_auth_key(
                    connection,
                    self._public_keys,
                    dc_id=self._dc_id,
                    rng=self._rng,
                    clock=self._clock,
                )
                self._install_key(created)
                await self._saver.save()
        except BaseException:
            await trio.aclose_forcefully(connection)
            raise
        self.connections += 1
        self._connection = connection
        return connection

    def _new_session(self, auth_key: AuthKey, salt: int, time_offset: float) -> ClientSession:
        return ClientSession(
            auth_key, salt, rng=self._rng, clock=self._clock, time_offset=time_offset
        )

    def _install_key(self, created: AuthKeyCreated) -> None:
        """Switch to a new auth key: a new session, and every waiting request sent again."""
        self.handshakes += 1
        self._auth_key = created.auth_key
        self._session = self._new_session(created.auth_key, created.first_salt, created.time_offset)
        log.info("created a new auth key with %s:%s", self._host, self._port)
        self._needs_init = True
        for call in self._calls.take_all():
            self._submit(call)

    # -- running ---------------------------------------------------------------------------------

    async def run(self, connection: Connection) -> None:
        """Serve ``connection``, then reconnect each time it drops, until cancelled.

        Never raises (but Cancelled): when reconnecting is given up or fails a security check,
        every waiting and later request fails with that error instead.
        """
        try:
            while True:
                reason = await self._serve(connection)
                self._after_loss(reason)
                connection = await self._reconnect()
        except ConnectionLostError as exc:
            log.error("%s", exc)
            self._shutdown(exc)
        except SecurityError as exc:
            log.error("reconnecting failed a security check: %s", exc)
            self._shutdown(ConnectionLostError(f"security check failed: {exc}"))
        finally:
            self._shutdown(ClientClosedError("the client is closed"))

    def _after_loss(self, reason: BaseException | None) -> None:
        log.info("connection to %s:%s lost: %s", self._host, self._port, reason)
        if isinstance(reason, TransportError) and reason.code == -404:
            # The server does not know our auth key (its data was reset, or it dropped the
            # key): make a new one and send what is waiting again under it.
            log.warning("the server does not know our auth key; creating a new one")
            self._auth_key = None

    async def _reconnect(self) -> Connection:
        policy = self._config.reconnect
        while True:
            if policy.max_attempts is not None and self._failures >= policy.max_attempts:
                raise ConnectionLostError(
                    f"gave up reconnecting to {self._host}:{self._port}"
                    f" after {self._failures} failed attempts: {self._last_error!r}"
                ) from self._last_error
            await trio.sleep(policy.delay(self._failures, self._rng))
            try:
                with trio.fail_after(self._config.connect_timeout):
                    return await self._establish()
            except SecurityError:
                raise
            except (*_LINK_ERRORS, trio.TooSlowError) as exc:
                self._failures += 1
                self._last_error = exc
                log.info("reconnect attempt failed (%d in a row): %r", self._failures, exc)

    async def _serve(self, connection: Connection) -> BaseException | None:
        """Run the loops over ``connection`` until it breaks; returns why it broke."""
        session = self._session
        assert session is not None
        link = _Link(connection, session)
        self._calls.prepare_resend(session)
        try:
            async with trio.open_nursery() as nursery:
                link.scope = nursery.cancel_scope
                nursery.start_soon(self._read_loop, link)
                nursery.start_soon(self._write_loop, link)
                nursery.start_soon(self._ping_loop, link)
                nursery.start_soon(self._ack_loop, link)
                self._kick()
        finally:
            self._connection = None
            # The next connection starts with initConnection again.
            self._needs_init = True
            if not link.healthy:
                self._failures += 1
                self._last_error = link.reason
            with trio.CancelScope(shield=True, deadline=trio.current_time() + _CLOSE_TIMEOUT):
                await connection.aclose()
        return link.reason

    async def _read_loop(self, link: _Link) -> None:
        session = link.session
        try:
            while True:
                for payload in await link.connection.receive():
                    events = session.receive(payload)
                    if not link.healthy:
                        link.healthy = True
                        self._failures = 0
                    self._calls.dispatch(events)
                if session.pending_acks:
                    self._acks_due.set()
                # Receiving may have queued service answers (pongs, state info, re-sends).
                self._kick()
        except _LINK_ERRORS as exc:
            link.lose(exc)

    async def _write_loop(self, link: _Link) -> None:
        session = link.session
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup = trio.Event()
                payloads = session.data_to_send()
                if payloads:
                    await link.connection.send(payloads)
        except _LINK_ERRORS as exc:
            link.lose(exc)

    async def _ping_loop(self, link: _Link) -> None:
        config = self._config
        while True:
            await trio.sleep(config.ping_interval)
            ping = functions.PingDelayDisconnect(
                ping_id=int.from_bytes(self._rng(8), "little", signed=True),
                disconnect_delay=config.ping_disconnect_delay,
            )
            try:
                await self.invoke(ping, limit=config.ping_timeout, wrappable=False)
            except RequestTimeoutError as exc:
                link.lose(exc)
                return
            except TgError as exc:
                log.warning("keep-alive ping failed: %r", exc)

    async def _ack_loop(self, link: _Link) -> None:
        session = link.session
        while True:
            await self._acks_due.wait()
            await trio.sleep(self._config.ack_delay)
            self._acks_due = trio.Event()
            if session.pending_acks:
                session.flush_acks()
                self._kick()

    def _shutdown(self, error: ClientError) -> None:
        if self._closed is None:
            self._closed = error
        self._calls.fail_all(self._closed_error)
        self._updates.close()

    # -- persistence -----------------------------------------------------------------------------

    def _snapshot(self) -> SessionData | None:
        if self._auth_key is None or self._session is None:
            return None
        return SessionData(
            dc_id=self._dc_id,
            host=self._host,
            port=self._port,
            auth_key=self._auth_key.key,
            salt=self._session.salt,
            time_offset=self._session.time_offset,
            user_id=self._user_id,
        )

    async def persist(self) -> None:
        """Save the session whenever it changes (a new salt), until cancelled; then a last time."""
        await self._saver.run()
