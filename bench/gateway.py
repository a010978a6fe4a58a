"""Gateway benchmark: tgcore's Trio client and Telethon 1.45 against one tgserver, in one run.

    python bench/gateway.py [--handshakes 30] [--pings 1000] [--clients 100] [--idle 1000]

The server runs as a separate process (``tgserver run`` on a free port, fresh data dir), so its
CPU and memory are its own. Printed, never asserted:

- handshakes/s: a fresh connection and the auth-key handshake alone;
- connects/s: a fresh auth key (handshake) plus the first ``help.getConfig`` (Telethon always
  sends that first call on connect, so our client does the same for a like-for-like figure);
- sequential ping round trips/s over one connection;
- ping latency p50/p99 with N concurrent clients, each pinging in a loop;
- server RSS per idle connection, with ``--idle`` connections open (our client, one shared
  auth key so the figure is the connection and session cost, not the handshake's).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import trio
from _server import ServerProcess

from tgcore.client import Client, create_auth_key, open_connection
from tgcore.crypto import RsaPublicKey
from tgcore.storage import MemorySessionStore, SessionData
from tgcore.tl import functions

HOST = "127.0.0.1"


# -- measurements: our Trio client ---------------------------------------------------------------


async def ours_handshakes(server: ServerProcess, count: int) -> float:
    """Auth keys/s: a fresh connection and the handshake alone, nothing else."""
    keys = [RsaPublicKey.from_pem(server.public_key)]
    start = time.perf_counter()
    for _ in range(count):
        connection = await open_connection(HOST, server.port)
        try:
            await create_auth_key(connection, keys, dc_id=2)
        finally:
            await connection.aclose()
    return count / (time.perf_counter() - start)


async def ours_connects(server: ServerProcess, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        async with Client(HOST, server.port, public_key=server.public_key) as client:
            await client(functions.help.GetConfig())
    return count / (time.perf_counter() - start)


async def ours_sequential_pings(server: ServerProcess, count: int) -> float:
    async with Client(HOST, server.port, public_key=server.public_key) as client:
        await client(functions.help.GetConfig())
        start = time.perf_counter()
        for i in range(count):
            await client(functions.Ping(ping_id=i))
        return count / (time.perf_counter() - start)


async def ours_concurrent_latency(
    server: ServerProcess, clients: int, pings_each: int
) -> list[float]:
    latencies: list[float] = []
    ready = trio.Event()
    connected = 0

    async def one(index: int) -> None:
        nonlocal connected
        async with Client(HOST, server.port, public_key=server.public_key) as client:
            await client(functions.help.GetConfig())
            connected += 1
            if connected == clients:
                ready.set()
            await ready.wait()
            for i in range(pings_each):
                t0 = time.perf_counter()
                await client(functions.Ping(ping_id=index * 1_000_000 + i))
                latencies.append(time.perf_counter() - t0)

    async with trio.open_nursery() as nursery:
        for index in range(clients):
            nursery.start_soon(one, index)
    return latencies


async def ours_idle_rss(server: ServerProcess, connections: int) -> tuple[int, int, float]:
    """Open ``connections`` idle clients sharing one auth key; RSS before, after, per conn."""
    first_store = MemorySessionStore()
    async with Client(HOST, server.port, public_key=server.public_key, session=first_store) as c:
        await c(functions.help.GetConfig())
    saved = await first_store.load()
    assert saved is not None
    await trio.sleep(1)
    before = server.rss_kib()
    opened = trio.Event()
    release = trio.Event()
    count = 0

    async def idle() -> None:
        nonlocal count
        store = MemorySessionStore(
            SessionData(dc_id=saved.dc_id, host=HOST, port=server.port, auth_key=saved.auth_key)
        )
        async with Client(HOST, server.port, public_key=server.public_key, session=store) as c:
            await c(functions.Ping(ping_id=1))
            count += 1
            if count == connections:
                opened.set()
            await release.wait()

    async with trio.open_nursery() as nursery:
        for _ in range(connections):
            nursery.start_soon(idle)
        await opened.wait()
        await trio.sleep(2)
        after = server.rss_kib()
        release.set()
    return before, after, (after - before) / connections


# -- measurements: Telethon (asyncio) ------------------------------------------------------------


def telethon_client(server: ServerProcess, *, connection: type | None = None) -> object:
    from telethon import TelegramClient
    from telethon.crypto import rsa
    from telethon.sessions import MemorySession

    rsa.add_key(server.public_key.decode(), old=False)
    session = MemorySession()
    session.set_dc(2, HOST, server.port)
    kwargs = {"connection": connection} if connection is not None else {}
    return TelegramClient(session, 1, "bench", receive_updates=False, **kwargs)


async def telethon_handshakes(server: ServerProcess, count: int) -> float:
    """Telethon's own authenticator over its plain sender: the handshake alone."""
    import logging as _logging

    from telethon.crypto import rsa
    from telethon.network import authenticator
    from telethon.network.connection import ConnectionTcpFull
    from telethon.network.mtprotoplainsender import MTProtoPlainSender

    rsa.add_key(server.public_key.decode(), old=False)
    loggers = collections.defaultdict(lambda: _logging.getLogger("telethon"))
    start = time.perf_counter()
    for _ in range(count):
        connection = ConnectionTcpFull(HOST, server.port, 2, loggers=loggers)
        await connection.connect(timeout=10)
        try:
            await authenticator.do_authentication(MTProtoPlainSender(connection, loggers=loggers))
        finally:
            await connection.disconnect()
    return count / (time.perf_counter() - start)


