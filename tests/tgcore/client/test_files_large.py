"""A 1.5 GB upload and download through the real server, streamed end to end (CI runs it).

Nothing holds the file in memory. The upload reads from a deterministic, seekable generator
(an AES-CTR keystream: any offset can be produced on demand, at about 1 GB/s), the download
writes into a sink that hashes what it receives in order (holding back only the few ranges
that arrive ahead of their turn), and the sha256 of both sides must agree. The server runs as a
``tgserver run`` process (its own core, as in production) on a data dir in ``tmp_path``; the
stored file is deleted afterwards. Durations and rates are printed (``-s`` shows them), never
asserted.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from Crypto.Cipher import AES

from tgcore.client import (
    Client,
    ClientConfig,
    download_file,
    log_in,
    media_location,
    sent_message,
    upload_file,
)
from tgcore.tl import functions, types

SIZE = 1_500_000_000
KEY = bytes(range(32))
SCRIPT = Path(sys.executable).with_name("tgserver")
LISTENING = re.compile(r"mtproto://[^:]+:(\d+)")


class GeneratedFile(io.RawIOBase):
    """A read-only, seekable file of ``size`` bytes: the AES-256-CTR keystream of :data:`KEY`."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        if end <= self._pos:
            return b""
        start = self._pos - self._pos % 16
        cipher = AES.new(KEY, AES.MODE_CTR, nonce=b"", initial_value=start // 16)
        data = cipher.encrypt(bytes(end - start))[self._pos - start :]
        self._pos = end
        return data


def sha256_of_generated(size: int) -> str:
    digest = hashlib.sha256()
    source = GeneratedFile(size)
    while chunk := source.read(8 * 1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


class HashingSink(io.RawIOBase):
    """A write-only "file" that hashes its content in order as the ranges arrive."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.hashed = 0
        self._pos = 0
        self._ahead: dict[int, bytes] = {}
        self.most_held = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        assert whence == os.SEEK_SET
        self._pos = offset
        return offset

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._ahead[self._pos] = bytes(data)
        self._pos += len(data)
        self.most_held = max(self.most_held, sum(map(len, self._ahead.values())))
        while self.hashed in self._ahead:
            chunk = self._ahead.pop(self.hashed)
            self.digest.update(chunk)
            self.hashed += len(chunk)
        return len(data)


def test_generated_file_and_sink() -> None:
    """The helpers themselves: random access agrees with a sequential read."""
    whole = GeneratedFile(100_000).read()
    assert len(whole) == 100_000
    source = GeneratedFile(100_000)
    source.seek(12_345)
    assert source.read(1000) == whole[12_345:13_345]
    assert source.seek(0, os.SEEK_END) == 100_000 and source.read(5) == b""
    sink = HashingSink()
    for offset in (50_000, 0, 25_000, 75_000):
        sink.seek(offset)
        sink.write(whole[offset : offset + 25_000])
    assert sink.hashed == 100_000
    assert sink.digest.hexdigest() == hashlib.sha256(whole).hexdigest()


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[int, bytes, Path]]:
    data_dir = tmp_path / "tgdata"
    log_path = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGSERVER_")}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(SCRIPT), "run", "--data", str(data_dir), "--port", "0"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while not (found := LISTENING.search(log_path.read_text())):
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "tgserver did not report its port"
                time.sleep(0.05)
            yield int(found.group(1)), (data_dir / "server.pub.pem").read_bytes(), data_dir
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.slow
async def test_one_and_a_half_gigabytes(server_process: tuple[int, bytes, Path]) -> None:
    port, public_key, data_dir = server_process
    expected = await trio.to_thread.run_sync(sha256_of_generated, SIZE)
    sink = HashingSink()
    progress_calls = 0

    def progress(done: int, total: int) -> None:
        nonlocal progress_calls
        progress_calls += 1
        assert 0 <= done <= total == SIZE

    with trio.fail_after(900):
        async with Client("127.0.0.1", port, public_key=public_key, config=ClientConfig()) as c:
            await log_in(c, "9996628001", "22222")
            started = time.perf_counter()
            uploaded = await upload_file(
                c, GeneratedFile(SIZE), name="big.bin", parts_in_flight=8, progress=progress
            )
            upload_seconds = time.perf_counter() - started
            assert isinstance(uploaded, types.InputFileBig) and uploaded.parts == 2862
            assert progress_calls == 2862 + 1
            media = types.InputMediaUploadedDocument(
                file=uploaded,
                mime_type="application/octet-stream",
                attributes=[types.DocumentAttributeFilename(file_name="big.bin")],
            )
            answer = await c(
                functions.messages.SendMedia(
                    peer=types.InputPeerSelf(), media=media, message="", random_id=15
                )
            )
            location, size = media_location(sent_message(answer, 15))
            assert size == SIZE
            started = time.perf_counter()
            written = await download_file(c, location, sink, size=size, parallel=4)
            download_seconds = time.perf_counter() - started
    assert written == SIZE and sink.hashed == SIZE
    assert sink.digest.hexdigest() == expected
    assert sink.most_held <= 8 * 1024 * 1024  # streamed: only a few ranges wait their turn
    stored = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())
    print(
        f"\n1.5 GB: upload {upload_seconds:.1f} s ({SIZE / upload_seconds / 1e6:.0f} MB/s),"
        f" download {download_seconds:.1f} s ({SIZE / download_seconds / 1e6:.0f} MB/s),"
        f" server data dir {stored / 1e9:.2f} GB"
    )
