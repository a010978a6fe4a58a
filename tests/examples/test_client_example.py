"""examples/client_getconfig.py against a real server started in a temporary data directory."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import trio

app = pytest.importorskip("tgserver.app")
from tgserver.config import ServerConfig  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "client_getconfig.py"


async def _run_example(*args: str) -> str:
    completed = await trio.run_process(
        [sys.executable, str(EXAMPLE), *args],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout.decode()


@pytest.mark.parametrize("transport", ["abridged", "websocket"])
async def test_client_getconfig(transport: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "tgdata"
    session = tmp_path / "me.session"
    async with app.open_server(ServerConfig(data_dir=data_dir, port=0)) as info:
        args = ["127.0.0.1", str(info.port), "--key", str(data_dir / "server.pub.pem")]
        args += ["--transport", transport, "--session", str(session)]
        with trio.fail_after(60):
            out = await _run_example(*args)
            again = await _run_example(*args)  # reuses the key saved in the session file
    lines = out.splitlines()
    assert lines[0] == "this_dc: 2"
    assert f"dc_option: dc 2 127.0.0.1:{info.port}" in lines
    assert re.fullmatch(r"ping: \d+\.\d\d ms", lines[-1])
    assert again.splitlines()[0] == "this_dc: 2"
    assert session.exists()
