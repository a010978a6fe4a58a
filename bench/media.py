"""Media benchmark: upload and download MB/s of one large file, tgcore vs Telethon, vs raw AES.

    python bench/media.py [--size-mib 1024] [--parts-in-flight 8 [1 ...]] [--parallel 4]
                          [--no-telethon] [--repeat 1] [--service]

One ``tgserver run`` in its own process (free port, fresh data dir on local disk, files
encrypted at rest with per-file keys, as by default) serves both clients. A file of
``--size-mib`` MiB of random-looking bytes is written to a temporary directory first. Then:

- tgcore: ``upload_file`` (``--parts-in-flight`` parts of 512 KiB at once; several values give
  one row each, e.g. ``--parts-in-flight 1 8``), ``messages.sendMedia`` to Saved Messages, and
  ``download_file`` (``--parallel`` getFile requests of 1 MiB at once);
- Telethon 1.45: ``client.upload_file`` (its own part size and parallelism), ``send_file`` and
  ``client.download_media`` into a file.

``--service`` measures the server's storage path alone instead, with no client and no network:
``MediaService.save_part`` of ``--size-mib`` MiB in 512 KiB parts, ``--parts-in-flight`` at
once, into SQLite metadata and a local blob folder (fsync'd, encrypted), as ``tgserver run``
stores them; MB/s and the process's CPU seconds per row.

``--repeat N`` runs every row N times (the machine's noise shows as the spread). Every
download is checked against the source (sha256, outside the timings). Printed, never
asserted: MB/s of each phase (10^6 bytes per second, file size / wall time), the server's CPU
seconds during it (``/proc/PID/stat``), and beside them raw AES-256-CBC MB/s through pycryptodome
on this machine: the bound of any sequential cipher pass over the data (MTProto's AES-IGE on each
side, at-rest encryption on the server).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import attrs
import trio
from _server import ServerProcess
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

HOST = "127.0.0.1"
CODE = "22222"  # test numbers of DC 2
MIB = 1024 * 1024


@attrs.define
class Row:
    """One client's figures."""

    client: str
    size: int
    upload_s: float = 0.0
    download_s: float = 0.0
    upload_cpu: float = 0.0
    download_cpu: float = 0.0
    ok: bool = False

    def cells(self) -> list[str]:
        """The row of the printed table."""
        mb = self.size / 1e6
        return [
            self.client,
            f"{mb / self.upload_s:,.0f}" if self.upload_s else "-",
            f"{self.upload_cpu:.1f}",
            f"{mb / self.download_s:,.0f}" if self.download_s else "-",
            f"{self.download_cpu:.1f}",
            "yes" if self.ok else "NO",
        ]


def write_source(path: Path, size: int) -> str:
    """Write ``size`` pseudo-random bytes (an AES-CTR keystream) to ``path``; their sha256."""
    cipher = AES.new(b"\x07" * 32, AES.MODE_CTR, nonce=b"\x00" * 8)
    digest = hashlib.sha256()
    with path.open("wb") as out:
        left = size
        while left:
            chunk = cipher.encrypt(bytes(min(left, 8 * MIB)))
            digest.update(chunk)
            out.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


