"""Dropped connections: the client reconnects with backoff and every waiting call completes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
import trio

from tgcore.client import (
    Client,
    ClientConfig,
    ConnectionLostError,
    ReconnectPolicy,
    TransportConfig,
)
from tgcore.crypto import RsaPrivateKey
from tgcore.tl import functions, types

if TYPE_CHECKING:
    from .conftest import MiniServer

NEAREST = types.NearestDc(country="NL", this_dc=2, nearest_dc=2)
FAST = ReconnectPolicy(initial_delay=0.01, max_delay=0.05)


async def until(predicate: Callable[[], object]) -> None:
    """Poll state the test does not own; the caller bounds it with trio.fail_after."""
    while not predicate():  # noqa: ASYNC110
        await trio.sleep(0.01)


def make_client(server: MiniServer, key: RsaPrivateKey, **config: Any) -> Client:
    config.setdefault("reconnect", FAST)
    return Client(
        "127.0.0.1", server.port, public_key=key.public_key, config=ClientConfig(**config)
    )


class Gate:
    """A handler that answers only once released, counting how often it ran."""

    def __init__(self) -> None:
        self.calls = 0
        self.entered = trio.Event()
        self.release = trio.Event()

    async def __call__(self, request: object) -> types.NearestDc:
        self.calls += 1
        self.entered.set()
        await self.release.wait()
        return NEAREST


async def _wait_for(predicate: Callable[[], object]) -> None:
    with trio.fail_after(3):
        await until(predicate)


@pytest.mark.parametrize("transport", ["abridged", "full", "obfuscated-padded", "websocket"])
async def test_answer_computed_while_away_arrives_after_reconnect(
    transport: str, server: MiniServer, server_key: RsaPrivateKey
) -> None:
    gate = Gate()
    server.handlers[functions.help.GetNearestDc] = gate
    config = TransportConfig.from_name(transport)
    async with make_client(server, server_key, transport=config) as client:
        async with trio.open_nursery() as nursery:
            results: list[object] = []

            async def call() -> None:
                results.append(await client(functions.help.GetNearestDc()))

            nursery.start_soon(call)
            await gate.entered.wait()
            server.drop_connections()
            gate.release.set()
        assert results == [NEAREST]
        assert client.sender.connections == 2
    # The re-sent request kept its msg_id: the server answered it without running it again.
    assert gate.calls == 1
    assert server.handshakes == 1


async def test_server_restart_runs_the_request_again(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    gate = Gate()
    server.handlers[functions.help.GetNearestDc] = gate
    async with make_client(server, server_key) as client:
        async with trio.open_nursery() as nursery:
            results: list[object] = []

            async def call() -> None:
                results.append(await client(functions.help.GetNearestDc()))

            nursery.start_soon(call)
            await gate.entered.wait()
            server.restart()  # sessions and the first run's answer are gone
            await _wait_for(lambda: gate.calls == 2)
            gate.release.set()
        assert results == [NEAREST]
        assert await client(functions.help.GetNearestDc()) == NEAREST
    assert server.handshakes == 1


async def test_many_waiting_calls_survive_a_drop(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    gate = Gate()
    server.handlers[functions.help.GetNearestDc] = gate
    results: list[object] = []
    async with make_client(server, server_key) as client:

        async def call() -> None:
            results.append(await client(functions.help.GetNearestDc()))

        async with trio.open_nursery() as nursery:
            for _ in range(30):
                nursery.start_soon(call)
            await _wait_for(lambda: gate.calls == 30)
            server.drop_connections()
            await _wait_for(lambda: client.sender.connections == 2)
            gate.release.set()
    assert results == [NEAREST] * 30


async def test_calls_made_while_disconnected(server: MiniServer, server_key: RsaPrivateKey) -> None:
    async with make_client(server, server_key) as client:
        await client(functions.help.GetNearestDc())
        server.refuse = True
        server.drop_connections()
        await _wait_for(lambda: not client.connected)
        with trio.move_on_after(0.2) as scope:
            await client(functions.help.GetNearestDc())
        assert scope.cancelled_caught
        async with trio.open_nursery() as nursery:
            results: list[object] = []

            async def call() -> None:
                results.append(await client(functions.help.GetNearestDc()))

            nursery.start_soon(call)
            await trio.sleep(0.1)
            server.refuse = False
        assert results == [NEAREST]
    # The new connection opened with initConnection again. (The cancelled call may reach the
    # server too: cancelling stops the waiting, not a message already queued.)
    assert isinstance(server.received[0], functions.InvokeWithLayer)
    assert isinstance(server.received[-1], functions.InvokeWithLayer)


async def test_unknown_key_makes_a_new_one(server: MiniServer, server_key: RsaPrivateKey) -> None:
    gate = Gate()
    gate.release.set()
    async with make_client(server, server_key) as client:
        await client(functions.help.GetNearestDc())
        first_key = client.auth_key
        server.forget_keys()  # the next message gets transport error -404
        assert await client(functions.help.GetNearestDc()) == NEAREST
        assert client.auth_key != first_key
        assert client.sender.handshakes == 2
    assert server.handshakes == 2


async def test_giving_up_fails_waiting_and_later_calls(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    policy = ReconnectPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.02)
    gate = Gate()
    server.handlers[functions.help.GetNearestDc] = gate
    async with make_client(server, server_key, reconnect=policy) as client:
        errors: list[BaseException] = []

        async def call() -> None:
            try:
                await client(functions.help.GetNearestDc())
            except ConnectionLostError as exc:
                errors.append(exc)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(call)
            await gate.entered.wait()
            server.refuse = True
            server.drop_connections()
        assert len(errors) == 1
        assert "3 failed attempts" in str(errors[0])
        with pytest.raises(ConnectionLostError):
            await client(functions.help.GetNearestDc())
        assert client.sender.closed
    # A few more than 3 connections: the refused ones count as failed attempts.
    assert server.connections_made >= 4


async def test_backoff_between_attempts(server: MiniServer, server_key: RsaPrivateKey) -> None:
    policy = ReconnectPolicy(initial_delay=0.1, max_delay=0.1, jitter=0.0)
    async with make_client(server, server_key, reconnect=policy) as client:
        await client(functions.help.GetNearestDc())
        server.refuse = True
        before = server.connections_made
        server.drop_connections()
        await trio.sleep(0.55)
        # Immediately once, then at most one attempt per 0.1 s.
        assert 2 <= server.connections_made - before <= 7
        server.refuse = False
        assert await client(functions.help.GetNearestDc()) == NEAREST


async def test_pings_lost_with_the_connection_are_sent_again(
    server: MiniServer, server_key: RsaPrivateKey
) -> None:
    async with make_client(server, server_key) as client:
        await client(functions.help.GetNearestDc())
        server.mute = True  # the server sees the pings, the pongs are lost
        results: list[object] = []

        async def ping(i: int) -> None:
            results.append(await client(functions.Ping(ping_id=i)))

        async with trio.open_nursery() as nursery:
            for i in range(3):
                nursery.start_soon(ping, i)
            await trio.sleep(0.1)
            server.mute = False
            server.drop_connections()
        assert sorted(r.ping_id for r in results) == [0, 1, 2]  # type: ignore[attr-defined]
