"""A resumed tgcore upload, read back by unmodified Telethon 1.45 (the oracle), and a Telethon
upload read back by tgcore's parallel download.

The tgcore client "dies" after k acknowledged parts, a new one resumes from the session file
and sends the document to a Telethon user, who downloads it byte-identical. Telethon then
answers with a file of its own, which tgcore downloads with parallel ranged requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
from pathlib import Path
from typing import Any

import trio
from telethon.sessions import MemorySession

from tests.interop.support import sign_up, telethon_client
from tgcore.client import (
    Client,
    download_file,
    file_resume_key,
    log_in,
    media_location,
    send_file,
    upload_file,
)
from tgcore.storage import SqliteSessionStore
from tgcore.tl import functions, types
from tgserver.app import ServerInfo

ANN = "9996623201"  # tgcore
TOM = "9996623202"  # Telethon
SIZE = 12 * 1024 * 1024 + 777  # a big file: 25 parts of 512 KiB
STOP_AT = 9
TIMEOUT = 60.0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Counting(Client):
    """Counts acknowledged upload parts and cancels ``scope`` at :data:`STOP_AT`."""

    scope: trio.CancelScope | None = None
    acked = 0

    async def __call__(self, request: Any) -> Any:
        result = await super().__call__(request)
        if isinstance(request, functions.upload.SaveBigFilePart):
            self.acked += 1
            if self.acked == STOP_AT and self.scope is not None:
                self.scope.cancel()
        return result


async def _tgcore_side(info: ServerInfo, path: Path, session: Path) -> tuple[int, str]:
    """Upload ``path`` with an interruption, send it to Tom; returns Tom's user id and the
    sha256 of the file Tom sends back (downloaded in parallel)."""
    key = file_resume_key(path)

    def client() -> _Counting:
        return _Counting(
            "127.0.0.1",
            info.port,
            public_key=info.public_key_pem,
            session=SqliteSessionStore(session),
        )

    async with client() as first:
        await log_in(first, ANN, "22222", first_name="Ann")
        with trio.CancelScope() as scope:
            first.scope = scope
            await upload_file(first, path, resume_key=key, parts_in_flight=3)
    saved = await SqliteSessionStore(session).get_upload(key)
    assert saved is not None and STOP_AT <= saved.acked_parts < saved.parts

    async with client() as second:
        contact = types.InputPhoneContact(
            client_id=1, phone="+" + TOM, first_name="Tom", last_name=""
        )
        imported = await second(functions.contacts.ImportContacts(contacts=[contact]))
        [tom] = [u for u in imported.users if isinstance(u, types.User)]
        peer = types.InputPeerUser(user_id=tom.id, access_hash=tom.access_hash or 0)
        await send_file(second, peer, path, caption="resumed")
        # Only the missing parts went out the second time.
        assert second.acked == saved.parts - saved.acked_parts

        # Wait for Tom's answer (a file) in Ann's history.
        with trio.fail_after(TIMEOUT):
            while True:
                history = await second(
                    functions.messages.GetHistory(
                        peer=peer,
                        offset_id=0,
                        offset_date=0,
                        add_offset=0,
                        limit=5,
                        max_id=0,
                        min_id=0,
                        hash=0,
                    )
                )
                answers = [
                    m
                    for m in history.messages
                    if isinstance(m, types.Message) and not m.out and m.media is not None
                ]
                if answers:
                    break
                await trio.sleep(0.1)
        location, size = media_location(answers[0])
        out = io.BytesIO()
        await download_file(second, location, out, size=size, parallel=4, request_size=256 * 1024)
        return tom.id, _sha(out.getvalue())


def test_resumed_upload_reads_back_in_telethon(running_server: ServerInfo, tmp_path: Path) -> None:
    data = random.Random(9).randbytes(SIZE)
    path = tmp_path / "resumed.bin"
    path.write_bytes(data)
    reply = random.Random(10).randbytes(3 * 1024 * 1024 + 5)
    tom_session = MemorySession()

    async def tom_signs_up() -> None:
        tom = telethon_client(running_server, tom_session)
        await tom.connect()
        try:
            await sign_up(tom, TOM, "Tom")
        finally:
            await tom.disconnect()

    async def tom_reads_and_answers() -> tuple[bytes, str]:
        tom = telethon_client(running_server, tom_session)
        await tom.connect()
        try:
            found: list[Any] = []
            for _ in range(int(TIMEOUT * 10)):  # until Ann's file arrives
                dialogs = await tom.get_dialogs()
                found = [d.message for d in dialogs if d.message and d.message.file]
                if found:
                    break
                await asyncio.sleep(0.1)
            assert found, "Ann's file never arrived"
            message = found[0]
            assert message.message == "resumed" and message.file.name == "resumed.bin"
            got = await tom.download_media(message, file=bytes)
            stream = io.BytesIO(reply)
            stream.name = "reply.bin"
            await tom.send_file(message.peer_id, stream, force_document=True)
            return got, message.file.mime_type
        finally:
            await tom.disconnect()

    asyncio.run(tom_signs_up())
    result: dict[str, Any] = {}

    async def ann() -> None:
        result["ann"] = await _tgcore_side(running_server, path, tmp_path / "ann.session")

    async def both() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(ann)
            got, mime = await trio.to_thread.run_sync(lambda: asyncio.run(tom_reads_and_answers()))
            result["tom"] = (got, mime)

    trio.run(both)
    got, mime = result["tom"]
    assert _sha(got) == _sha(data)
    assert mime == "application/octet-stream"
    _, reply_sha = result["ann"]
    assert reply_sha == _sha(reply)
