"""examples/chat.py against a real server started in a temporary data directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import trio

app = pytest.importorskip("tgserver.app")
from tgserver.config import ServerConfig  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chat.py"
EXPECTED = ["alice -> bob: hello Bob", "bob -> alice: hi Alice, got your message"]


async def _run_example(*args: str) -> list[str]:
    completed = await trio.run_process(
        [sys.executable, str(EXAMPLE), *args],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout.decode().splitlines()


async def test_chat_signs_up_then_signs_in_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "tgdata"
    async with app.open_server(ServerConfig(data_dir=data_dir, port=0)) as info:
        args = ["127.0.0.1", str(info.port), "--key", str(data_dir / "server.pub.pem")]
        with trio.fail_after(90):
            # First run: both users are new (sign-up), their keys live in memory only.
            assert await _run_example(*args) == EXPECTED
            # Second run: sign-in on new keys, then a third on the keys the second one saved.
            sessions = [
                "--alice-session",
                str(tmp_path / "alice.session"),
                "--bob-session",
                str(tmp_path / "bob.session"),
            ]
            assert await _run_example(*args, *sessions) == EXPECTED
            assert await _run_example(*args, *sessions) == EXPECTED
    assert (tmp_path / "alice.session").exists() and (tmp_path / "bob.session").exists()
