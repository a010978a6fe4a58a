"""The ``tgclient`` command line against a real server (a background thread, sockets on 127.0.0.1).

Commands run through click's CliRunner (each one a ``trio.run`` of its own, as from a shell);
one test runs the module as a subprocess, as the console script does.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from click.testing import CliRunner, Result
from PIL import Image

from tgcore.cli import main
from tgcore.client import Client, file_resume_key, upload_file
from tgcore.storage import SqliteSessionStore
from tgcore.tl import functions

pytest.importorskip("tgserver.app")
from tgserver.app import ServerInfo
from tgserver.config import ServerConfig
from tgserver.testing import BackgroundServer

ALICE = "9996625551"
BOB = "9996625552"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerInfo]:
    background = BackgroundServer(ServerConfig(data_dir=tmp_path / "data", port=0))
    info = background.start()
    try:
        yield info
    finally:
        background.stop()


class Cli:
    """Runs tgclient commands as one user (one session file)."""

    def __init__(self, info: ServerInfo, tmp_path: Path, name: str) -> None:
        self.session = tmp_path / f"{name}.session"
        self.key = tmp_path / "data" / "server.pub.pem"
        self.info = info
        self.args = ["--session", str(self.session), "--key", str(self.key)]
        self.args += ["--host", "127.0.0.1", "--port", str(info.port)]

    def __call__(self, *args: str, input: str | None = None, ok: bool = True) -> Result:
        result = CliRunner().invoke(main, [*self.args, *args], input=input)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result


def login(cli: Cli, phone: str, name: str) -> int:
    out = cli("login", "--phone", phone, "--code", "22222", "--first-name", name).output
    found = re.search(r"logged in as (\w+) \(id (\d+), \+(\d+)\)", out)
    assert found and found.group(1) == name and found.group(3) == phone, out
    return int(found.group(2))


def last_id(cli: Cli, peer: str, needle: str) -> int:
    """The id, in ``cli``'s own message box, of the latest message with ``needle`` in its line."""
    lines = [line for line in cli("history", peer).output.splitlines() if needle in line]
    assert lines, needle
    return int(lines[-1].split("\t")[0])


def sent_id(result: Result) -> int:
    found = re.search(r"sent message (\d+)", result.output)
    assert found, result.output
    return int(found.group(1))


def test_login_prompts_for_the_code_and_keeps_the_session(
    server: ServerInfo, tmp_path: Path
) -> None:
    cli = Cli(server, tmp_path, "alice")
    out = cli("login", input=f"{ALICE}\n22222\n").output
    assert "Phone number" in out and "Login code" in out
    assert re.search(rf"logged in as User \(id \d+, \+{ALICE}\)", out)
    assert cli.session.exists()
    assert f"+{ALICE}" in cli("whoami").output
    # The server's address is in the session file: later commands need no --host/--port.
    bare = CliRunner().invoke(
        main, ["--session", str(cli.session), "--key", str(cli.key), "whoami"]
    )
    assert bare.exit_code == 0 and f"+{ALICE}" in bare.output
    # Logging in again on a logged-in session sends no code.
    again = cli("login", "--phone", "+" + ALICE).output
    assert "logged in as User" in again and "Login code" not in again


