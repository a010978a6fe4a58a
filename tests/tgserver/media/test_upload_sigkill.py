"""SIGKILL while parts of one file are in flight loses no acknowledged part.

``tgserver run`` runs as a subprocess on a temporary data directory. A client sends the parts
of one big file eight at a time (so the server writes them concurrently and group-commits their
rows); once half of them are acknowledged the server is killed with SIGKILL, parts still in
flight. It is started again on the same data directory; the client, on its saved auth key,
sends only the parts that were never acknowledged and then ``messages.sendMedia``: any
acknowledged part that did not survive would fail it with ``FILE_PART_<n>_MISSING``. The file
is downloaded and compared byte for byte.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import trio

from tests.sigkill_support import CODE, ServerProcess, session_client
from tgcore.client import (
    Client,
    download_file,
    log_in,
    media_location,
    sent_message,
)
from tgcore.storage import MemorySessionStore
from tgcore.tl import functions, types

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")

PHONE = "9996627311"
PART = 64 * 1024
PARTS = 64
IN_FLIGHT = 8
KILL_AFTER = 32  # acknowledged parts before the SIGKILL
FILE_ID = 0x5EED


def client(port: int, public_key: bytes, store: MemorySessionStore) -> Client:
    return session_client(port, public_key, store, request_timeout=30.0)


def save_part(part: int, data: bytes) -> functions.upload.SaveBigFilePart:
    return functions.upload.SaveBigFilePart(
        file_id=FILE_ID, file_part=part, file_total_parts=PARTS, bytes=data
    )


async def test_sigkill_with_parts_in_flight_keeps_acknowledged_parts(
    server_data_dir: Path, tmp_path: Path
) -> None:
    data = os.urandom(PART * PARTS - 1000)
    chunks = [data[i : i + PART] for i in range(0, len(data), PART)]
    store = MemorySessionStore()
    acknowledged: set[int] = set()

    server = ServerProcess(server_data_dir, tmp_path / "first.log")
    try:
        port = await server.port()
        public_key = (server_data_dir / "server.pub.pem").read_bytes()
        with trio.fail_after(120):
            async with client(port, public_key, store) as first:
                await log_in(first, PHONE, CODE)
                queue = iter(range(PARTS))
                async with trio.open_nursery() as nursery:

                    async def sender() -> None:
                        for part in queue:
                            assert await first(save_part(part, chunks[part])) is True
                            acknowledged.add(part)
                            if len(acknowledged) == KILL_AFTER:
                                # Mid-burst: other parts are being written right now.
                                server.kill()
                                nursery.cancel_scope.cancel()

                    for _ in range(IN_FLIGHT):
                        nursery.start_soon(sender)
                nursery.cancel_scope.cancel()  # the client's own tasks may hang on the dead link
    finally:
        server.close()
    assert server.proc.returncode == -signal.SIGKILL
    assert len(acknowledged) >= KILL_AFTER

    server = ServerProcess(server_data_dir, tmp_path / "second.log")
    try:
        port = await server.port()
        with trio.fail_after(120):
            async with client(port, public_key, store) as second:
                await log_in(second, PHONE, CODE)
                missing = [p for p in range(PARTS) if p not in acknowledged]
                for part in missing:  # only these: acknowledged parts must all be there
                    assert await second(save_part(part, chunks[part])) is True
                random_id = 77
                answer = await second(
                    functions.messages.SendMedia(
                        peer=types.InputPeerSelf(),
                        media=types.InputMediaUploadedDocument(
                            file=types.InputFileBig(id=FILE_ID, parts=PARTS, name="k.bin"),
                            mime_type="application/octet-stream",
                            attributes=[],
                        ),
                        message="",
                        random_id=random_id,
                    )
                )
                location, size = media_location(sent_message(answer, random_id))
                assert size == len(data)
                dest = tmp_path / "back.bin"
                await download_file(second, location, dest, size=size)
        assert dest.read_bytes() == data
    finally:
        server.close()
