"""examples/channels.py against a real server started in a temporary data directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import trio

app = pytest.importorskip("tgserver.app")
from tgserver.config import ServerConfig  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "channels.py"
EXPECTED = [
    "alice created supergroup Example group and invited bob and carol",
    "bob <- Example group: alice: hello group",
    "carol <- Example group: alice: hello group",
    "alice <- Example group: bob: hi Alice, hi Carol",
    "carol <- Example group: bob: hi Alice, hi Carol",
    "alice created channel Example news with a public username",
    "bob joined Example news by its username",
    "carol joined Example news by its username",
    "bob <- Example news: first post",
    "carol <- Example news: first post",
    "carol disconnected",
    "bob <- Example news: second post",
    "bob <- Example news: third post",
    "carol caught up <- Example news: second post",
    "carol caught up <- Example news: third post",
]


async def _run_example(*args: str) -> list[str]:
    completed = await trio.run_process(
        [sys.executable, str(EXAMPLE), *args],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout.decode().splitlines()


async def test_channels_sign_up_then_sign_in_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "tgdata"
    async with app.open_server(ServerConfig(data_dir=data_dir, port=0)) as info:
        args = ["127.0.0.1", str(info.port), "--key", str(data_dir / "server.pub.pem")]
        with trio.fail_after(90):
            # First run: the three users are new (sign-up), their keys live in memory only.
            assert await _run_example(*args) == EXPECTED
            # Second run: sign-in, with the keys kept in session files; new group and channel.
            sessions = [
                f"--{name}-session={tmp_path / name}.session" for name in ("alice", "bob", "carol")
            ]
            assert await _run_example(*args, *sessions) == EXPECTED
    assert all((tmp_path / f"{name}.session").exists() for name in ("alice", "bob", "carol"))