def test_send_upload_download_between_two_users(server: ServerInfo, tmp_path: Path) -> None:
    alice, bob = Cli(server, tmp_path, "alice"), Cli(server, tmp_path, "bob")
    alice_id = login(alice, ALICE, "Alice")
    login(bob, BOB, "Bob")

    # Bob takes a username so that Alice can name him by it.
    async def take_username() -> None:
        store = SqliteSessionStore(bob.session)
        async with Client(
            "127.0.0.1", server.port, public_key=bob.key.read_bytes(), session=store
        ) as c:
            await c(functions.account.UpdateUsername(username="bob_cli"))

    trio.run(take_username)

    assert sent_id(alice("send", "@bob_cli", "hello Bob")) > 0
    assert sent_id(alice("send", "+" + BOB, "hello again")) > 0
    assert sent_id(alice("send", "me", "a note to self")) > 0

    data = bytes(range(256)) * 4099 + b"tail"  # 1 MB and a bit: several parts, not a whole MiB
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    uploaded = alice("upload", str(path), "--to", "bob_cli", "--caption", "the report")
    assert sent_id(uploaded) > 0
    assert f"({len(data)} bytes)" in uploaded.output

    # Bob names Alice by her user id (they have a chat now), finds the message in his own
    # box and saves the file into a directory under its name.
    listing = bob("history", str(alice_id)).output
    assert "hello Bob" in listing and f"[file report.pdf, {len(data)} bytes]" in listing
    message_id = last_id(bob, str(alice_id), "report.pdf")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    got = bob("download", str(alice_id), str(message_id), str(downloads))
    saved = downloads / "report.pdf"
    assert f"saved {len(data)} bytes to {saved}" in got.output
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(data).digest()

    # A photo: the server keeps size variants; the largest one comes back as a JPEG.
    image = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 30, 30)).save(image, "PNG")
    picture = tmp_path / "red.png"
    picture.write_bytes(image.getvalue())
    assert sent_id(alice("upload", str(picture), "--to", "+" + BOB, "--photo")) > 0
    photo_id = last_id(bob, "+" + ALICE, "[photo]")
    out = tmp_path / "red.jpg"
    bob("download", "+" + ALICE, str(photo_id), str(out))
    with Image.open(out) as img:
        assert img.size == (320, 200)

    # A message without a file, and a message that does not exist.
    assert sent_id(alice("send", "+" + BOB, "no file here")) > 0
    text_id = last_id(bob, "+" + ALICE, "no file here")
    failed = bob("download", str(alice_id), str(text_id), str(tmp_path / "x"), ok=False)
    assert failed.exit_code == 1 and "has no file" in failed.output
    failed = bob("download", str(alice_id), "999999", str(tmp_path / "x"), ok=False)
    assert failed.exit_code == 1 and "no message 999999" in failed.output


def test_errors_are_one_line(server: ServerInfo, tmp_path: Path) -> None:
    cli = Cli(server, tmp_path, "carol")
    result = cli("send", "me", "hi", ok=False)
    assert result.exit_code == 1 and "not logged in" in result.output
    result = cli("whoami", ok=False)
    assert result.exit_code == 1 and "not logged in" in result.output
    login(cli, "9996625553", "Carol")
    result = cli("send", "@nobody_here", "hi", ok=False)
    assert result.exit_code == 1 and "cannot resolve @nobody_here" in result.output
    result = cli("send", "12345", "hi", ok=False)
    assert result.exit_code == 1 and "no chat with user 12345" in result.output
    result = cli("send", "+9996625559", "hi", ok=False)
    assert result.exit_code == 1 and "nobody has the phone number" in result.output
    no_key = CliRunner().invoke(main, ["--key", str(tmp_path / "missing.pem"), "whoami"])
    assert no_key.exit_code == 1 and "cannot read the server's public key" in no_key.output


def test_module_runs_as_a_program(server: ServerInfo, tmp_path: Path) -> None:
    cli = Cli(server, tmp_path, "dave")
    login(cli, "9996625554", "Dave")
    completed = subprocess.run(
        [sys.executable, "-m", "tgcore.cli", *cli.args, "whoami"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("Dave (id ")


def test_an_interrupted_upload_resumes(server: ServerInfo, tmp_path: Path) -> None:
    """An upload cut short in one process is finished by `tgclient upload` in the next."""
    cli = Cli(server, tmp_path, "erin")
    login(cli, "9996625555", "Erin")
    data = bytes(range(251)) * (12 * 1024 * 1024 // 251 + 1)  # ~12 MiB: 25 parts of 512 KiB
    path = tmp_path / "movie.bin"
    path.write_bytes(data)
    key = file_resume_key(path)

    async def interrupted_upload() -> int:
        store = SqliteSessionStore(cli.session)
        async with Client(
            "127.0.0.1", server.port, public_key=cli.key.read_bytes(), session=store
        ) as c:
            with trio.CancelScope() as scope:

                def stop_after_ten(done: int, total: int) -> None:
                    if done >= 10 * 512 * 1024:
                        scope.cancel()

                await upload_file(
                    c, path, resume_key=key, progress=stop_after_ten, parts_in_flight=2
                )
        state = await store.get_upload(key)
        assert state is not None and not state.complete
        return state.acked_parts

    acked = trio.run(interrupted_upload)
    media = server.media
    assert media is not None
    before = media.parts_accepted
    result = cli("upload", str(path), "--to", "me", "--parallel", "2")
    assert f"({len(data)} bytes)" in result.output
    sent_again = media.parts_accepted - before
    # Only the parts without an acknowledgment went out (plus at most the 2 that were in
    # flight when the first process stopped, should the server finish them only now).
    assert 25 - acked <= sent_again <= 25 - acked + 2
    out = tmp_path / "movie.out"
    cli("download", "me", str(last_id(cli, "me", "movie.bin")), str(out))
    assert out.read_bytes() == data
