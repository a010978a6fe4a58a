"""Kurigram 2.2 sends a document to a Telethon user and downloads one (byte-identical)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os

import pytest
from PIL import Image

from tests.interop.support import kurigram_and_telethon, next_event
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")

KURI = "9996627201"
TELE = "9996627202"
TIMEOUT = 60.0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_kurigram_sends_and_downloads_documents(trusted: ServerInfo) -> None:
    outgoing = os.urandom(2 * 1024 * 1024 + 321)
    incoming = os.urandom(700_000)

    async def main() -> None:
        async with kurigram_and_telethon(
            trusted,
            name="kuri_media",
            kuri_phone=KURI,
            kuri_username="kuri_files",
            tele_phone=TELE,
            tele_username="tele_files",
        ) as users:
            kuri, tele = users.kuri, users.tele
            # Kurigram -> Telethon. (Kurigram without tgcrypto encrypts in pure Python at
            # about 0.5 MB/s, so its files here stay small; Telethon covers big uploads.)
            for data, name in ((outgoing, "k.bin"),):
                stream = io.BytesIO(data)
                stream.name = name
                message = await kuri.send_document("tele_files", stream, file_name=name)
                assert message.document.file_size == len(data)
                event = await next_event(users.tele_got, TIMEOUT)
                assert event.message.file.name == name
                assert _sha(await tele.download_media(event.message, bytes)) == _sha(data)
                # Kurigram downloads what it sent, too.
                own = await kuri.download_media(message, in_memory=True)
                assert _sha(bytes(own.getbuffer())) == _sha(data)

            # Telethon -> Kurigram.
            stream = io.BytesIO(incoming)
            stream.name = "t.bin"
            await tele.send_file("@kuri_files", stream, force_document=True)
            message = await next_event(users.kuri_got, TIMEOUT)
            assert message.document.file_name == "t.bin"
            got = await kuri.download_media(message, in_memory=True)
            assert _sha(bytes(got.getbuffer())) == _sha(incoming)

            # Photos both ways: Kurigram sees the sizes and downloads the largest.
            photo = io.BytesIO()
            Image.new("RGB", (900, 600), (20, 120, 220)).save(photo, format="JPEG")
            photo.name = "p.jpg"
            photo.seek(0)
            await tele.send_file("@kuri_files", photo)
            message = await next_event(users.kuri_got, TIMEOUT)
            assert (message.photo.width, message.photo.height) == (900, 600)
            got = await kuri.download_media(message, in_memory=True)
            assert Image.open(io.BytesIO(bytes(got.getbuffer()))).size == (900, 600)
            photo.seek(0)
            sent_photo = await kuri.send_photo("tele_files", photo)
            assert sent_photo.photo.width == 900
            event = await next_event(users.tele_got, TIMEOUT)
            data = await tele.download_media(event.message, bytes)
            assert Image.open(io.BytesIO(data)).size == (900, 600)
            # Kurigram hands its handlers the updates of its file sessions too: the server
            # must push nothing there, or each message would arrive twice.
            await asyncio.sleep(0.5)  # a duplicate push would have arrived by now
            assert len(users.kuri_delivered) == 2 and len(set(users.kuri_delivered)) == 2

    asyncio.run(main())
