"""``tgserver run`` started as the README says (the venv's console script), reached over TCP.

The README's first command is ``python3 -m venv .venv && .venv/bin/pip install . &&
.venv/bin/tgserver run``; these tests run that same ``tgserver`` script (the one next to the
interpreter running the tests) with a temporary data directory and ``--port 0``, read the real
port from its log, talk MTProto to it, and stop it with SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest
from telethon import TelegramClient
from telethon import functions as tl_functions
from telethon.crypto import rsa as telethon_rsa
from telethon.sessions import MemorySession

from tgcore.mtproto.envelope import pack_plain, unpack_plain
from tgcore.mtproto.msgid import MsgIdGenerator
from tgcore.mtproto.transport import Abridged, Frame, Role
from tgcore.tl import functions, read_object, types

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")

SCRIPT = Path(sys.executable).with_name("tgserver")
README = Path(__file__).resolve().parents[2] / "README.md"
START_TIMEOUT = 60.0  # first start imports everything and generates a key
STOP_TIMEOUT = 10.0
LISTENING = re.compile(r"tgserver listening on mtproto://(?P<host>\S+):(?P<port>\d+) \(TCP: ")
FINGERPRINT = re.compile(r"server key fingerprint (?P<fp>-?\d+) \(0x[0-9a-f]{16}\)")


class ServerProcess:
    """A ``tgserver run`` subprocess whose stderr is collected line by line by a thread."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        # The machine's TGSERVER_* variables must not change what the test starts.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TGSERVER_")}
        self.proc = subprocess.Popen(
            [str(SCRIPT), "run", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)
        self._queue.put(None)

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = START_TIMEOUT) -> re.Match[str]:
        """The first stderr line matching ``pattern``; fails if the process ends first."""
        for line in self.lines:
            if match := pattern.search(line):
                return match
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if item is None:
                self.proc.wait(timeout=STOP_TIMEOUT)
                pytest.fail(f"tgserver exited ({self.proc.returncode}):\n{self.stderr}")
            if match := pattern.search(item):
                return match
        pytest.fail(f"no line matching {pattern.pattern!r} in {timeout} s:\n{self.stderr}")

    def stop(self, signum: int) -> int:
        """Send ``signum``; the exit code, which must come within STOP_TIMEOUT seconds."""
        self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"tgserver did not stop within {STOP_TIMEOUT} s:\n{self.stderr}")
        self._reader.join(timeout=STOP_TIMEOUT)
        return code

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join()
        assert self.proc.stderr is not None
        self.proc.stderr.close()


@pytest.fixture
def telethon_keys() -> Iterator[None]:
    """Telethon keeps added keys in a global table: put it back as it was."""
    saved = dict(telethon_rsa._server_keys)
    yield
    telethon_rsa._server_keys.clear()
    telethon_rsa._server_keys.update(saved)


def req_pq_multi(sock: socket.socket) -> types.ResPQ:
    """Send req_pq_multi over the abridged framing and read the reply."""
    framer = Abridged(Role.CLIENT)
    nonce = int.from_bytes(os.urandom(16), "little", signed=True)
    msg_id = MsgIdGenerator(time.time).next()
    sock.sendall(framer.pack(pack_plain(msg_id, functions.ReqPqMulti(nonce=nonce).to_bytes())))
    while True:
        data = sock.recv(65536)
        assert data, "connection closed before resPQ"
        events = framer.feed(data)
        if events:
            break
    [frame] = events
    assert isinstance(frame, Frame)
    _, body = unpack_plain(frame.payload)
    reply = read_object(body)
    assert isinstance(reply, types.ResPQ)
    assert reply.nonce == nonce
    return reply


async def telethon_get_config(port: int, public_pem: str) -> tuple[object, object]:
    telethon_rsa.add_key(public_pem, old=False)
    client = TelegramClient(MemorySession(), api_id=1, api_hash="x")
    client.session.set_dc(2, "127.0.0.1", port)
    await client.connect()
    try:
        config = await client(tl_functions.help.GetConfigRequest())
        pong = await client(tl_functions.PingRequest(ping_id=7))
    finally:
        await client.disconnect()
    return config, pong


def test_readme_first_command_installs_and_runs_the_server() -> None:
    """The command the tests below run is the one the README puts first."""
    first = re.search(r"```bash\n(.+)\n", README.read_text(encoding="utf-8"))
    assert first is not None
    steps = [step.strip() for step in first[1].split("&&")]
    assert steps == [
        "python3 -m venv .venv",
        ".venv/bin/pip install .",
        ".venv/bin/tgserver run",
    ]


def test_run_as_the_readme_says(tmp_path: Path, telethon_keys: None) -> None:
    data = tmp_path / "data"
    with ServerProcess(["--data", str(data), "--port", "0"], cwd=tmp_path) as server:
        listening = server.wait_for(LISTENING)
        host, port = listening["host"], int(listening["port"])
        assert (host, port != 0) == ("127.0.0.1", True)
        fingerprint = int(server.wait_for(FINGERPRINT)["fp"])
        server.wait_for(re.compile(re.escape(f"public key: {data / 'server.pub.pem'}")))
        assert server.wait_for(re.compile(r"dc_id (\d+)"))[1] == "2"

        # The key files the issue promises.
        assert stat.S_IMODE((data / "server.pem").stat().st_mode) == 0o600
        public_pem = (data / "server.pub.pem").read_text(encoding="ascii")
        assert public_pem.startswith("-----BEGIN RSA PUBLIC KEY-----")

        with socket.create_connection((host, port), timeout=10) as sock:
            res_pq = req_pq_multi(sock)
            assert res_pq.server_public_key_fingerprints == [fingerprint]

            config, pong = asyncio.run(telethon_get_config(port, public_pem))
            assert type(config).__name__ == "Config"
            assert config.this_dc == 2  # type: ignore[attr-defined]
            assert any(
                option.ip_address == "127.0.0.1" and option.port == port
                for option in config.dc_options  # type: ignore[attr-defined]
            )
            assert pong.ping_id == 7  # type: ignore[attr-defined]

            # An idle client still connected must not hold the shutdown up.
            assert server.stop(signal.SIGTERM) == 0
        assert "received SIGTERM, stopping" in server.stderr
        assert server.lines[-1].endswith("tgserver stopped")
        assert "Traceback" not in server.stderr


def test_sigint_and_restart_keep_the_key(tmp_path: Path) -> None:
    # No --data: the embedded default ./tgdata, relative to the working directory.
    with ServerProcess(["--port", "0"], cwd=tmp_path) as server:
        first = int(server.wait_for(FINGERPRINT)["fp"])
        assert server.stop(signal.SIGINT) == 0
        assert server.lines[-1].endswith("tgserver stopped")
    assert (tmp_path / "tgdata" / "server.pem").exists()

    with ServerProcess(["--port", "0"], cwd=tmp_path) as server:
        port = int(server.wait_for(LISTENING)["port"])
        assert int(server.wait_for(FINGERPRINT)["fp"]) == first
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            assert req_pq_multi(sock).server_public_key_fingerprints == [first]
        assert server.stop(signal.SIGTERM) == 0


def test_port_in_use_is_a_clean_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with ServerProcess(["--data", str(tmp_path), "--port", str(port)], cwd=tmp_path) as server:
            code = server.proc.wait(timeout=START_TIMEOUT)
            server._reader.join(timeout=STOP_TIMEOUT)
    assert code == 1, server.stderr
    assert "Error: cannot run the server:" in server.stderr
    assert "Traceback" not in server.stderr
