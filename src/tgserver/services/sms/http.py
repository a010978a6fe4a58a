"""A small HTTP/1.1 client on Trio streams (h11 does the parsing), for SMS provider APIs.

One request per connection (``Connection: close``), a deadline for the whole exchange, and a
bound on the response body: enough to POST a form to a provider and read its JSON answer,
without adding an HTTP library to the server's dependencies.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

import attrs
import h11
import trio

from tgcore import __version__
from tgserver.services.sms.base import SmsError

__all__ = ["HttpResponse", "post_form"]

_RECEIVE_SIZE = 65536


@attrs.frozen
class HttpResponse:
    """An HTTP response.

    Attributes:
        status: The status code.
        headers: Header names (lower-case) and values.
        body: The body.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


async def _open(
    scheme: str, host: str, port: int, context: ssl.SSLContext | None
) -> trio.abc.Stream:
    if scheme == "https":
        return await trio.open_ssl_over_tcp_stream(
            host, port, ssl_context=context or ssl.create_default_context()
        )
    return await trio.open_tcp_stream(host, port)


async def _exchange(
    stream: trio.abc.Stream, request: Sequence[h11.Event], max_body: int
) -> HttpResponse:
    conn = h11.Connection(our_role=h11.CLIENT)
    for outgoing in request:
        data = conn.send(outgoing)
        if data:
            await stream.send_all(data)
    status = 0
    headers: tuple[tuple[str, str], ...] = ()
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(bytes(await stream.receive_some(_RECEIVE_SIZE)))
        elif isinstance(event, h11.Response):
            status = event.status_code
            headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers)
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > max_body:
                raise SmsError(f"the response is larger than {max_body} bytes")
        elif event is h11.PAUSED or isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            return HttpResponse(status, headers, bytes(body))


async def post_form(
    url: str,
    fields: Sequence[tuple[str, str]],
    *,
    headers: Sequence[tuple[str, str]] = (),
    time_limit: float = 10.0,
    max_body: int = 1024 * 1024,
    ssl_context: ssl.SSLContext | None = None,
) -> HttpResponse:
    """POST ``fields`` as ``application/x-www-form-urlencoded`` to ``url``.

    Args:
        url: ``http://`` or ``https://`` (certificates verified) URL.
        fields: The form, in order.
        headers: Extra request headers.
        time_limit: Seconds for connecting, sending and reading the whole response.
        max_body: Largest response body accepted.
        ssl_context: For https; the system's default trust store when None.

    Raises:
        SmsError: a bad URL, a network or TLS failure, a malformed response, a timeout.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SmsError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = urlencode(list(fields)).encode()
    host_header = parts.netloc.rsplit("@", 1)[-1]
    request: list[h11.Event] = [
        h11.Request(
            method="POST",
            target=target,
            headers=[
                ("Host", host_header),
                ("User-Agent", f"tgserver/{__version__}"),
                ("Accept", "application/json"),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
                *headers,
            ],
        ),
        h11.Data(data=body),
        h11.EndOfMessage(),
    ]
    try:
        with trio.fail_after(time_limit):
            stream = await _open(parts.scheme, parts.hostname, port, ssl_context)
            async with stream:
                return await _exchange(stream, request, max_body)
    except trio.TooSlowError:
        raise SmsError(f"no answer from {parts.hostname} within {time_limit} s") from None
    except (OSError, trio.BrokenResourceError, ssl.SSLError, h11.ProtocolError) as exc:
        raise SmsError(f"HTTP request to {parts.hostname} failed: {exc}") from exc
