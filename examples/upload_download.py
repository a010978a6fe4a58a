"""Upload a file to Saved Messages and download it back with the Trio client.

Start a server first (``tgserver run``), then::

    python examples/upload_download.py [HOST] [PORT] [--key tgdata/server.pub.pem]
        [--file PATH] [--session me.session]

A test number (``+9996623333``, code ``22222``, no SMS) signs up or in. The file (by default a
12 MiB file of random bytes made in a temporary directory: a "big" file, sent in 512 KiB parts)
is uploaded with several parts in flight, sent to Saved Messages as a document, then
downloaded with parallel requests into another file; both are compared by sha256. It prints::

    uploaded 12582912 bytes in 24 parts
    sent as message 1: random.bin, application/octet-stream
    downloaded 12582912 bytes, sha256 equal: True

With ``--session`` the auth key and any unfinished upload are kept in an SQLite file: run it
again after interrupting an upload (Ctrl-C) and only the missing parts are sent.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import trio

from tgcore.client import (
    Client,
    Progress,
    download_file,
    file_resume_key,
    log_in,
    media_location,
    sent_message,
    upload_file,
)
from tgcore.storage import MemorySessionStore, SessionStore, SqliteSessionStore
from tgcore.tl import functions, types

PHONE = "9996623333"
CODE = "22222"  # test numbers 99966XYYYY take the code XXXXX (X = DC 2)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host", nargs="?", default="127.0.0.1")
    parser.add_argument("port", nargs="?", type=int, default=8443)
    parser.add_argument("--key", type=Path, default=Path("tgdata/server.pub.pem"))
    parser.add_argument("--file", type=Path, help="the file to send (default: 12 MiB of random)")
    parser.add_argument("--session", type=Path, help="SQLite session file")
    return parser.parse_args()


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def progress_printer(label: str) -> Progress:
    """A progress callback that prints every quarter of the way (to stderr)."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        quarter = done * 4 // total if total else 0
        if quarter != shown[0]:
            shown[0] = quarter
            print(f"{label}: {done * 100 // max(total, 1)}%", file=sys.stderr, flush=True)

    return report


async def transfer(args: argparse.Namespace, source: Path, copy: Path) -> int:
    """Log in, upload ``source``, send it, download it into ``copy``; returns its size."""
    store: SessionStore = SqliteSessionStore(args.session) if args.session else MemorySessionStore()
    public_key = await trio.Path(args.key).read_bytes()
    async with Client(args.host, args.port, public_key=public_key, session=store) as client:
        await log_in(client, PHONE, CODE, first_name="Example")

        # 1. Upload: parts go out 8 at a time; the resume key keeps the progress in the store.
        uploaded = await upload_file(
            client,
            source,
            parts_in_flight=8,
            progress=progress_printer("upload"),
            resume_key=file_resume_key(source),
        )
        size = (await trio.Path(source).stat()).st_size
        print(f"uploaded {size} bytes in {uploaded.parts} parts", flush=True)

        # 2. Send it as a document (tgcore.client.send_file does steps 1 and 2 in one call).
        media = types.InputMediaUploadedDocument(
            file=uploaded,
            mime_type="application/octet-stream",
            attributes=[types.DocumentAttributeFilename(file_name=source.name)],
        )
        random_id = int.from_bytes(os.urandom(8), "little", signed=True) or 1
        answer = await client(
            functions.messages.SendMedia(
                peer=types.InputPeerSelf(), media=media, message="", random_id=random_id
            )
        )
        message = sent_message(answer, random_id)
        assert isinstance(message.media, types.MessageMediaDocument)
        assert isinstance(message.media.document, types.Document)
        mime_type = message.media.document.mime_type
        print(f"sent as message {message.id}: {source.name}, {mime_type}", flush=True)

        # 3. Download it back: 4 requests of 1 MiB at once, each written at its offset.
        location, size = media_location(message)
        await download_file(
            client, location, copy, size=size, parallel=4, progress=progress_printer("download")
        )
    return size


def main() -> None:
    """Make the file if none was given, transfer it, compare."""
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.file
        if source is None:
            source = Path(tmp) / "random.bin"
            source.write_bytes(os.urandom(12 * 1024 * 1024))
        copy = Path(tmp) / "copy.bin"
        size = trio.run(transfer, args, source, copy)
        equal = sha256_of(copy) == sha256_of(source)
    print(f"downloaded {size} bytes, sha256 equal: {equal}", flush=True)


if __name__ == "__main__":
    main()
