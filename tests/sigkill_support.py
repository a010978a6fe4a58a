"""The harness of the kill -9 durability tests: ``tgserver run`` as a subprocess on a test's
data directory, killed with SIGKILL mid-work and started again on the same directory.

Used by tests/tgserver/test_durability_sigkill.py (messages), channels/test_channel_sigkill.py
(supergroup posts) and media/test_upload_sigkill.py (file parts).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

import pytest
import trio

from tgcore.client import Client, ClientConfig
from tgcore.storage import MemorySessionStore
from tgcore.tl import functions, types

__all__ = [
    "CODE",
    "LISTENING",
    "SCRIPT",
    "START_TIMEOUT",
    "ServerProcess",
    "burst_then_kill",
    "full_history",
    "running_server",
    "session_client",
]

#: The ``tgserver`` console script of the running interpreter's environment.
SCRIPT = Path(sys.executable).with_name("tgserver")
#: The log line that says the server listens, with its port.
LISTENING = re.compile(r"tgserver listening on mtproto://\S+:(\d+) \(TCP: ")
#: Seconds a server may take to listen.
START_TIMEOUT = 30.0
#: The login code of the test numbers of DC 2.
CODE = "22222"


class ServerProcess:
    """``tgserver run --data DIR --port 0``; its log goes to a file (no pipe to drain)."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        # TGSERVER_* settings of the outer environment must not leak into the server.
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
        """The port the server reports in its log once it listens."""
        with trio.move_on_after(START_TIMEOUT):
            while True:
                if found := LISTENING.search(self.log_path.read_text()):
                    return int(found[1])
                if self.proc.poll() is not None:
                    pytest.fail(f"tgserver exited:\n{self.log_path.read_text()}")
                await trio.sleep(0.05)
        pytest.fail(f"tgserver did not listen in {START_TIMEOUT} s:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.proc.send_signal(signal.SIGKILL)

    def close(self) -> None:
        """Kill the process if it still runs, reap it and close the log."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()


@asynccontextmanager
async def running_server(
    data_dir: Path, log_path: Path
) -> AsyncIterator[tuple[ServerProcess, int]]:
    """A started server and its port; killed and reaped on the way out."""
    server = ServerProcess(data_dir, log_path)
    try:
        yield server, await server.port()
    finally:
        server.close()


async def burst_then_kill(
    server: ServerProcess,
    workers: Iterable[Callable[[], Awaitable[object]]],
    kill_now: trio.Event,
    *,
    grace: float = 0.5,
) -> None:
    """Run ``workers`` at once; when ``kill_now`` is set, SIGKILL the server mid-burst, wait
    ``grace`` seconds (answers the server wrote before it died may still be on their way),
    then cancel the workers. Returns once the server process is dead of the SIGKILL."""

    async def killer() -> None:
        await kill_now.wait()
        server.kill()
        await trio.sleep(grace)
        nursery.cancel_scope.cancel()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(killer)
        for worker in workers:
            nursery.start_soon(worker)
    assert server.proc.wait() == -signal.SIGKILL


def session_client(
    port: int, public_key: bytes, store: MemorySessionStore, *, request_timeout: float = 20.0
) -> Client:
    """A client of the server on 127.0.0.1:``port`` on the auth key saved in ``store`` (if
    any): the store outlives the server's restart, so the client comes back logged in."""
    return Client(
        "127.0.0.1",
        port,
        public_key=public_key,
        session=store,
        config=ClientConfig(request_timeout=request_timeout),
    )


async def full_history(client: Client, peer: types.TypeInputPeer) -> list[types.Message]:
    """Every message (not service messages) of the chat with ``peer``, newest first, through
    ``messages.getHistory`` pages of 100."""
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
        assert not isinstance(page, types.messages.MessagesNotModified)
        if not page.messages:
            return found
        found.extend(m for m in page.messages if isinstance(m, types.Message))
        offset_id = page.messages[-1].id
