"""A minimal HTTP/1.1 client (h11 on Trio) for webhook deliveries: one POST per connection."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from urllib.parse import urlsplit

import h11
import trio

__all__ = ["WebhookHttpError", "post"]

_MAX_RESPONSE = 1024 * 1024


class WebhookHttpError(Exception):
    """The delivery failed before an HTTP status came back (connection, TLS, protocol)."""


async def post(
    url: str,
    body: bytes,
    headers: Sequence[tuple[str, str]],
    *,
    deadline: float = 30.0,
    connect_to: str = "",
) -> int:
    """POST ``body`` to ``url``; the response status.

    Raises:
        WebhookHttpError: no response (refused, timed out, not HTTP ...).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    conn = h11.Connection(h11.CLIENT)
    try:
        with trio.fail_after(deadline):
            stream: trio.abc.Stream = await trio.open_tcp_stream(connect_to or host, port)
            try:
                if secure:
                    tls = trio.SSLStream(stream, ssl.create_default_context(), server_hostname=host)
                    await tls.do_handshake()
                    stream = tls
                request = h11.Request(
                    method="POST",
                    target=target,
                    headers=[
                        ("host", host_header),
                        ("content-length", str(len(body))),
                        ("connection", "close"),
                        *headers,
                    ],
                )
                await stream.send_all(conn.send(request) + conn.send(h11.Data(data=body)))
                await stream.send_all(conn.send(h11.EndOfMessage()) or b"")
                received = 0
                while True:
                    event = conn.next_event()
                    if event is h11.NEED_DATA:
                        data = await stream.receive_some(65536)
                        received += len(data)
                        if received > _MAX_RESPONSE:
                            raise WebhookHttpError("the response is too long")
                        conn.receive_data(bytes(data))
                        continue
                    if isinstance(event, h11.Response):
                        return int(event.status_code)
                    if isinstance(event, h11.ConnectionClosed):
                        raise WebhookHttpError("the connection was closed without a response")
            finally:
                await trio.aclose_forcefully(stream)
    except trio.TooSlowError:
        raise WebhookHttpError("Connection timed out") from None
    except (OSError, trio.BrokenResourceError, ssl.SSLError) as exc:
        raise WebhookHttpError(f"Connection refused: {exc.__class__.__name__}") from None
    except h11.ProtocolError:
        raise WebhookHttpError("Wrong response from the webhook: not HTTP") from None
