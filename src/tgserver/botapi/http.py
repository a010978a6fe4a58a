"""A small HTTP/1.1 (h11) and HTTP/2 (h2, prior knowledge) server on Trio.

One task per connection; HTTP/1.1 connections are kept alive between requests, HTTP/2 ones
run each stream in its own task. A connection that starts with the HTTP/2 preface speaks
HTTP/2 (``h2c`` with prior knowledge: plain TCP has no ALPN); anything else is HTTP/1.1.
Malformed HTTP gets ``400`` and the connection is closed; a body over the limit gets ``413``;
the listener keeps serving everyone else. The application is one async function from
:class:`HttpRequest` to :class:`HttpResponse`, whose body may be bytes or an async iterator
(file downloads stream, they are never loaded whole).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Final

import attrs
import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import h11
import trio

__all__ = [
    "H2_PREFACE",
    "HttpLimits",
    "HttpRequest",
    "HttpResponse",
    "serve_http",
]

log = logging.getLogger(__name__)

#: The first bytes of every HTTP/2 connection.
H2_PREFACE: Final = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_READ = 65536


@attrs.frozen
class HttpLimits:
    """What one request and one connection may use.

    Attributes:
        max_body: Largest request body, in bytes (over it: 413).
        max_header: Largest request head (request line and headers), in bytes.
        idle_timeout: Seconds a kept-alive connection may stay silent.
        request_timeout: Seconds a client has to send a whole request once started.
        max_connections: Simultaneous connections; more are closed at once.
        max_streams: Concurrent requests on one HTTP/2 connection.
    """

    max_body: int = 52 * 1024 * 1024
    max_header: int = 64 * 1024
    idle_timeout: float = 120.0
    request_timeout: float = 120.0
    max_connections: int = 10_000
    max_streams: int = 100


@attrs.frozen
class HttpRequest:
    """A whole request: method, target (path and query), headers (lower-case names) and body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    http_version: str = "1.1"

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None


@attrs.frozen
class HttpResponse:
    """A response; ``body`` is bytes, or an async iterator of chunks with ``length`` set."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | AsyncIterator[bytes] = b""
    length: int | None = None

    @classmethod
    def json(
        cls, status: int, value: object, headers: Sequence[tuple[str, str]] = ()
    ) -> HttpResponse:
        """A JSON response."""
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(
            status,
            (("content-type", "application/json"), *headers),
            body,
        )


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


def _error(status: int, description: str) -> HttpResponse:
    return HttpResponse.json(
        status, {"ok": False, "error_code": status, "description": description}
    )


async def serve_http(
    listeners: Sequence[trio.SocketListener],
    handler: Handler,
    *,
    limits: HttpLimits | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``handler`` on ``listeners`` until cancelled."""
    limits = limits or HttpLimits()
    slots = trio.CapacityLimiter(limits.max_connections)

    async def connection(stream: trio.SocketStream) -> None:
        try:
            slots.acquire_nowait()
        except trio.WouldBlock:
            await trio.aclose_forcefully(stream)
            return
        try:
            await _serve_connection(stream, handler, limits)
        except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError):
            pass
        except Exception:
            log.exception("an HTTP connection failed")
        finally:
            slots.release()
            await trio.aclose_forcefully(stream)

    async with trio.open_nursery() as nursery:
        for listener in listeners:
            nursery.start_soon(trio.serve_listeners, connection, [listener])
        task_status.started()


async def _serve_connection(
    stream: trio.SocketStream, handler: Handler, limits: HttpLimits
) -> None:
    first = b""
    with trio.move_on_after(limits.idle_timeout):
        while len(first) < len(H2_PREFACE):
            chunk = await stream.receive_some(_READ)
            if not chunk:
                break
            first += chunk
            if not H2_PREFACE.startswith(first[: len(H2_PREFACE)]):
                break
    if not first:
        return
    if first.startswith(H2_PREFACE):
        await _H2Connection(stream, handler, limits).serve(first)
    else:
        await _serve_h11(stream, first, handler, limits)


# -- HTTP/1.1 ------------------------------------------------------------------------------------


