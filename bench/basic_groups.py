"""Basic-group benchmark: a message copied into every member's box, durably.

    python bench/basic_groups.py [--seconds 2] [--dir PATH]

A basic-group message is one copy per member (as in Telegram): ``MessageStore.send_to_chat``
commits the sender's copy with the copies of members in the sender's shard, then gives every
other shard its copies in one transaction. For groups of 3, 20 and 200 members (the basic-group
limit) and 1 and 10 concurrent senders (each in its own group), prints group messages/s, box
copies/s and the send latency p50/p99. Printed, never asserted. Run it on the disk the server
will use (``--dir``): fsync cost is the whole story.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import trio

from tgserver.peerids import chat_key
from tgserver.store.messages import MemoryMessageStore, MessageStore, NewMessage, SqliteMessageStore

SIZES = (3, 20, 200)
CONCURRENCY = (1, 10)
BACKENDS = (("memory", 0, "FULL"), ("sqlite, 4 shards, FULL", 4, "FULL"))


async def open_store(directory: Path, shards: int) -> MessageStore:
    if not shards:
        return MemoryMessageStore()
    return await SqliteMessageStore.open(directory, shards=shards, synchronous="FULL")


async def burst(
    store: MessageStore, size: int, senders: int, seconds: float
) -> tuple[int, list[float]]:
    """``senders`` tasks, each posting to its own group of ``size`` members for ``seconds``."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def sender(index: int) -> None:
        members = list(range(1 + index * size, 1 + (index + 1) * size))
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            message = NewMessage(
                members[0],
                chat_key(index + 1),
                1_700_000_000 + n,
                "benchmark message of a typical length, about sixty characters",
                random_id=(index << 32) + n,
            )
            start = time.perf_counter()
            await store.send_to_chat(message, members)
            latencies.append(time.perf_counter() - start)

    async with trio.open_nursery() as nursery:
        for index in range(senders):
            nursery.start_soon(sender, index)
    return len(latencies), latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(seconds: float, directory: Path | None) -> None:
    print(f"{'backend':<24} {'members':>7} {'senders':>7} {'msg/s':>8} {'copies/s':>9} "
          f"{'p50 ms':>7} {'p99 ms':>7}")  # fmt: skip
    for name, shards, _ in BACKENDS:
        for size in SIZES:
            for senders in CONCURRENCY:
                with tempfile.TemporaryDirectory(dir=directory) as tmp:
                    store = await open_store(Path(tmp), shards)
                    try:
                        count, latencies = await burst(store, size, senders, seconds)
                    finally:
                        await store.aclose()
                rate = count / seconds
                print(
                    f"{name:<24} {size:>7} {senders:>7} {rate:>8.0f} {rate * size:>9.0f} "
                    f"{percentile(latencies, 0.5) * 1000:>7.2f} "
                    f"{percentile(latencies, 0.99) * 1000:>7.2f}"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    args = parser.parse_args()
    trio.run(main, args.seconds, args.dir)