def aes_cbc_mb_s(total: int = 512 * MIB) -> float:
    """Raw AES-256-CBC encryption speed through pycryptodome, in MB/s."""
    cipher = AES.new(b"\x01" * 32, AES.MODE_CBC, iv=b"\x02" * 16)
    block = os.urandom(MIB)
    start = time.perf_counter()
    for _ in range(total // MIB):
        cipher.encrypt(block)
    return total / (time.perf_counter() - start) / 1e6


async def ours(
    server: ServerProcess,
    source: Path,
    size: int,
    dest: Path,
    args: argparse.Namespace,
    in_flight: int,
) -> Row:
    """tgcore's Trio client."""
    row = Row(f"tgcore ({in_flight} in flight)", size)
    config = ClientConfig(request_timeout=300.0)
    async with Client(HOST, server.port, public_key=server.public_key, config=config) as client:
        await log_in(client, "9996629001", CODE)
        cpu = server.cpu_seconds()
        start = time.perf_counter()
        uploaded = await upload_file(client, source, parts_in_flight=in_flight)
        row.upload_s = time.perf_counter() - start
        row.upload_cpu = server.cpu_seconds() - cpu
        message = await send_file_from(client, uploaded)
        location, size = media_location(message)
        cpu = server.cpu_seconds()
        start = time.perf_counter()
        await download_file(client, location, dest, size=size, parallel=args.parallel)
        row.download_s = time.perf_counter() - start
        row.download_cpu = server.cpu_seconds() - cpu
    return row


async def send_file_from(client: Client, uploaded: types.TypeInputFile) -> types.Message:
    """messages.sendMedia of an uploaded file to Saved Messages (what send_file does)."""
    media = types.InputMediaUploadedDocument(
        file=uploaded,
        mime_type="application/octet-stream",
        attributes=[types.DocumentAttributeFilename(file_name="bench.bin")],
    )
    random_id = int.from_bytes(os.urandom(8), "little") >> 1 or 1  # new for every run
    answer = await client(
        functions.messages.SendMedia(
            peer=types.InputPeerSelf(), media=media, message="", random_id=random_id
        )
    )
    return sent_message(answer, random_id)


async def telethon(server: ServerProcess, source: Path, size: int, dest: Path) -> Row:
    """Telethon 1.45 (asyncio): upload_file, send_file, download_media."""
    from telethon import TelegramClient, errors
    from telethon.crypto import rsa
    from telethon.sessions import MemorySession
    from telethon.tl import functions as tl_functions

    rsa.add_key(server.public_key.decode(), old=False)
    row = Row("Telethon 1.45", size)
    session = MemorySession()
    session.set_dc(2, HOST, server.port)
    client = TelegramClient(session, 1, "0" * 32, timeout=300)
    number = "9996629002"
    await client.connect()
    try:
        sent = await client.send_code_request(number)
        try:
            await client.sign_in(number, CODE)
        except errors.PhoneNumberUnoccupiedError:
            result = await client(
                tl_functions.auth.SignUpRequest(
                    phone_number=number,
                    phone_code_hash=sent.phone_code_hash,
                    first_name="Bench",
                    last_name="",
                )
            )
            await client._on_login(result.user)
        cpu = server.cpu_seconds()
        start = time.perf_counter()
        uploaded = await client.upload_file(str(source))
        row.upload_s = time.perf_counter() - start
        row.upload_cpu = server.cpu_seconds() - cpu
        message = await client.send_file("me", uploaded, force_document=True)
        cpu = server.cpu_seconds()
        start = time.perf_counter()
        await client.download_media(message, file=str(dest))
        row.download_s = time.perf_counter() - start
        row.download_cpu = server.cpu_seconds() - cpu
    finally:
        await client.disconnect()
    return row


async def service_row(work: Path, size: int, in_flight: int) -> tuple[float, float]:
    """save_part of ``size`` bytes in 512 KiB parts, ``in_flight`` at once: (MB/s, CPU s)."""
    from tgserver.media import BlobStore, MasterKey, MediaService, SqliteMediaStore

    part_size = 512 * 1024
    parts = -(-size // part_size)
    data = os.urandom(part_size)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        store = await SqliteMediaStore.open(Path(tmp) / "media.sqlite3")
        media = MediaService(store, BlobStore(f"{tmp}/blobs"), MasterKey.generate(), dc_id=2)
        slots = trio.Semaphore(in_flight)

        async def one(part: int) -> None:
            try:
                await media.save_part(1, 1, part, data, total=parts)
            finally:
                slots.release()

        cpu = time.process_time()
        start = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for part in range(parts):
                await slots.acquire()
                nursery.start_soon(one, part)
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        await store.aclose()
    return parts * part_size / wall / 1e6, cpu


def run_service(args: argparse.Namespace) -> None:
    """The ``--service`` table."""
    size = args.size_mib * MIB
    print(f"service alone: {size:,} bytes in 512 KiB parts, SQLite + local folder", flush=True)
    print("| parts in flight | save_part MB/s | CPU s |")
    print("| --------------: | -------------: | ----: |")
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        for _ in range(args.repeat):
            for in_flight in args.parts_in_flight:
                mb_s, cpu = trio.run(service_row, Path(tmp), size, in_flight)
                print(f"| {in_flight:>15} | {mb_s:>14,.0f} | {cpu:>5.1f} |", flush=True)


HEADER = ["client", "upload MB/s", "server CPU s", "download MB/s", "server CPU s", "bytes equal"]


def print_table(rows: list[Row]) -> None:
    """The rows as a Markdown table."""
    cells = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    for number, line in enumerate(cells):
        print("| " + " | ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if number == 0:
            print("| " + " | ".join("-" * (w - 1) + ":" for w in widths) + " |")


def main() -> None:
    """Write the file, run both clients against one server, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size in MiB")
    parser.add_argument(
        "--parts-in-flight", type=int, nargs="+", default=[8], help="tgcore upload parts (rows)"
    )
    parser.add_argument("--parallel", type=int, default=4, help="tgcore getFile requests")
    parser.add_argument("--no-telethon", action="store_true", help="skip the Telethon row")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every row")
    parser.add_argument("--service", action="store_true", help="the server's storage path alone")
    args = parser.parse_args()
    if args.service:
        run_service(args)
        return

    print(f"raw AES-256-CBC (pycryptodome): {aes_cbc_mb_s():,.0f} MB/s", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        size = args.size_mib * MIB
        expected = write_source(source, size)
        print(f"file: {size:,} bytes ({args.size_mib} MiB) on local disk", flush=True)
        server = ServerProcess(work)
        rows: list[Row] = []
        try:
            for _ in range(args.repeat):
                for in_flight in args.parts_in_flight:
                    dest = work / "ours.bin"
                    row = trio.run(ours, server, source, size, dest, args, in_flight)
                    row.ok = sha256_file(dest) == expected
                    dest.unlink()
                    rows.append(row)
                if not args.no_telethon:
                    dest = work / "telethon.bin"
                    row = asyncio.run(telethon(server, source, size, dest))
                    row.ok = sha256_file(dest) == expected
                    dest.unlink()
                    rows.append(row)
            print(f"server RSS after: {server.rss_kib() / 1024:,.0f} MiB", flush=True)
        finally:
            server.stop()
    print_table(rows)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
