"""The server under measurement: ``tgserver run`` in its own process, shared by the benches.

Running it as a separate process keeps its CPU and memory its own, and its Python interpreter
apart from the clients' (which share the machine's cores with it, as they would on one host).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

__all__ = ["ServerProcess"]


class ServerProcess:
    """``tgserver run`` in a temporary data dir, on a port the OS picks."""

    def __init__(self, data_dir: Path) -> None:
        script = Path(sys.executable).with_name("tgserver")
        env = {k: v for k, v in os.environ.items() if not k.startswith("TGSERVER_")}
        # The log goes to a file, not a pipe: nobody drains a pipe during the measurements.
        self.log_path = data_dir / "server.log"
        self._log: IO[str] = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(script), "run", "--data", str(data_dir / "tgdata"), "--port", "0"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self.port = self._wait_for_port()
        self.public_key = (data_dir / "tgdata" / "server.pub.pem").read_bytes()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"mtproto://[^:]+:(\d+)", self.log_path.read_text())
            if found:
                return int(found.group(1))
            if self.proc.poll() is not None:
                raise RuntimeError(f"tgserver exited: {self.log_path.read_text()}")
            time.sleep(0.05)
        raise RuntimeError("tgserver did not report its port")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (Linux /proc)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        """The server's resident set size in KiB (Linux /proc)."""
        found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{self.proc.pid}/status").read_text())
        assert found
        return int(found.group(1))

    def stop(self) -> None:
        """SIGTERM, wait, close the log."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        finally:
            self._log.close()