async def _serve_h11(
    stream: trio.SocketStream, first: bytes, handler: Handler, limits: HttpLimits
) -> None:
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=limits.max_header)
    conn.receive_data(first)

    async def next_event(deadline: float) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        """The next event; waiting for data past ``deadline`` raises TooSlowError."""
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            # A timeout scope only around a real wait: a small request's body is usually
            # already buffered with its head.
            with trio.fail_at(deadline):
                data = await stream.receive_some(_READ)
            conn.receive_data(data)

    async def send(*events: h11.Event) -> None:
        # Several events go out in one write: one system call (and timeout scope) per answer.
        data = b"".join(conn.send(event) or b"" for event in events)
        if data:
            # A client that stops reading (a stalled download) must not hold the task forever.
            with trio.fail_after(limits.idle_timeout):
                await stream.send_all(data)

    while True:
        try:
            event = await next_event(trio.current_time() + limits.idle_timeout)
            if isinstance(event, (h11.ConnectionClosed,)) or event is h11.NEED_DATA:
                return
            if not isinstance(event, h11.Request):
                return
            request_head = event
            head_size = len(event.target) + sum(len(k) + len(v) + 4 for k, v in event.headers)
            if head_size > limits.max_header:
                await _send_h11(
                    conn,
                    send,
                    stream,
                    _error(431, "Request Header Fields Too Large"),
                    close=True,
                )
                return
            declared = _content_length(event.headers)
            if declared is not None and declared > limits.max_body:
                await _send_h11(
                    conn, send, stream, _error(413, "Request Entity Too Large"), close=True
                )
                return
            if conn.they_are_waiting_for_100_continue:
                # curl asks before sending big uploads; without this it waits a second.
                await send(h11.InformationalResponse(status_code=100, headers=[]))
            body = bytearray()
            deadline = trio.current_time() + limits.request_timeout
            while True:
                part = await next_event(deadline)
                if isinstance(part, h11.Data):
                    body += part.data
                    if len(body) > limits.max_body:
                        await _send_h11(
                            conn,
                            send,
                            stream,
                            _error(413, "Request Entity Too Large"),
                            close=True,
                        )
                        return
                elif isinstance(part, h11.EndOfMessage):
                    break
                else:
                    return
        except h11.RemoteProtocolError as exc:
            if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                status = exc.error_status_hint
                description = "Request Header Fields Too Large" if status == 431 else "Bad Request"
                with contextlib.suppress(h11.LocalProtocolError, trio.BrokenResourceError):
                    await _send_h11(conn, send, stream, _error(status, description), close=True)
            return
        except trio.TooSlowError:
            return
        request = HttpRequest(
            method=request_head.method.decode("ascii", "replace").upper(),
            target=request_head.target.decode("ascii", "replace"),
            headers=tuple(
                (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request_head.headers
            ),
            body=bytes(body),
            http_version=request_head.http_version.decode("ascii", "replace"),
        )
        response = await _call(handler, request)
        await _send_h11(conn, send, stream, response, close=False)
        if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
            return
        try:
            conn.start_next_cycle()
        except h11.LocalProtocolError:
            return


def _content_length(headers: Sequence[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_h11(
    conn: h11.Connection,
    send: Callable[..., Awaitable[None]],
    stream: trio.SocketStream,
    response: HttpResponse,
    *,
    close: bool,
) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    body = response.body
    length = len(body) if isinstance(body, bytes) else response.length
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    if close:
        headers.append((b"connection", b"close"))
    try:
        reason = HTTPStatus(response.status).phrase.encode()
    except ValueError:
        reason = b""
    head = h11.Response(status_code=response.status, headers=headers, reason=reason)
    if isinstance(body, bytes):
        if body:
            await send(head, h11.Data(data=body), h11.EndOfMessage())
        else:
            await send(head, h11.EndOfMessage())
    else:
        await send(head)
        async for chunk in body:
            await send(h11.Data(data=chunk))
        await send(h11.EndOfMessage())


async def _call(handler: Handler, request: HttpRequest) -> HttpResponse:
    try:
        return await handler(request)
    except Exception:
        # The path holds the bot token: log only its last segment (the method).
        log.exception(
            "the HTTP handler failed on %s .../%s",
            request.method,
            request.target.partition("?")[0].rsplit("/", 1)[-1][:64],
        )
        return _error(500, "Internal Server Error")


# -- HTTP/2 --------------------------------------------------------------------------------------


@attrs.define(eq=False)
class _H2Stream:
    headers: list[tuple[str, str]]
    body: bytearray = attrs.field(factory=bytearray)
    too_big: bool = False


class _H2Connection:
    """One HTTP/2 connection: a reader loop, a task per request, flow-controlled writes."""

    def __init__(self, stream: trio.SocketStream, handler: Handler, limits: HttpLimits) -> None:
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        self._conn = h2.connection.H2Connection(config=config)
        self._conn.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: limits.max_streams,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: limits.max_header,
            },
        )
        self._stream = stream
        self._handler = handler
        self._limits = limits
        self._streams: dict[int, _H2Stream] = {}
        self._write_lock = trio.Lock()
        self._window_changed = trio.Event()

    async def _flush(self) -> None:
        data = self._conn.data_to_send()
        if data:
            async with self._write_lock:
                with trio.fail_after(self._limits.idle_timeout):
                    await self._stream.send_all(data)

    async def serve(self, first: bytes) -> None:
        self._conn.initiate_connection()
        async with trio.open_nursery() as nursery:
            try:
                await self._read_loop(first, nursery)
            finally:
                nursery.cancel_scope.cancel()

    async def _read_loop(self, data: bytes, nursery: trio.Nursery) -> None:
        while True:
            try:
                events = self._conn.receive_data(data)
            except h2.exceptions.ProtocolError:
                await self._flush()
                return
            for event in events:
                self._on_event(event, nursery)
            await self._flush()
            with trio.move_on_after(self._limits.idle_timeout) as idle:
                data = await self._stream.receive_some(_READ)
            if idle.cancelled_caught or not data:
                return

    def _on_event(self, event: h2.events.Event, nursery: trio.Nursery) -> None:
        if isinstance(event, h2.events.RequestReceived):
            headers = [(str(k).lower(), str(v)) for k, v in event.headers or ()]
            self._streams[event.stream_id] = _H2Stream(headers)
            if event.stream_ended is not None:
                self._start(event.stream_id, nursery)
        elif isinstance(event, h2.events.DataReceived):
            req = self._streams.get(event.stream_id)
            data = event.data or b""
            self._conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if req is not None and not req.too_big:
                req.body += data
                if len(req.body) > self._limits.max_body:
                    req.too_big = True
                    req.body.clear()
            if req is not None and event.stream_ended is not None:
                self._start(event.stream_id, nursery)
        elif isinstance(event, h2.events.StreamEnded):
            if event.stream_id in self._streams:
                self._start(event.stream_id, nursery)
        elif isinstance(event, h2.events.StreamReset):
            self._streams.pop(event.stream_id, None)
            self._wake_writers()
        elif isinstance(
            event,
            h2.events.WindowUpdated
            | h2.events.RemoteSettingsChanged
            | h2.events.ConnectionTerminated,
        ):
            self._wake_writers()

    def _wake_writers(self) -> None:
        self._window_changed.set()
        self._window_changed = trio.Event()

    def _start(self, stream_id: int, nursery: trio.Nursery) -> None:
        req = self._streams.pop(stream_id, None)
        if req is None:
            return
        nursery.start_soon(self._respond, stream_id, req)

    async def _respond(self, stream_id: int, req: _H2Stream) -> None:
        pseudo = dict(h for h in req.headers if h[0].startswith(":"))
        if req.too_big:
            response = _error(413, "Request Entity Too Large")
        elif ":method" not in pseudo or ":path" not in pseudo:
            response = _error(400, "Bad Request")
        else:
            request = HttpRequest(
                method=pseudo[":method"].upper(),
                target=pseudo[":path"],
                headers=tuple(h for h in req.headers if not h[0].startswith(":")),
                body=bytes(req.body),
                http_version="2",
            )
            response = await _call(self._handler, request)
        try:
            await self._send_response(stream_id, response)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            return

    async def _send_response(self, stream_id: int, response: HttpResponse) -> None:
        body = response.body
        length = len(body) if isinstance(body, bytes) else response.length
        headers = [(":status", str(response.status)), *response.headers]
        if length is not None:
            headers.append(("content-length", str(length)))
        if isinstance(body, bytes) and not body:
            self._conn.send_headers(stream_id, headers, end_stream=True)
            await self._flush()
            return
        self._conn.send_headers(stream_id, headers)
        await self._flush()
        if isinstance(body, bytes):
            await self._send_data(stream_id, body)
        else:
            async for chunk in body:
                await self._send_data(stream_id, chunk)
        self._conn.end_stream(stream_id)
        await self._flush()

    async def _send_data(self, stream_id: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            window = min(
                self._conn.local_flow_control_window(stream_id),
                self._conn.max_outbound_frame_size,
            )
            if window <= 0:
                await self._window_changed.wait()
                continue
            piece = view[:window]
            self._conn.send_data(stream_id, bytes(piece))
            view = view[window:]
            await self._flush()
