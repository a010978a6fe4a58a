"""Supergroup benchmark: what one post costs in a 200,000-member group, and how fast it arrives.

    python bench/groups.py [--members 200000] [--sessions 5000] [--posts 10]
                           [--small-members 1000] [--small-senders 10] [--small-posts 50]

Printed, never asserted:

1. **Metadata rows per post.** A channel store (SQLite file, the server's backend) gets a
   supergroup of ``--members`` members, inserted in bulk; then 100 posts. The rows SQLite
   changed per post (``sqlite3.Connection.total_changes``) do not depend on the member count:
   the message row and the channel row (pts, top message).
2. **Fan-out to connected members.** One ``tgserver run`` in its own process. ``--sessions``
   tgcore clients (each its own auth key and test number ``99966 2 YYYY``) sign up from this
   process; client 0 creates a public supergroup, ``--members - --sessions`` member rows are
   inserted in bulk straight into the server's channel store (another process writing the same
   WAL-mode file), and the clients join through ``channels.joinChannel``: the group then has
   ``--members`` members of which ``--sessions`` are connected. Client 0 posts ``--posts``
   messages, each carrying its send time, one after the other when every session got the
   previous one. For each post: the time until every connected session received it; over all
   deliveries: p50 / p99 / max latency. The clients share the 2 cores with the server, so the
   figures include the clients' own decoding of 5,000 updates per post; the CPU time of both
   processes while posting is printed per delivered update.
3. **Server RSS** after the fan-out (``/proc``).
4. **Posts/s into a ``--small-members`` group**: ``--small-senders`` connected members post
   ``--small-posts`` messages each at once (each waits for its answer before the next), the
   other members are offline rows; posts/s = posts / elapsed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trio
from _server import ServerProcess
from messaging import Barrier, ours_log_in, percentile, phone, sent_at_of, text_of

from tgcore.client import Client, ClientConfig
from tgcore.tl import TLObject, functions, types
from tgserver.store.channels import (
    CHANNELS_FILE,
    NewChannel,
    NewChannelMessage,
    SqliteChannelStore,
)

HOST = "127.0.0.1"
#: Clients signing in (handshake and sign-up) or joining at once.
CONCURRENCY = 32
#: Ids of the member rows that stand for offline users (far above the real accounts).
FAKE_BASE = 50_000_000
#: Seconds to wait for a post to reach everybody before counting the rest lost.
POST_TIMEOUT = 120.0


def raise_file_limit() -> int:
    """Raise RLIMIT_NOFILE to its hard limit (the server inherits it); the new soft limit."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def own_cpu_seconds() -> float:
    """User + system CPU time of this (the clients') process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- 1. rows per post ----------------------------------------------------------------------------


async def rows_per_post(directory: Path, members: int) -> None:
    """Bulk-insert a group of ``members`` and count the rows 100 posts write."""
    async with await SqliteChannelStore.open(directory / "rows.sqlite3") as store:
        channel = await store.create_channel(
            NewChannel(creator_id=1, title="rows", about="", megagroup=True, date=1)
        )
        started = time.perf_counter()
        await store.add_members(
            channel.id, range(FAKE_BASE, FAKE_BASE + members - 1), inviter_id=1, date=1
        )
        bulk = time.perf_counter() - started
        before = store.rows_written
        started = time.perf_counter()
        posts = 100
        for n in range(posts):
            await store.post_message(
                NewChannelMessage(channel_id=channel.id, from_id=1, date=2, text=f"post {n}")
            )
        elapsed = time.perf_counter() - started
        rows = (store.rows_written - before) / posts
    print(f"bulk insert of {members - 1:,} member rows: {bulk:.2f} s")
    print(
        f"metadata rows written per post into a {members:,}-member group: {rows:g}"
        f" (store alone, fsync'd commits: {posts / elapsed:,.0f} posts/s)"
    )


# -- 2. fan-out ----------------------------------------------------------------------------------


def post_texts(update: TLObject, channel_id: int) -> list[str]:
    """The texts of new messages of ``channel_id`` in one pushed update."""
    if not isinstance(update, types.Updates | types.UpdatesCombined):
        return []
    return [
        item.message.message
        for item in update.updates
        if isinstance(item, types.UpdateNewChannelMessage)
        and isinstance(item.message, types.Message)
        and isinstance(item.message.peer_id, types.PeerChannel)
        and item.message.peer_id.channel_id == channel_id
    ]


class Fanout:
    """The shared state of the fan-out run."""

    def __init__(self, sessions: int, posts: int, *, freeze: bool = True) -> None:
        self.freeze = freeze
        self.sessions = sessions
        self.posts = posts
        self.channel_id = 0
        self.channel_hash = 0
        self.latencies: list[float] = []
        self.received = [0] * posts
        self.all_received: list[float] = [0.0] * posts
        self.post_done = [trio.Event() for _ in range(posts)]
        self.sent_at = [0.0] * posts
        self.cpu_before = 0.0
        self.cpu_after = 0.0
        self.client_cpu_before = 0.0
        self.client_cpu_after = 0.0


async def fanout(
    server: ServerProcess,
    data_dir: Path,
    members: int,
    sessions: int,
    posts: int,
    freeze: bool = True,
) -> None:
    """Sign up ``sessions`` clients, build the group, post and time the deliveries."""
    state = Fanout(sessions, posts, freeze=freeze)
    limiter = trio.CapacityLimiter(CONCURRENCY)
    signed_up, created, joined, done = (Barrier(sessions) for _ in range(4))
    group_ready = trio.Event()
    started = time.perf_counter()
    receivers = sessions - 1

    async def one(index: int) -> None:
        config = ClientConfig(request_timeout=600.0, connect_timeout=120.0, updates_capacity=4096)
        async with contextlib.AsyncExitStack() as stack:
            # Connecting is a handshake: keep those few at a time too.
            async with limiter:
                c = await stack.enter_async_context(
                    Client(HOST, server.port, public_key=server.public_key, config=config)
                )
                me = await ours_log_in(c, phone(index))
            await signed_up.wait()
            if index == 0:
                print(f"{sessions:,} sessions signed up in {time.perf_counter() - started:.1f} s")
                result = await c(
                    functions.channels.CreateChannel(title="Big group", about="", megagroup=True)
                )
                assert isinstance(result, types.Updates)
                [chat] = result.chats
                assert isinstance(chat, types.Channel)
                state.channel_id = chat.id
                await c(
                    functions.channels.UpdateUsername(
                        channel=types.InputChannel(
                            channel_id=chat.id, access_hash=chat.access_hash or 0
                        ),
                        username="big_group",
                    )
                )
                # The offline members: rows inserted in bulk by another process.
                t0 = time.perf_counter()
                async with await SqliteChannelStore.open(
                    data_dir / "tgdata" / CHANNELS_FILE
                ) as store:
                    await store.add_members(
                        chat.id,
                        range(FAKE_BASE, FAKE_BASE + members - sessions),
                        inviter_id=me,
                        date=1,
                    )
                print(
                    f"{members - sessions:,} offline member rows inserted in"
                    f" {time.perf_counter() - t0:.1f} s"
                )
                group_ready.set()
            await group_ready.wait()
            await created.wait()
            if index != 0:
                async with limiter:
                    found = await c(functions.contacts.ResolveUsername(username="big_group"))
                    assert isinstance(found, types.contacts.ResolvedPeer)
                    [chat] = found.chats
                    assert isinstance(chat, types.Channel)
                    await c(
                        functions.channels.JoinChannel(
                            channel=types.InputChannel(
                                channel_id=chat.id, access_hash=chat.access_hash or 0
                            )
                        )
                    )
            await joined.wait()
            if index == 0:
                full = await c(
                    functions.channels.GetFullChannel(
                        channel=types.InputChannel(
                            channel_id=state.channel_id,
                            access_hash=chat.access_hash or 0,
                        )
                    )
                )
                assert isinstance(full.full_chat, types.ChannelFull)
                print(
                    f"group: {full.full_chat.participants_count:,} members,"
                    f" {sessions:,} connected sessions"
                )
                peer = types.InputPeerChannel(
                    channel_id=state.channel_id, access_hash=chat.access_hash or 0
                )
                if state.freeze:
                    # The load generator's own full collections would scan 5,000 clients'
                    # state again and again (seconds each): keep them out of the measurement.
                    gc.collect()
                    gc.freeze()
                state.cpu_before = server.cpu_seconds()
                state.client_cpu_before = own_cpu_seconds()
                for n in range(posts):
                    state.sent_at[n] = time.perf_counter()
                    await c(
                        functions.messages.SendMessage(
                            peer=peer,
                            message=text_of(state.sent_at[n], me, n),
                            random_id=secrets.randbits(63) or 1,
                        )
                    )
                    with trio.move_on_after(POST_TIMEOUT):
                        await state.post_done[n].wait()
                state.cpu_after = server.cpu_seconds()
                state.client_cpu_after = own_cpu_seconds()
            else:
                got = 0
                with trio.move_on_after(POST_TIMEOUT * posts):
                    async for update in c.updates:
                        now = time.perf_counter()
                        for text in post_texts(update, state.channel_id):
                            sent_at = sent_at_of(text)
                            if sent_at is None:
                                continue
                            n = int(text.rsplit("n=", 1)[1])
                            state.latencies.append(now - sent_at)
                            state.received[n] += 1
                            if state.received[n] == receivers:
                                state.all_received[n] = now - sent_at
                                state.post_done[n].set()
                            got += 1
                        if got >= posts:
                            break
            await done.wait()

    async with trio.open_nursery() as nursery:
        for index in range(sessions):
            nursery.start_soon(one, index)
    lat = sorted(state.latencies)
    delivered = len(lat)
    print(
        f"deliveries: {delivered:,} of {receivers * posts:,}"
        f" ({posts} posts x {receivers:,} receiving sessions)"
    )
    if lat:
        print(
            f"post -> session latency: p50 {percentile(lat, 50) * 1000:,.0f} ms,"
            f" p99 {percentile(lat, 99) * 1000:,.0f} ms, max {lat[-1] * 1000:,.0f} ms"
        )
    if delivered:
        cpu = state.cpu_after - state.cpu_before
        print(
            f"server CPU while posting: {cpu:.2f} s ="
            f" {cpu / delivered * 1e6:,.0f} µs per delivered update"
        )
        client = state.client_cpu_after - state.client_cpu_before
        print(
            f"client process CPU (all {sessions:,} clients, same cores): {client:.2f} s ="
            f" {client / delivered * 1e6:,.0f} µs per delivered update"
        )
    full = [t for t in state.all_received if t]
    if full:
        print(
            f"time until all {receivers:,} sessions had a post: median"
            f" {statistics.median(full) * 1000:,.0f} ms, worst {max(full) * 1000:,.0f} ms"
        )


# -- 4. posts/s into a small group ---------------------------------------------------------------


async def small_group(
    server: ServerProcess, data_dir: Path, members: int, senders: int, posts: int, first: int
) -> None:
    """``senders`` connected members post at once into a group of ``members``."""
    limiter = trio.CapacityLimiter(CONCURRENCY)
    ready, done = Barrier(senders), Barrier(senders)
    group: dict[str, int] = {}
    group_ready = trio.Event()
    timing: dict[str, float] = {}

    async def one(index: int) -> None:
        config = ClientConfig(request_timeout=600.0, connect_timeout=120.0, updates_capacity=8192)
        async with contextlib.AsyncExitStack() as stack:
            async with limiter:
                c = await stack.enter_async_context(
                    Client(HOST, server.port, public_key=server.public_key, config=config)
                )
                me = await ours_log_in(c, phone(first + index))
            if index == 0:
                result = await c(
                    functions.channels.CreateChannel(title="Small group", about="", megagroup=True)
                )
                assert isinstance(result, types.Updates)
                [chat] = result.chats
                assert isinstance(chat, types.Channel)
                group["id"] = chat.id
                await c(
                    functions.channels.UpdateUsername(
                        channel=types.InputChannel(
                            channel_id=chat.id, access_hash=chat.access_hash or 0
                        ),
                        username="small_group",
                    )
                )
                async with await SqliteChannelStore.open(
                    data_dir / "tgdata" / CHANNELS_FILE
                ) as store:
                    await store.add_members(
                        chat.id,
                        range(FAKE_BASE * 2, FAKE_BASE * 2 + members - senders),
                        inviter_id=me,
                        date=1,
                    )
                group_ready.set()
            await group_ready.wait()
            found = await c(functions.contacts.ResolveUsername(username="small_group"))
            assert isinstance(found, types.contacts.ResolvedPeer)
            [chat] = found.chats
            assert isinstance(chat, types.Channel)
            if index != 0:
                await c(
                    functions.channels.JoinChannel(
                        channel=types.InputChannel(
                            channel_id=chat.id, access_hash=chat.access_hash or 0
                        )
                    )
                )
            peer = types.InputPeerChannel(channel_id=chat.id, access_hash=chat.access_hash or 0)
            await ready.wait()
            timing.setdefault("start", time.perf_counter())
            for n in range(posts):
                await c(
                    functions.messages.SendMessage(
                        peer=peer, message=f"small {n}", random_id=secrets.randbits(63) or 1
                    )
                )
            timing["end"] = time.perf_counter()
            await done.wait()

    async with trio.open_nursery() as nursery:
        for index in range(senders):
            nursery.start_soon(one, index)
    elapsed = timing["end"] - timing["start"]
    total = senders * posts
    print(
        f"posts into a {members:,}-member group ({senders} connected senders, the other members"
        f" offline): {total:,} posts in {elapsed:.2f} s = {total / elapsed:,.0f} posts/s"
    )


def main() -> None:
    """Run the measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--sessions", type=int, default=5_000)
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--small-members", type=int, default=1_000)
    parser.add_argument("--small-senders", type=int, default=10)
    parser.add_argument("--small-posts", type=int, default=50)
    parser.add_argument(
        "--no-freeze-clients",
        action="store_true",
        help="leave the clients' process to the default garbage collection while posting",
    )
    args = parser.parse_args()
    if args.sessions + args.small_senders > 10_000:
        parser.error("there are 10,000 test numbers in all")
    if args.members < args.sessions:
        parser.error("--members must be at least --sessions")
    limit = raise_file_limit()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, RLIMIT_NOFILE {limit}")
    with tempfile.TemporaryDirectory() as tmp:
        trio.run(rows_per_post, Path(tmp), args.members)
        server = ServerProcess(Path(tmp))
        try:
            print(f"server: pid {server.proc.pid} on {HOST}:{server.port}")
            rss_before = server.rss_kib()
            trio.run(
                fanout,
                server,
                Path(tmp),
                args.members,
                args.sessions,
                args.posts,
                not args.no_freeze_clients,
            )
            print(
                f"server RSS: {rss_before / 1024:,.0f} MiB at start,"
                f" {server.rss_kib() / 1024:,.0f} MiB with {args.sessions:,} sessions"
                f" and the {args.members:,}-member group"
            )
            trio.run(
                small_group,
                server,
                Path(tmp),
                args.small_members,
                args.small_senders,
                args.small_posts,
                args.sessions,
            )
        except BaseException:
            print("server log:\n" + server.log_path.read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            server.stop()


if __name__ == "__main__":
    main()
