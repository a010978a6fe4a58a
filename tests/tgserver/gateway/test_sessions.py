"""Sessions across connections, concurrent calls, invokeAfterMsg, quick acks, restarts."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import attrs
import pytest
import trio
from gateway_client import RawClient, RpcFailed, connect_and_login, run_gateway

from tgcore.crypto import AuthKey, RsaPrivateKey, aes_key_iv, ige256_decrypt
from tgcore.mtproto.handshake import AuthKeyCreated
from tgcore.mtproto.session import SessionConfig
from tgcore.tl import LAYER, functions, types
from tgserver.app import DATABASE_FILE, ServerInfo, open_server
from tgserver.config import ServerConfig
from tgserver.gateway import GatewayLimits
from tgserver.rpc import Dispatcher, RequestContext
from tgserver.store import MemoryAuthKeyStore, SqliteAuthKeyStore


class Gate:
    """help.getNearestDc waits for a release, help.getCdnConfig answers, help.getAppConfig fails."""

    def __init__(self) -> None:
        self.release = trio.Event()
        self.entered = trio.Event()
        self.order: list[str] = []
        self.dispatcher = Dispatcher()
        self.dispatcher.add(functions.help.GetNearestDc, self.slow)
        self.dispatcher.add(functions.help.GetCdnConfig, self.fast)
        self.dispatcher.add(functions.help.GetAppConfig, self.broken)

    async def slow(self, ctx: RequestContext, request: Any) -> types.NearestDc:
        self.entered.set()
        await self.release.wait()
        self.order.append("slow")
        return types.NearestDc(country="ZZ", this_dc=2, nearest_dc=2)

    async def fast(self, ctx: RequestContext, request: Any) -> types.CdnConfig:
        self.order.append("fast")
        return types.CdnConfig(public_keys=[])

    async def broken(self, ctx: RequestContext, request: Any) -> types.NearestDc:
        raise ZeroDivisionError("a bug")


async def test_calls_of_one_connection_run_concurrently(server_key: RsaPrivateKey) -> None:
    gate = Gate()
    async with run_gateway(gate.dispatcher, server_key) as (port, _):
        client, _ = await connect_and_login(port, server_key.public_key)
        async with client:
            assert client.session is not None
            slow_id = client.session.send(functions.help.GetNearestDc())
            await client.flush()
            await gate.entered.wait()
            fast = await client.call(functions.help.GetCdnConfig())
            assert isinstance(fast, types.CdnConfig)
            gate.release.set()
            slow = await client.wait_answer(slow_id)
            assert slow.country == "ZZ"


async def test_invoke_after_msg_waits_for_the_earlier_call(server_key: RsaPrivateKey) -> None:
    gate = Gate()
    async with run_gateway(gate.dispatcher, server_key) as (port, _):
        client, _ = await connect_and_login(port, server_key.public_key)
        async with client:
            session = client.session
            assert session is not None
            slow_id = session.send(functions.help.GetNearestDc())
            after_id = session.send(
                functions.InvokeAfterMsg(msg_id=slow_id, query=functions.help.GetCdnConfig())
            )
            await client.flush()
            await gate.entered.wait()
            await trio.sleep(0.05)
            assert gate.order == []  # the dependent call did not run
            gate.release.set()
            await client.wait_answer(after_id)
            assert gate.order == ["slow", "fast"]
            # A reference to a call long answered (or never seen) does not wait.
            again = functions.InvokeAfterMsgs(
                msg_ids=[slow_id, 4], query=functions.help.GetCdnConfig()
            )
            assert isinstance(await client.call(again), types.CdnConfig)


async def test_answer_follows_the_session_to_a_new_connection(server_key: RsaPrivateKey) -> None:
    gate = Gate()
    async with run_gateway(gate.dispatcher, server_key) as (port, gateway):
        first, _created = await connect_and_login(port, server_key.public_key, "obfuscated2")
        session = first.session
        assert session is not None
        slow_id = session.send(functions.help.GetNearestDc())
        await first.flush()
        await gate.entered.wait()
        await first.aclose()
        # The client comes back on another connection and framing, same session.
        second = await RawClient.connect(port, "intermediate")
        async with second:
            second.session = session
            session.resend_pending()  # same msg_id: the server must not run it twice
            await second.flush()
            pong = await second.call(functions.Ping(ping_id=9))
            assert pong.ping_id == 9
            gate.release.set()
            answer = await second.wait_answer(slow_id)
            assert answer.country == "ZZ"
            assert gate.order == ["slow"]
        assert gateway.connections >= 0


async def test_handler_bug_is_500_internal(server_key: RsaPrivateKey) -> None:
    gate = Gate()
    async with run_gateway(gate.dispatcher, server_key) as (port, _):
        client, _ = await connect_and_login(port, server_key.public_key)
        async with client:
            with pytest.raises(RpcFailed) as info:
                await client.call(functions.help.GetAppConfig(hash=0))
            assert (info.value.code, info.value.name) == (500, "INTERNAL")
            assert isinstance(await client.call(functions.help.GetCdnConfig()), types.CdnConfig)


async def test_methods_without_handlers(server: ServerInfo, server_key: RsaPrivateKey) -> None:
    client, _ = await connect_and_login(server.port, server_key.public_key)
    async with client:
        with pytest.raises(RpcFailed) as info:
            await client.call(functions.account.GetPassword())
        cid = functions.account.GetPassword.CONSTRUCTOR_ID
        assert (info.value.code, info.value.name) == (400, f"INPUT_METHOD_INVALID_{cid}")
        with pytest.raises(RpcFailed) as info:
            await client.call(
                functions.InvokeWithLayer(layer=LAYER, query=functions.account.GetPassword())
            )
        assert info.value.name == f"INPUT_METHOD_INVALID_{cid}"
        with pytest.raises(RpcFailed) as info:
            await client.call(bytes.fromhex("78563412") + bytes(8))
        assert (info.value.code, info.value.name) == (400, "INPUT_METHOD_INVALID_305419896")
        with pytest.raises(RpcFailed) as info:
            # users.getUsers with a truncated vector
            body = functions.users.GetUsers(id=[types.InputUserSelf()]).to_bytes()[:-4]
            await client.call(body)
        assert (info.value.code, info.value.name) == (400, "INPUT_FETCH_ERROR")


async def test_quick_ack(server: ServerInfo, server_key: RsaPrivateKey) -> None:
    client, created = await connect_and_login(server.port, server_key.public_key, "intermediate")
    async with client:
        session = client.session
        assert session is not None
        session.send(functions.Ping(ping_id=7))
        (payload,) = session.data_to_send()
        await client.send(payload, quick_ack=True)
        # Expected token: sha256(auth_key[88:120] + plaintext)[:4] with the top bit set.
        key = created.auth_key
        aes_key, aes_iv = aes_key_iv(key, payload[8:24], 0)
        plaintext = ige256_decrypt(payload[24:], aes_key, aes_iv)
        digest = hashlib.sha256(key.key[88:120] + plaintext).digest()
        expected = int.from_bytes(digest[:4], "little") | 0x80000000
        await client.call(functions.Ping(ping_id=8))
        assert client.quick_acks == [expected]


async def test_telethon_short_key_keeps_the_encoding_in_use(server_key: RsaPrivateKey) -> None:
    """Both encodings of a key with a zero top byte are registered; the one used stays."""
    store = MemoryAuthKeyStore()
    gate = Gate()
    async with run_gateway(gate.dispatcher, server_key, store=store) as (port, gateway):
        full = AuthKey(b"\x00" + bytes(range(1, 256)))
        short = AuthKey(bytes(range(1, 256)))
        created = AuthKeyCreated(auth_key=full, first_salt=77, alt_auth_key=short)
        assert await gateway.registry.register(created)
        assert await store.count() == 2
        client = await RawClient.connect(port)
        async with client:
            client.start_session(short, 77)
            assert isinstance(await client.call(functions.help.GetCdnConfig()), types.CdnConfig)
        assert await store.get(full.key_id) is None
        assert (await store.get(short.key_id)) is not None
        assert gateway.registry.cached(full.key_id) is None


async def test_restart_keeps_keys_salts_and_client_info(
    server_config: ServerConfig, server_key: RsaPrivateKey
) -> None:
    query = functions.InvokeWithLayer(
        layer=LAYER,
        query=functions.InitConnection(
            api_id=4,
            device_model="dm",
            system_version="sv",
            app_version="av",
            system_lang_code="en",
            lang_pack="tdesktop",
            lang_code="de",
            query=functions.help.GetConfig(),
        ),
    )
    async with open_server(server_config) as info:
        client, created = await connect_and_login(info.port, server_key.public_key)
        async with client:
            await client.call(query)
    async with await SqliteAuthKeyStore.open(server_config.data_dir / DATABASE_FILE) as store:
        record = await store.get(created.auth_key.key_id)
        assert record is not None and record.client is not None
        assert (record.client.api_id, record.client.lang_code, record.layer) == (4, "de", LAYER)
        assert created.first_salt in [s.salt for s in record.salts]
    async with open_server(server_config) as info:
        client = await RawClient.connect(info.port, "full")
        async with client:
            # The first salt is still valid: no bad_server_salt round trip.
            client.start_session(created.auth_key, created.first_salt)
            config = await client.call(functions.help.GetConfig())
            assert isinstance(config, types.Config)
            assert not [e for e in client.seen if type(e).__name__ == "SaltChanged"]


async def test_idle_sessions_and_keys_are_swept(server_key: RsaPrivateKey) -> None:
    offset = [0.0]

    def clock() -> float:
        return time.time() + offset[0]

    gate = Gate()
    limits = GatewayLimits(session_ttl=100.0)
    async with run_gateway(gate.dispatcher, server_key, limits=limits) as (port, gateway):
        gateway.clock = clock
        gateway.registry._clock = clock
        client, created = await connect_and_login(port, server_key.public_key)
        async with client:
            await client.call(functions.help.GetCdnConfig())
            key_id = created.auth_key.key_id
            assert gateway.sweep() == 0  # connected: kept
        await trio.sleep(0.05)
        assert gateway.sweep() == 0  # recent: kept
        offset[0] = 101.0
        assert gateway.sweep() == 1
        assert gateway.router.sessions(key_id) == []
        assert gateway.registry.cached(key_id) is None
        # The key is still in the store: the client comes back with a new session.
        client = await RawClient.connect(port)
        async with client:
            client.start_session(created.auth_key, created.first_salt, time_offset=offset[0])
            assert isinstance(await client.call(functions.help.GetCdnConfig()), types.CdnConfig)


def test_limits_from_config(server_config: ServerConfig) -> None:
    config = attrs.evolve(server_config, idle_timeout=5.0, max_connections=3)
    limits = GatewayLimits.from_config(config)
    assert (limits.idle_timeout, limits.max_connections) == (5.0, 3)
    assert SessionConfig().max_past == 300.0
