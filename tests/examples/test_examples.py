"""Every script in examples/ runs to completion and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(name: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_sans_io_roundtrip() -> None:
    out = _run("sans_io_roundtrip.py")
    lines = out.splitlines()
    assert lines[0].startswith("server key fingerprint: 0x")
    assert lines[1].startswith("auth key created: id 0x")
    assert lines[2] == "pong received: ping_id=42"
