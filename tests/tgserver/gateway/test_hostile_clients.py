"""Bad input gets a clean transport error or a closed connection, and nobody else notices."""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import AsyncIterator

import attrs
import pytest
import trio
from gateway_client import RawClient, connect_and_login

from tgcore.crypto import AuthKey, RsaPrivateKey
from tgcore.mtproto.transport import Frame, TransportErrorReceived
from tgcore.tl import functions, types
from tgserver.app import ServerInfo, open_server
from tgserver.config import ServerConfig


@pytest.fixture
async def strict(server_config: ServerConfig) -> AsyncIterator[ServerInfo]:
    """A server with short timeouts and a small frame limit."""
    config = attrs.evolve(
        server_config, idle_timeout=1.0, handshake_timeout=1.5, max_frame_size=4096
    )
    async with open_server(config) as info:
        yield info


@pytest.fixture
async def good(strict: ServerInfo, server_key: RsaPrivateKey) -> AsyncIterator[RawClient]:
    """A well-behaved client, connected before the bad one shows up."""
    client, _ = await connect_and_login(strict.port, server_key.public_key, "intermediate")
    async with client:
        await client.call(functions.Ping(ping_id=1))
        yield client


async def _keep_alive(client: RawClient) -> None:
    """Ping without reading (the strict server's idle timeout is 1 s); _still_fine reads
    the pongs later."""
    assert client.session is not None
    with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
        while True:
            client.session.send(functions.Ping(ping_id=0))
            await client.flush()
            await trio.sleep(0.15)


async def _still_fine(client: RawClient) -> None:
    pong = await client.call(functions.Ping(ping_id=2))
    assert isinstance(pong, types.Pong)


async def test_garbage_first_bytes_close_the_connection(
    strict: ServerInfo, good: RawClient
) -> None:
    async with await RawClient.connect(strict.port) as bad:
        await bad.send_raw(b"\x01\x02\x03\x04\x05\x06\x07\x08" * 8)
        assert await bad.expect_closed() == []
    await _still_fine(good)


async def test_oversized_frame_gets_429(strict: ServerInfo, good: RawClient) -> None:
    async with await RawClient.connect(strict.port, "intermediate") as bad:
        await bad.send_raw(b"\xee\xee\xee\xee" + struct.pack("<I", 1 << 20) + b"\x00" * 64)
        assert await bad.expect_closed() == [TransportErrorReceived(-429)]
    await _still_fine(good)


async def test_unknown_auth_key_gets_404(strict: ServerInfo, good: RawClient) -> None:
    key = AuthKey(os.urandom(256))
    async with await RawClient.connect(strict.port, "abridged") as bad:
        bad.start_session(key)
        bad.session.send(functions.Ping(ping_id=3))  # type: ignore[union-attr]
        await bad.flush()
        assert await bad.expect_closed() == [TransportErrorReceived(-404)]
    await _still_fine(good)


async def test_tampered_message_drops_the_connection(
    strict: ServerInfo, server_key: RsaPrivateKey, good: RawClient
) -> None:
    client, _created = await connect_and_login(strict.port, server_key.public_key)
    async with client:
        assert client.session is not None
        client.session.send(functions.Ping(ping_id=4))
        (payload,) = client.session.data_to_send()
        tampered = payload[:-1] + bytes([payload[-1] ^ 1])
        await client.send(tampered)
        assert await client.expect_closed() == []
    await _still_fine(good)


async def test_malformed_padding_length_is_404(strict: ServerInfo, good: RawClient) -> None:
    async with await RawClient.connect(strict.port, "intermediate") as bad:
        # An intermediate frame whose length is not a multiple of 4.
        await bad.send_raw(b"\xee\xee\xee\xee" + struct.pack("<I", 30) + b"\x00" * 30)
        assert await bad.expect_closed() == [TransportErrorReceived(-404)]
    await _still_fine(good)


async def test_truncated_frame_then_close(strict: ServerInfo, good: RawClient) -> None:
    async with await RawClient.connect(strict.port, "intermediate") as bad:
        await bad.send_raw(b"\xee\xee\xee\xee" + struct.pack("<I", 400) + b"\x00" * 100)
        await bad.stream.send_eof()
        assert await bad.expect_closed() == []
    await _still_fine(good)


async def test_client_stopping_mid_frame_times_out(strict: ServerInfo, good: RawClient) -> None:
    async with (
        await RawClient.connect(strict.port, "intermediate") as bad,
        trio.open_nursery() as n,
    ):
        n.start_soon(_keep_alive, good)
        await bad.send_raw(b"\xee\xee\xee\xee" + struct.pack("<I", 400) + b"\x00" * 100)
        with trio.fail_after(3):
            assert await bad.expect_closed() == []
        n.cancel_scope.cancel()
    await _still_fine(good)


async def test_silent_client_times_out(strict: ServerInfo, good: RawClient) -> None:
    async with await RawClient.connect(strict.port) as bad, trio.open_nursery() as n:
        n.start_soon(_keep_alive, good)
        with trio.fail_after(3):
            assert await bad.expect_closed() == []
        n.cancel_scope.cancel()
    await _still_fine(good)


