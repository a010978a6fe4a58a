"""A full session over every framing, over TCP and WebSocket, against a real server."""

from __future__ import annotations

import pytest
from gateway_client import FRAMERS, RawClient, RpcFailed, connect_and_login

from tgcore.crypto import RsaPrivateKey
from tgcore.tl import LAYER, functions, types
from tgserver.app import ServerInfo, open_server
from tgserver.config import ServerConfig


async def _get_config(client: RawClient) -> types.Config:
    query = functions.InvokeWithLayer(
        layer=LAYER,
        query=functions.InitConnection(
            api_id=1,
            device_model="pytest",
            system_version="1",
            app_version="1",
            system_lang_code="en",
            lang_pack="",
            lang_code="en",
            query=functions.help.GetConfig(),
        ),
    )
    config = await client.call(query)
    assert isinstance(config, types.Config)
    return config


@pytest.mark.parametrize("transport", sorted(FRAMERS))
async def test_handshake_and_get_config(
    server: ServerInfo, server_key: RsaPrivateKey, transport: str
) -> None:
    client, _ = await connect_and_login(server.port, server_key.public_key, transport)
    async with client:
        config = await _get_config(client)
        assert config.this_dc == 2
        assert [(o.id, o.ip_address, o.port) for o in config.dc_options] == [
            (2, "127.0.0.1", server.port)
        ]
        pong = await client.call(functions.Ping(ping_id=42))
        assert isinstance(pong, types.Pong) and pong.ping_id == 42
        nearest = await client.call(functions.help.GetNearestDc())
        assert nearest.this_dc == nearest.nearest_dc == 2


@pytest.mark.parametrize("transport", ["obfuscated2", "obfuscated2-padded", "intermediate"])
@pytest.mark.parametrize("chunk", [None, 7])
async def test_websocket_on_the_same_port(
    server: ServerInfo, server_key: RsaPrivateKey, transport: str, chunk: int | None
) -> None:
    client, _ = await connect_and_login(
        server.port, server_key.public_key, transport, websocket=True, ws_chunk=chunk
    )
    async with client:
        config = await _get_config(client)
        assert config.this_dc == 2


async def test_websocket_on_its_own_port(
    server_config: ServerConfig, server_key: RsaPrivateKey
) -> None:
    import attrs

    config = attrs.evolve(server_config, ws_port=0)
    async with open_server(config) as info:
        assert info.ws_port is not None and info.ws_port != info.port
        assert info.websocket_url == f"ws://127.0.0.1:{info.ws_port}/apiws"
        client, _ = await connect_and_login(
            info.ws_port, server_key.public_key, "obfuscated2", websocket=True, ws_chunk=13
        )
        async with client:
            await _get_config(client)
        # Raw MTProto is not accepted on the WebSocket-only port.
        raw = await RawClient.connect(info.ws_port, "abridged")
        async with raw:
            await raw.send(b"\x00" * 40)
            assert await raw.expect_closed() == []


async def test_users_get_users_before_login(server: ServerInfo, server_key: RsaPrivateKey) -> None:
    client, _ = await connect_and_login(server.port, server_key.public_key)
    async with client:
        with pytest.raises(RpcFailed) as info:
            await client.call(functions.users.GetUsers(id=[types.InputUserSelf()]))
        assert (info.value.code, info.value.name) == (401, "AUTH_KEY_UNREGISTERED")
        with pytest.raises(RpcFailed) as info:
            await client.call(functions.updates.GetState())
        assert (info.value.code, info.value.name) == (401, "AUTH_KEY_UNREGISTERED")


async def test_websocket_ping_and_text(server: ServerInfo, server_key: RsaPrivateKey) -> None:
    from wsproto.events import CloseConnection, Ping, Pong, TextMessage

    client, _ = await connect_and_login(server.port, server_key.public_key, websocket=True)
    async with client:
        ws_stream = client.stream
        raw_ws, tcp = ws_stream._ws, ws_stream._stream
        await tcp.send_all(raw_ws.send(Ping(payload=b"hi")))
        got: list[object] = []
        while not any(isinstance(e, Pong) for e in got):
            raw_ws.receive_data(await tcp.receive_some(4096))
            got.extend(raw_ws.events())
        assert await client.call(functions.Ping(ping_id=3))
        await tcp.send_all(raw_ws.send(TextMessage(data="text")))
        closed: list[object] = []
        while data := await tcp.receive_some(4096):
            raw_ws.receive_data(data)
            closed.extend(e for e in raw_ws.events() if isinstance(e, CloseConnection))
        assert [c.code for c in closed] == [1003]  # type: ignore[attr-defined]


async def test_websocket_close_handshake(server: ServerInfo, server_key: RsaPrivateKey) -> None:
    from wsproto.events import CloseConnection

    client, _ = await connect_and_login(server.port, server_key.public_key, websocket=True)
    async with client:
        raw_ws, tcp = client.stream._ws, client.stream._stream
        await tcp.send_all(raw_ws.send(CloseConnection(code=1000)))
        closed: list[object] = []
        while data := await tcp.receive_some(4096):
            raw_ws.receive_data(data)
            closed.extend(e for e in raw_ws.events() if isinstance(e, CloseConnection))
        assert [c.code for c in closed] == [1000]  # type: ignore[attr-defined]


async def test_websocket_gets_a_close_frame_on_timeout(
    server_config: ServerConfig, server_key: RsaPrivateKey
) -> None:
    import attrs
    import trio
    from wsproto.events import CloseConnection

    config = attrs.evolve(server_config, idle_timeout=0.3)
    async with open_server(config) as info:
        client, _ = await connect_and_login(info.port, server_key.public_key, websocket=True)
        async with client:
            raw_ws, tcp = client.stream._ws, client.stream._stream
            closed: list[object] = []
            with trio.fail_after(3):
                while data := await tcp.receive_some(4096):
                    raw_ws.receive_data(data)
                    closed.extend(e for e in raw_ws.events() if isinstance(e, CloseConnection))
            assert [c.code for c in closed] == [1000]  # type: ignore[attr-defined]
