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
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

import pytest
import trio

from tgcore.client import Client, ClientConfig
from tgcore.errors import RpcError
from tgcore.storage import MemorySessionStore
from tgcore.tl import functions, types

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")

SCRIPT = Path(sys.executable).with_name("tgserver")
LISTENING = re.compile(r"tgserver listening on mtproto://\S+:(\d+) \(TCP: ")
PHONE = "9996627301"
CODE = "22222"
TASKS = 4
PER_TASK = 40
KILL_AFTER = 60


class ServerProcess:
    """``tgserver run --data DIR --port 0`` with its log in a file."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TGSERVER_")}
        self.log_path = log_path
        self._log: IO[str] = log_path.open("w")
        self.proc = subprocess.Popen(
            [str(SCRIPT), "run", "--data", str(data_dir), "--port", "0"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    async def port(self) -> int:
        """The port the server reports once it listens."""
        with trio.move_on_after(30):
            while True:
                if found := LISTENING.search(self.log_path.read_text()):
                    return int(found[1])
                if self.proc.poll() is not None:
                    pytest.fail(f"tgserver exited:\n{self.log_path.read_text()}")
                await trio.sleep(0.05)
        pytest.fail(f"tgserver did not listen:\n{self.log_path.read_text()}")

    def close(self) -> None:
        """Kill if still running, reap, close the log."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()


@asynccontextmanager
async def running_server(data_dir: Path, log: Path) -> AsyncIterator[tuple[ServerProcess, int]]:
    server = ServerProcess(data_dir, log)
    try:
        yield server, await server.port()
    finally:
        server.close()


async def log_in(client: Client) -> None:
    try:
        [me] = await client(functions.users.GetUsers(id=[types.InputUserSelf()]))
        if isinstance(me, types.User):
            return
    except RpcError:
        pass
    sent = await client(
        functions.auth.SendCode(
            phone_number=PHONE, api_id=1, api_hash="0" * 32, settings=types.CodeSettings()
        )
    )
    assert isinstance(sent, types.auth.SentCode)
    result = await client(
        functions.auth.SignIn(
            phone_number=PHONE, phone_code_hash=sent.phone_code_hash, phone_code=CODE
        )
    )
    if isinstance(result, types.auth.AuthorizationSignUpRequired):
        await client(
            functions.auth.SignUp(
                phone_number=PHONE,
                phone_code_hash=sent.phone_code_hash,
                first_name="Poster",
                last_name="",
            )
        )


async def history(client: Client, peer: types.InputPeerChannel) -> list[types.Message]:
    found: list[types.Message] = []
    offset_id = 0
    while True:
        page = await client(
            functions.messages.GetHistory(
                peer=peer,
                offset_id=offset_id,
                offset_date=0,
                add_offset=0,
                limit=100,
                max_id=0,
                min_id=0,
                hash=0,
            )
        )
        assert isinstance(page, types.messages.ChannelMessages)
        if not page.messages:
            return found
        found.extend(m for m in page.messages if isinstance(m, types.Message))
        offset_id = page.messages[-1].id


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
        config = ClientConfig(request_timeout=20.0)
        return Client("127.0.0.1", port, public_key=key, session=session, config=config)

    with trio.fail_after(60):
        async with running_server(server_data_dir, tmp_path / "first.log") as (server, port):
            key = (server_data_dir / "server.pub.pem").read_bytes()
            async with connect(port, key) as client:
                await log_in(client)
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

                async def killer() -> None:
                    await half.wait()
                    server.proc.send_signal(signal.SIGKILL)
                    await trio.sleep(0.5)
                    nursery.cancel_scope.cancel()

                async with trio.open_nursery() as nursery:
                    nursery.start_soon(killer)
                    for task in range(TASKS):
                        nursery.start_soon(poster, task)
                assert server.proc.wait() == -signal.SIGKILL

    assert KILL_AFTER <= len(acked) < len(burst)
    with trio.fail_after(60):
        async with running_server(server_data_dir, tmp_path / "second.log") as (server, port):  # noqa: SIM117
            async with connect(port, key) as client:
                await log_in(client)
                found = await history(client, peer)
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
                counts = Counter(m.message for m in await history(client, peer))
                assert max(counts.values()) == 1
