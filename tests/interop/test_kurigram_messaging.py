"""A Kurigram 2.2 user and a Telethon 1.45 user talk to each other."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telethon import events
from telethon.tl import functions as tl_functions

from tests.interop.support import kurigram_client, sign_up, telethon_client
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import filters, raw  # noqa: E402
from pyrogram.handlers import MessageHandler  # noqa: E402

KURI = "9996627101"
TELE = "9996627102"
TIMEOUT = 10.0


def test_kurigram_and_telethon_talk(trusted: ServerInfo) -> None:
    async def main() -> None:
        kuri = kurigram_client(trusted, "kuri")
        tele = telethon_client(trusted)
        await kuri.connect()
        await tele.connect()
        try:
            sent = await kuri.send_phone_number_code("+" + KURI)
            if await kuri.sign_in("+" + KURI, sent.phone_code_hash, "22222") is False:
                await kuri.sign_up("+" + KURI, sent.phone_code_hash, "Kuri")
            await kuri.invoke(raw.functions.account.UpdateUsername(username="kuri_talks"))
            await sign_up(tele, TELE, "Tele")
            await tele(tl_functions.account.UpdateUsernameRequest("tele_talks"))

            kuri_got: asyncio.Queue[Any] = asyncio.Queue()
            tele_got: asyncio.Queue[Any] = asyncio.Queue()

            async def on_kuri(client: Any, message: Any) -> None:
                await kuri_got.put(message)

            async def on_tele(event: Any) -> None:
                await tele_got.put(event)

            kuri.add_handler(MessageHandler(on_kuri, filters.incoming))
            tele.add_event_handler(on_tele, events.NewMessage(incoming=True))
            await kuri.initialize()
            try:
                await tele.send_message("@kuri_talks", "hello from Telethon")
                message = await asyncio.wait_for(kuri_got.get(), TIMEOUT)
                assert message.text == "hello from Telethon"
                assert message.from_user.username == "tele_talks"

                reply = await kuri.send_message("tele_talks", "hello from Kurigram")
                assert reply.text == "hello from Kurigram"
                event = await asyncio.wait_for(tele_got.get(), TIMEOUT)
                assert event.raw_text == "hello from Kurigram"
                assert (await event.get_sender()).username == "kuri_talks"
            finally:
                await kuri.terminate()
        finally:
            await kuri.disconnect()
            await tele.disconnect()

    asyncio.run(main())
