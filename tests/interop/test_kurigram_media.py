"""Kurigram 2.2 sends a document to a Telethon user and downloads one (byte-identical)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from typing import Any

import pytest
from PIL import Image
from telethon import events

from tests.interop.support import kurigram_client, sign_up, telethon_client
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import filters, raw  # noqa: E402
from pyrogram.handlers import MessageHandler  # noqa: E402

KURI = "9996627201"
TELE = "9996627202"
TIMEOUT = 60.0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_kurigram_sends_and_downloads_documents(trusted: ServerInfo) -> None:
    outgoing = os.urandom(2 * 1024 * 1024 + 321)
    incoming = os.urandom(700_000)

    async def main() -> None:
        kuri = kurigram_client(trusted, "kuri_media")
        tele = telethon_client(trusted)
        await kuri.connect()
        await tele.connect()
        try:
            sent = await kuri.send_phone_number_code("+" + KURI)
            if await kuri.sign_in("+" + KURI, sent.phone_code_hash, "22222") is False:
                await kuri.sign_up("+" + KURI, sent.phone_code_hash, "Kuri")
            await kuri.invoke(raw.functions.account.UpdateUsername(username="kuri_files"))
            await sign_up(tele, TELE, "Tele")
            from telethon.tl import functions

            await tele(functions.account.UpdateUsernameRequest("tele_files"))

            kuri_got: asyncio.Queue[Any] = asyncio.Queue()
            tele_got: asyncio.Queue[Any] = asyncio.Queue()

            delivered: list[int] = []

            async def on_kuri(client: Any, message: Any) -> None:
                # Kurigram hands its handlers the updates of its file sessions too: the server
                # must push nothing there, or each message would arrive twice.
                delivered.append(message.id)
                await kuri_got.put(message)

            async def on_tele(event: Any) -> None:
                await tele_got.put(event)

            kuri.add_handler(MessageHandler(on_kuri, filters.incoming))
            tele.add_event_handler(on_tele, events.NewMessage(incoming=True))
            await kuri.initialize()
            try:
                # Kurigram -> Telethon. (Kurigram without tgcrypto encrypts in pure Python at
                # about 0.5 MB/s, so its files here stay small; Telethon covers big uploads.)
                for data, name in ((outgoing, "k.bin"),):
                    stream = io.BytesIO(data)
                    stream.name = name
                    message = await kuri.send_document("tele_files", stream, file_name=name)
                    assert message.document.file_size == len(data)
                    event = await asyncio.wait_for(tele_got.get(), TIMEOUT)
                    assert event.message.file.name == name
                    assert _sha(await tele.download_media(event.message, bytes)) == _sha(data)
                    # Kurigram downloads what it sent, too.
                    own = await kuri.download_media(message, in_memory=True)
                    assert _sha(bytes(own.getbuffer())) == _sha(data)

                # Telethon -> Kurigram.
                stream = io.BytesIO(incoming)
                stream.name = "t.bin"
                await tele.send_file("@kuri_files", stream, force_document=True)
                message = await asyncio.wait_for(kuri_got.get(), TIMEOUT)
                assert message.document.file_name == "t.bin"
                got = await kuri.download_media(message, in_memory=True)
                assert _sha(bytes(got.getbuffer())) == _sha(incoming)

                # Photos both ways: Kurigram sees the sizes and downloads the largest.
                photo = io.BytesIO()
                Image.new("RGB", (900, 600), (20, 120, 220)).save(photo, format="JPEG")
                photo.name = "p.jpg"
                photo.seek(0)
                await tele.send_file("@kuri_files", photo)
                message = await asyncio.wait_for(kuri_got.get(), TIMEOUT)
                assert (message.photo.width, message.photo.height) == (900, 600)
                got = await kuri.download_media(message, in_memory=True)
                assert Image.open(io.BytesIO(bytes(got.getbuffer()))).size == (900, 600)
                photo.seek(0)
                sent_photo = await kuri.send_photo("tele_files", photo)
                assert sent_photo.photo.width == 900
                event = await asyncio.wait_for(tele_got.get(), TIMEOUT)
                data = await tele.download_media(event.message, bytes)
                assert Image.open(io.BytesIO(data)).size == (900, 600)
                await asyncio.sleep(0.5)  # a duplicate push would have arrived by now
                assert len(delivered) == 2 and len(set(delivered)) == 2
            finally:
                await kuri.terminate()
        finally:
            await kuri.disconnect()
            await tele.disconnect()

    asyncio.run(main())