async def telethon_connects(server: ServerProcess, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        client = telethon_client(server)
        await client.connect()  # handshake + invokeWithLayer(initConnection(help.getConfig))
        await client.disconnect()
    return count / (time.perf_counter() - start)


async def telethon_sequential_pings(server: ServerProcess, count: int) -> float:
    from telethon.tl.functions import PingRequest

    client = telethon_client(server)
    await client.connect()
    try:
        start = time.perf_counter()
        for i in range(count):
            await client(PingRequest(ping_id=i))
        return count / (time.perf_counter() - start)
    finally:
        await client.disconnect()


async def telethon_concurrent_latency(
    server: ServerProcess, clients: int, pings_each: int
) -> list[float]:
    from telethon.tl.functions import PingRequest

    latencies: list[float] = []
    connected = [telethon_client(server) for _ in range(clients)]
    for client in connected:
        await client.connect()

    async def one(index: int, client: object) -> None:
        for i in range(pings_each):
            t0 = time.perf_counter()
            await client(PingRequest(ping_id=index * 1_000_000 + i))
            latencies.append(time.perf_counter() - t0)

    try:
        await asyncio.gather(*(one(i, c) for i, c in enumerate(connected)))
    finally:
        for client in connected:
            await client.disconnect()
    return latencies


# -- report --------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run_trio(fn: Callable[..., Awaitable[object]], *args: object) -> object:
    return trio.run(fn, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handshakes", type=int, default=30)
    parser.add_argument("--pings", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--pings-each", type=int, default=20)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("telethon").setLevel(logging.CRITICAL)

    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp))
        try:
            print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
            print(f"server: pid {server.proc.pid} on {HOST}:{server.port}\n")
            rows: list[tuple[str, str, str]] = []

            ours = trio.run(ours_handshakes, server, args.handshakes)
            theirs = asyncio.run(telethon_handshakes(server, args.handshakes))
            rows.append(("handshakes/s (auth key only)", f"{ours:,.1f}", f"{theirs:,.1f}"))

            ours = trio.run(ours_connects, server, args.handshakes)
            theirs = asyncio.run(telethon_connects(server, args.handshakes))
            rows.append(("connects/s (handshake + getConfig)", f"{ours:,.1f}", f"{theirs:,.1f}"))

            ours = trio.run(ours_sequential_pings, server, args.pings)
            theirs = asyncio.run(telethon_sequential_pings(server, args.pings))
            rows.append(("sequential ping round trips/s", f"{ours:,.0f}", f"{theirs:,.0f}"))

            ours_lat = trio.run(ours_concurrent_latency, server, args.clients, args.pings_each)
            theirs_lat = asyncio.run(
                telethon_concurrent_latency(server, args.clients, args.pings_each)
            )
            for q in (50, 99):
                rows.append(
                    (
                        f"ping p{q} ms, {args.clients} concurrent clients",
                        f"{percentile(ours_lat, q) * 1000:.2f}",
                        f"{percentile(theirs_lat, q) * 1000:.2f}",
                    )
                )

            print(f"{'':44} {'tgcore client':>14} {'Telethon 1.45':>14}")
            print("-" * 74)
            for name, a, b in rows:
                print(f"{name:44} {a:>14} {b:>14}")

            before, after, per = trio.run(ours_idle_rss, server, args.idle)
            print(
                f"\nserver RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB with "
                f"{args.idle} idle connections -> {per:.1f} KiB per idle connection"
            )
        except BaseException:
            print("server log:\n" + server.log_path.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            server.stop()


if __name__ == "__main__":
    main()
