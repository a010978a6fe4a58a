"""SIGKILL during a burst of posts into a supergroup loses no acknowledged post and
duplicates none; the channel's pts and getChannelDifference are consistent after the restart.

``tgserver run`` runs as a subprocess on a temporary data directory. One user creates a
supergroup and posts from several tasks at once (unique texts and random_ids); once half of
the posts have been answered the server is killed with SIGKILL. After a restart on the same
data directory, on the same auth key: every post whose answer arrived is in the history once,
under the id the answer gave; ``updates.getChannelDifference`` from the channel's first pts
lists the same messages in pts order; resending the unanswered posts with their random_ids
stores each at most once.
"""

from __future__ import annotations

import os
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
import trio

from tests.sigkill_support import (
    CODE,
    burst_then_kill,
    full_history,
    running_server,
    session_client,
)
from tgcore.client import Client, log_in
from tgcore.storage import MemorySessionStore
from tgcore.tl import functions, types

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")

PHONE = "9996627301"
TASKS = 4
PER_TASK = 40
KILL_AFTER = 60


def posted_id(answer: object) -> int:
    assert isinstance(answer, types.Updates)
    [new] = [u for u in answer.updates if isinstance(u, types.UpdateNewChannelMessage)]
    return new.message.id


async def test_sigkill_mid_burst_of_posts(server_data_dir: Path, tmp_path: Path) -> None:
    session = MemorySessionStore()
    burst = [
        (f"post {t}/{n}", t * 1_000_000 + n + 1) for t in range(TASKS) for n in range(PER_TASK)
    ]
    acked: dict[str, int] = {}
    half = trio.Event()

    def connect(port: int, key: bytes) -> Client:
        return session_client(port, key, session)

    with trio.fail_after(60):
        async with running_server(server_data_dir, tmp_path / "first.log") as (server, port):
            key = (server_data_dir / "server.pub.pem").read_bytes()
            async with connect(port, key) as client:
                await log_in(client, PHONE, CODE, first_name="Poster")
                created = await client(
                    functions.channels.CreateChannel(title="Durable", about="", megagroup=True)
                )
                assert isinstance(created, types.Updates)
                [chat] = created.chats
                assert isinstance(chat, types.Channel) and chat.access_hash is not None
                peer = types.InputPeerChannel(channel_id=chat.id, access_hash=chat.access_hash)

                async def poster(task: int) -> None:
                    for text, random_id in burst[task * PER_TASK : (task + 1) * PER_TASK]:
                        answer = await client(
                            functions.messages.SendMessage(
                                peer=peer, message=text, random_id=random_id
                            )
                        )
                        acked[text] = posted_id(answer)
                        if len(acked) >= KILL_AFTER:
                            half.set()

                await burst_then_kill(
                    server, [partial(poster, task) for task in range(TASKS)], half
                )

    assert KILL_AFTER <= len(acked) < len(burst)
    with trio.fail_after(60):
        async with running_server(server_data_dir, tmp_path / "second.log") as (server, port):  # noqa: SIM117
            async with connect(port, key) as client:
                await log_in(client, PHONE, CODE, first_name="Poster")
                found = await full_history(client, peer)
                counts = Counter(m.message for m in found)
                assert [t for t, n in counts.items() if n > 1] == []
                ids = {m.message: m.id for m in found}
                assert all(ids.get(text) == i for text, i in acked.items())
                # The channel's log agrees with its history, in pts order.
                diff = await client(
                    functions.updates.GetChannelDifference(
                        channel=types.InputChannel(
                            channel_id=chat.id, access_hash=chat.access_hash
                        ),
                        filter=types.ChannelMessagesFilterEmpty(),
                        pts=1,
                        limit=100,
                    )
                )
                assert isinstance(diff, types.updates.ChannelDifference)
                listed = [m.id for m in diff.new_messages]
                assert listed == sorted(listed) and listed[0] == 1
                # Unanswered posts again with their random_ids: stored at most once each.
                for text, random_id in [b for b in burst if b[0] not in acked][:10]:
                    first = posted_id(
                        await client(
                            functions.messages.SendMessage(
                                peer=peer, message=text, random_id=random_id
                            )
                        )
                    )
                    again = posted_id(
                        await client(
                            functions.messages.SendMessage(
                                peer=peer, message=text, random_id=random_id
                            )
                        )
                    )
                    assert first == again
                counts = Counter(m.message for m in await full_history(client, peer))
                assert max(counts.values()) == 1
