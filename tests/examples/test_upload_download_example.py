"""examples/upload_download.py against a real server started in a temporary data directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import trio

app = pytest.importorskip("tgserver.app")
from tgserver.config import ServerConfig  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "upload_download.py"


async def _run_example(*args: str) -> list[str]:
    completed = await trio.run_process(
        [sys.executable, str(EXAMPLE), *args],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    assert b"upload: 100%" in completed.stderr and b"download: 100%" in completed.stderr
    return completed.stdout.decode().splitlines()


async def test_upload_download_round_trip(tmp_path: Path) -> None:
    data_dir = tmp_path / "tgdata"
    async with app.open_server(ServerConfig(data_dir=data_dir, port=0)) as info:
        args = ["127.0.0.1", str(info.port), "--key", str(data_dir / "server.pub.pem")]
        with trio.fail_after(120):
            # The default: 12 MiB of random bytes, a big file in 24 parts of 512 KiB.
            lines = await _run_example(*args)
            assert lines[0] == "uploaded 12582912 bytes in 24 parts"
            assert lines[1].startswith("sent as message ")
            assert lines[1].endswith(": random.bin, application/octet-stream")
            assert lines[2] == "downloaded 12582912 bytes, sha256 equal: True"
            # A given small file (inputFile with md5), with the session kept in a file.
            small = tmp_path / "notes.txt"
            small.write_bytes(b"tgstack " * 40_000)
            session = ["--file", str(small), "--session", str(tmp_path / "me.session")]
            lines = await _run_example(*args, *session)
            assert lines[0] == "uploaded 320000 bytes in 3 parts"
            assert lines[2] == "downloaded 320000 bytes, sha256 equal: True"
    assert (tmp_path / "me.session").exists()