async def test_handshake_must_finish_in_time(
    server_config: ServerConfig, server_key: RsaPrivateKey
) -> None:
    # The client keeps sending (so the idle timeout never fires) but never finishes a frame.
    config = attrs.evolve(server_config, idle_timeout=10.0, handshake_timeout=0.6)

    async def dribble(client: RawClient) -> None:
        await client.send_raw(b"\xef\x7f\x00\x01\x00")  # abridged, a 1 KiB frame
        with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
            while True:
                await trio.sleep(0.1)
                await client.send_raw(b"\x00")

    async with open_server(config) as info, await RawClient.connect(info.port) as slow:
        started = trio.current_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(dribble, slow)
            with trio.fail_after(3):
                assert await slow.expect_closed() == []
            nursery.cancel_scope.cancel()
        assert trio.current_time() - started >= 0.5


async def test_plain_message_that_is_no_handshake_is_dropped(
    strict: ServerInfo, good: RawClient
) -> None:
    async with await RawClient.connect(strict.port, "abridged") as bad:
        body = functions.help.GetConfig().to_bytes()
        await bad.send(struct.pack("<qqi", 0, 1 << 62, len(body)) + body)
        assert await bad.expect_closed() == []
    await _still_fine(good)


async def test_max_connections(server_config: ServerConfig, server_key: RsaPrivateKey) -> None:
    config = attrs.evolve(server_config, max_connections=2)
    async with open_server(config) as info:
        first, _ = await connect_and_login(info.port, server_key.public_key)
        second, _ = await connect_and_login(info.port, server_key.public_key, "full")
        async with first, second:
            async with await RawClient.connect(info.port, "intermediate") as third:
                await third.send(b"\x00" * 40)
                assert await third.expect_closed() == [TransportErrorReceived(-429)]
            await _still_fine(first)
            await _still_fine(second)
        # Once they left there is room again.
        with trio.fail_after(2):
            while True:
                try:
                    client, _ = await connect_and_login(info.port, server_key.public_key)
                except (AssertionError, Exception):
                    await trio.sleep(0.05)
                    continue
                break
        async with client:
            await _still_fine(client)


async def test_too_many_handshakes_on_one_connection(
    server: ServerInfo, server_key: RsaPrivateKey
) -> None:
    client = await RawClient.connect(server.port)
    async with client:
        for _ in range(8):
            await client.handshake(server_key.public_key)
        from tgcore.mtproto.handshake import ClientHandshake

        await client.send(ClientHandshake([server_key.public_key], dc_id=2).start())
        assert await client.expect_closed() == [TransportErrorReceived(-429)]


async def test_http_that_is_not_a_websocket(strict: ServerInfo, good: RawClient) -> None:
    async with await RawClient.connect(strict.port) as bad:
        await bad.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = b""
        while chunk := await bad.stream.receive_some(4096):
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 4")
    await _still_fine(good)


async def test_websocket_on_a_wrong_path(strict: ServerInfo, good: RawClient) -> None:
    from gateway_client import Closed, WsClientStream

    with pytest.raises(Closed, match="404"):
        await WsClientStream.connect("127.0.0.1", strict.port, path="/other")
    await _still_fine(good)


async def test_ping_delay_disconnect_closes_the_connection(
    server: ServerInfo, server_key: RsaPrivateKey
) -> None:
    client, _ = await connect_and_login(server.port, server_key.public_key)
    async with client:
        pong = await client.call(functions.PingDelayDisconnect(ping_id=5, disconnect_delay=1))
        assert isinstance(pong, types.Pong)
        with trio.fail_after(4):
            events = await client.expect_closed()
        assert not any(isinstance(e, TransportErrorReceived) for e in events)
        assert all(isinstance(e, Frame) for e in events)


@pytest.mark.parametrize("first", [b"", b"\x01\x02\x03\x04\x05\x06\x07\x08" * 8, b"\xee\xee"])
async def test_refused_clients_that_show_no_framing(
    server_key: RsaPrivateKey, first: bytes
) -> None:
    from gateway_client import run_gateway

    from tgserver.gateway import GatewayLimits
    from tgserver.rpc import Dispatcher

    limits = GatewayLimits(max_connections=1, reject_timeout=0.3)
    async with run_gateway(Dispatcher(), server_key, limits=limits) as (port, _):
        holder, _ = await connect_and_login(port, server_key.public_key)
        async with holder, await RawClient.connect(port) as refused:
            if first:
                await refused.send_raw(first)
            else:
                await refused.stream.send_eof()
            with trio.fail_after(2):
                assert await refused.expect_closed() == []


async def test_refusals_are_bounded(server_key: RsaPrivateKey) -> None:
    from gateway_client import run_gateway

    from tgserver.gateway import GatewayLimits
    from tgserver.rpc import Dispatcher

    limits = GatewayLimits(max_connections=1, max_rejecting=0)
    async with run_gateway(Dispatcher(), server_key, limits=limits) as (port, _):
        holder, _ = await connect_and_login(port, server_key.public_key)
        async with holder, await RawClient.connect(port, "intermediate") as refused:
            await refused.send(b"\x00" * 40)
            assert await refused.expect_closed() == []  # closed without a word


async def test_broken_websocket_frames_end_the_connection(
    strict: ServerInfo, good: RawClient
) -> None:
    from gateway_client import WsClientStream

    ws = await WsClientStream.connect("127.0.0.1", strict.port)
    # An unmasked client frame is a protocol violation.
    await ws._stream.send_all(b"\x82\x02ab")
    reply = await ws._stream.receive_some(4096)
    assert reply[:4] == b"\x88" + bytes([reply[1]]) + b"\x03\xea"  # close 1002
    await ws.aclose()
    await _still_fine(good)
