"""Message-store benchmark: durable private messages per second, and what group commit buys.

    python bench/message_store.py [--seconds 2] [--users 1000] [--dir PATH]

For each backend and 1, 10 and 100 concurrent senders (each sending to random peers among
``--users``), prints messages/s, the send latency p50/p99 and, for SQLite, how many writes a
commit carried on average (the group-commit batch). Every SQLite send is committed on both
sides before it returns; with 4 shards most sends cross files (two commits: the sender's and
the recipient's). The reference row in the same run is raw sqlite3 doing one INSERT and one
COMMIT per message (``synchronous=FULL``): the fsync bound that group commit gets around.
Then history pages and update-log reads per second. Printed, never asserted.

Run it on the disk the server will use (``--dir``): fsync cost is the whole story.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import trio

from tgserver.store.messages import (
    MemoryMessageStore,
    MessageStore,
    NewMessage,
    SqliteMessageStore,
)

CONCURRENCY = (1, 10, 100)
BACKENDS = (
    ("memory", 0, None),
    ("sqlite, 1 shard, FULL", 1, "FULL"),
    ("sqlite, 4 shards, FULL", 4, "FULL"),
    ("sqlite, 1 shard, NORMAL", 1, "NORMAL"),
    ("sqlite, 4 shards, NORMAL", 4, "NORMAL"),
)


async def open_store(directory: Path, shards: int, synchronous: str | None) -> MessageStore:
    if not shards:
        return MemoryMessageStore()
    return await SqliteMessageStore.open(
        directory,
        shards=shards,
        synchronous="FULL" if synchronous == "FULL" else "NORMAL",
    )


async def send_burst(
    store: MessageStore, senders: int, seconds: float, users: int
) -> tuple[int, list[float]]:
    """``senders`` tasks sending for ``seconds``; (messages sent, latencies in seconds)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def sender(index: int) -> None:
        rng = random.Random(index)
        user = 1 + index % users
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            message = NewMessage(
                user,
                rng.randrange(1, users + 1),
                1_700_000_000 + n,
                "benchmark message of a typical length, about sixty characters",
                entities=b"\x15\xc4\xb5\x1c\x00\x00\x00\x00",
                random_id=rng.getrandbits(63),
            )
            start = time.perf_counter()
            await store.send_message(message)
            latencies.append(time.perf_counter() - start)

    async with trio.open_nursery() as nursery:
        for index in range(senders):
            nursery.start_soon(sender, index)
    return len(latencies), latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def raw_commit_rate(directory: Path, seconds: float) -> float:
    """Messages/s of plain sqlite3 with one INSERT + COMMIT each (WAL, synchronous=FULL)."""
    conn = sqlite3.connect(directory / "raw.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, owner INTEGER, text TEXT)")
    done = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO m (owner, text) VALUES (?, ?)", (done % 100, "x" * 60))
        conn.execute("COMMIT")
        done += 1
    rate = done / (time.perf_counter() - start)
    conn.close()
    return rate


async def read_rate(
    label: str, fn: Callable[[int], Awaitable[object]], seconds: float, readers: int = 10
) -> None:
    done = 0
    deadline = time.perf_counter() + seconds

    async def reader(index: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await fn(index)
            done += 1

    start = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for index in range(readers):
            nursery.start_soon(reader, index)
    print(f"  {label:<44} {done / (time.perf_counter() - start):>10,.0f} /s")


async def bench_reads(store: MessageStore, seconds: float, users: int) -> None:
    print("reads on that store (10 concurrent readers):")
    await read_rate(
        "get_history(limit=20)",
        lambda i: store.get_history(1 + i % users, 1 + (i * 7) % users, limit=20),
        seconds,
    )
    await read_rate(
        "get_updates(pts=1, limit=100)",
        lambda i: store.get_updates(1 + i % users, 1, limit=100),
        seconds,
    )
    await read_rate(
        "get_dialogs(limit=100)", lambda i: store.get_dialogs(1 + i % users, limit=100), seconds
    )


async def main(seconds: float, users: int, base: Path) -> None:
    print(f"send_message, {seconds:g} s per cell, {users} users, data in {base}")
    print(f"{'backend':<26}{'senders':>8}{'msgs/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'batch':>7}")
    print(f"{'raw sqlite3, commit per insert':<26}{1:>8}{raw_commit_rate(base, seconds):>10,.0f}")
    for label, shards, synchronous in BACKENDS:
        for senders in CONCURRENCY:
            directory = Path(tempfile.mkdtemp(dir=base))
            store = await open_store(directory, shards, synchronous)
            start = time.perf_counter()
            sent, latencies = await send_burst(store, senders, seconds, users)
            rate = sent / (time.perf_counter() - start)
            batch = ""
            if isinstance(store, SqliteMessageStore):
                transactions, writes = store.commit_stats
                batch = f"{writes / max(transactions, 1):.1f}"
            print(
                f"{label:<26}{senders:>8}{rate:>10,.0f}{percentile(latencies, 0.5) * 1e3:>9.2f}"
                f"{percentile(latencies, 0.99) * 1e3:>9.2f}{batch:>7}"
            )
            if shards == 4 and synchronous == "FULL" and senders == CONCURRENCY[-1]:
                await bench_reads(store, seconds, users)
            await store.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        trio.run(main, args.seconds, args.users, Path(tmp))
