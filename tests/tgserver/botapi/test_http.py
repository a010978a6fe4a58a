"""The HTTP layer: HTTP/1.1 keep-alive, HTTP/2 (prior knowledge) with the h2 library as the
client and with httpx, malformed requests, size limits; the server keeps serving throughout."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator

import h2.config
import h2.connection
import h2.events
import httpx
import pytest
import trio

from tests.tgserver.botapi.conftest import BotEnv
from tgserver.botapi import HttpLimits, HttpRequest, HttpResponse, serve_http


async def _raw(port: int, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection and end the sending side; everything the server
    sends until it closes."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(data)
        await stream.send_eof()
        received = b""
        with trio.fail_after(10):
            while chunk := await stream.receive_some(65536):
                received += chunk
    return received


def _port(env: BotEnv) -> int:
    assert env.info.bot_api_port is not None
    return env.info.bot_api_port


async def test_keep_alive_serves_several_requests_on_one_connection(env: BotEnv) -> None:
    path = f"/bot{env.bot.token}/getMe"
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    last = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    answer = await _raw(_port(env), request + request + last)
    assert answer.count(b"HTTP/1.1 200 ") == 3
    assert answer.count(b'"is_bot":true') == 3


async def test_malformed_http_gets_400_and_the_server_keeps_serving(env: BotEnv) -> None:
    for garbage in (
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
        b"\x00\xff\r\n\r\n",
    ):
        answer = await _raw(_port(env), garbage)
        assert answer.startswith(b"HTTP/1.1 400 "), answer
        body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert body == {"ok": False, "error_code": 400, "description": "Bad Request"}
    # A client that connects and leaves, or sends half a request and leaves.
    await _raw(_port(env), b"")
    await _raw(_port(env), b"POST /bot1:x/getMe HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
    assert (await env.ok("getMe"))["id"] == env.bot.id


async def test_a_declared_body_over_the_limit_gets_413(env: BotEnv) -> None:
    head = (
        f"POST /bot{env.bot.token}/sendDocument HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {3 * 1024**3}\r\n\r\n"
    ).encode()
    answer = await _raw(_port(env), head + b"--b\r\n")
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["description"] == "Request Entity Too Large"
    assert (await env.ok("getMe"))["id"] == env.bot.id


@pytest.fixture
async def small_server() -> AsyncIterator[int]:
    """serve_http with a 1000-byte body limit and an echoing handler."""

    async def echo(request: HttpRequest) -> HttpResponse:
        if request.target == "/boom":
            raise RuntimeError("handler bug")
        return HttpResponse.json(200, {"len": len(request.body), "method": request.method})

    async with trio.open_nursery() as nursery:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        await nursery.start(
            lambda task_status: serve_http(
                listeners,
                echo,
                limits=HttpLimits(max_body=1000, max_header=2048),
                task_status=task_status,
            )
        )
        yield listeners[0].socket.getsockname()[1]
        nursery.cancel_scope.cancel()


async def test_body_limits_chunked_and_plain(small_server: int) -> None:
    async with httpx.AsyncClient() as http:
        ok = await http.post(f"http://127.0.0.1:{small_server}/x", content=b"a" * 1000)
        assert ok.json() == {"len": 1000, "method": "POST"}
        big = await http.post(f"http://127.0.0.1:{small_server}/x", content=b"a" * 1001)
        assert big.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(5):
                yield b"b" * 300

        streamed = await http.post(f"http://127.0.0.1:{small_server}/x", content=chunks())
        assert streamed.status_code == 413
        huge_header = await http.get(
            f"http://127.0.0.1:{small_server}/x", headers={"x-big": "h" * 5000}
        )
        assert huge_header.status_code == 431
        crashed = await http.get(f"http://127.0.0.1:{small_server}/boom")
        assert crashed.status_code == 500
        assert (await http.get(f"http://127.0.0.1:{small_server}/x")).status_code == 200


async def _h2_exchange(
    port: int, requests: list[tuple[list[tuple[str, str]], bytes]]
) -> list[tuple[dict[str, str], bytes]]:
    """Send ``requests`` as concurrent HTTP/2 streams with the h2 library; the responses."""
    conn = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
    )
    conn.initiate_connection()
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    ids = []
    for headers, body in requests:
        stream_id = conn.get_next_available_stream_id()
        ids.append(stream_id)
        conn.send_headers(stream_id, headers, end_stream=not body)
        if body:
            conn.send_data(stream_id, body, end_stream=True)
    await stream.send_all(conn.data_to_send())
    heads: dict[int, dict[str, str]] = {}
    bodies: dict[int, bytes] = {i: b"" for i in ids}
    done: set[int] = set()
    async with stream:
        with trio.fail_after(10):
            while done != set(ids):
                data = await stream.receive_some(65536)
                assert data, "the server closed the HTTP/2 connection"
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ResponseReceived):
                        heads[event.stream_id] = {str(k): str(v) for k, v in event.headers}
                    elif isinstance(event, h2.events.DataReceived):
                        bodies[event.stream_id] += event.data
                        conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        done.add(event.stream_id)
                await stream.send_all(conn.data_to_send())
    return [(heads[i], bodies[i]) for i in ids]


async def test_http2_with_the_h2_library(env: BotEnv) -> None:
    base = [(":scheme", "http"), (":authority", "127.0.0.1")]
    get_me = [(":method", "GET"), (":path", f"/bot{env.bot.token}/getMe"), *base]
    await env.user_says(env.alice, "over h2")
    post = [
        (":method", "POST"),
        (":path", f"/bot{env.bot.token}/sendMessage"),
        *base,
        ("content-type", "application/json"),
    ]
    body = json.dumps({"chat_id": env.alice.id, "text": "sent over HTTP/2"}).encode()
    unknown = [(":method", "GET"), (":path", f"/bot{env.bot.token}/nope"), *base]
    [(h1, b1), (h2_, b2), (h3, b3)] = await _h2_exchange(
        _port(env), [(get_me, b""), (post, body), (unknown, b"")]
    )
    assert h1[":status"] == "200" and json.loads(b1)["result"]["id"] == env.bot.id
    assert h2_[":status"] == "200" and json.loads(b2)["result"]["text"] == "sent over HTTP/2"
    assert h3[":status"] == "404" and json.loads(b3)["description"] == "Not Found"


async def test_http2_with_httpx(env: BotEnv) -> None:
    pytest.importorskip("h2")
    async with httpx.AsyncClient(http1=False, http2=True) as http:
        response = await http.get(env.url("getMe"))
        assert response.http_version == "HTTP/2"
        assert response.json()["result"]["username"] == "test_bot"
        again = await http.post(env.url("getMyCommands"), data={"x": "1"})
        assert again.json() == {"ok": True, "result": []}


async def test_http2_garbage_after_the_preface(env: BotEnv) -> None:
    answer = await _raw(_port(env), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64)
    assert answer  # a SETTINGS frame, then GOAWAY: the connection is closed cleanly
    assert (await env.ok("getMe"))["id"] == env.bot.id


async def _refused(port: int) -> bool:
    """Whether the server closes a new connection without answering."""
    async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
        try:
            await stream.send_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            return await stream.receive_some(65536) == b""
        except trio.BrokenResourceError:
            return True


async def test_connections_over_the_limit_are_closed() -> None:
    async def hello(request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(200, {"hello": True})

    async with trio.open_nursery() as nursery:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        limits = HttpLimits(max_connections=1)
        await nursery.start(functools.partial(serve_http, limits=limits), listeners, hello)
        port = listeners[0].socket.getsockname()[1]
        async with await trio.open_tcp_stream("127.0.0.1", port) as held:
            await held.send_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"200 OK" in await held.receive_some(65536)  # the one slot is taken now
            with trio.fail_after(10):
                assert await _refused(port)
        with trio.fail_after(10):
            while await _refused(port):  # noqa: ASYNC110 - the slot frees when the close is seen
                await trio.sleep(0.01)
        nursery.cancel_scope.cancel()


async def test_expect_100_continue(env: BotEnv) -> None:
    body = f'{{"chat_id": {env.alice.id}}}'.encode()
    head = (
        f"POST /bot{env.bot.token}/getChat HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    async with await trio.open_tcp_stream("127.0.0.1", _port(env)) as stream:
        await stream.send_all(head)
        with trio.fail_after(10):
            interim = await stream.receive_some(65536)
        assert interim.startswith(b"HTTP/1.1 100 ")
        await stream.send_all(body)
        answer = b""
        with trio.fail_after(10):
            while chunk := await stream.receive_some(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")  # Alice never wrote: chat not found
    assert b"chat not found" in answer
