"""A minimal HTTP/1.1 client (h11 on Trio) for webhook deliveries: one POST per connection."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from urllib.parse import urlsplit

import attrs
import h11
import trio

__all__ = ["WebhookHttpError", "WebhookResponse", "post"]

_MAX_RESPONSE = 1024 * 1024


@attrs.frozen
class WebhookResponse:
    """What a webhook answered: status, Content-Type and body."""

    status: int
    content_type: str = ""
    body: bytes = b""


class WebhookHttpError(Exception):
    """The delivery failed before an HTTP status came back (connection, TLS, protocol)."""


async def post(
    url: str,
    body: bytes,
    headers: Sequence[tuple[str, str]],
    *,
    deadline: float = 30.0,
    connect_to: str = "",
) -> WebhookResponse:
    """POST ``body`` to ``url``; the response (its body up to 1 MB).

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
                status = 0
                content_type = ""
                answer = bytearray()
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
                        status = int(event.status_code)
                        for name, value in event.headers:
                            if name.lower() == b"content-type":
                                content_type = value.decode("latin-1")
                    elif isinstance(event, h11.Data):
                        answer += event.data
                    elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                        if not status:
                            raise WebhookHttpError("the connection was closed without a response")
                        return WebhookResponse(status, content_type, bytes(answer))
            finally:
                await trio.aclose_forcefully(stream)
    except trio.TooSlowError:
        raise WebhookHttpError("Connection timed out") from None
    except (OSError, trio.BrokenResourceError, ssl.SSLError) as exc:
        raise WebhookHttpError(f"Connection refused: {exc.__class__.__name__}") from None
    except h11.ProtocolError:
        raise WebhookHttpError("Wrong response from the webhook: not HTTP") from None
