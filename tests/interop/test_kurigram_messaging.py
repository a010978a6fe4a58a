"""A Kurigram 2.2 user and a Telethon 1.45 user talk to each other."""

from __future__ import annotations

import asyncio

import pytest

from tests.interop.support import kurigram_and_telethon, next_event
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")

KURI = "9996627101"
TELE = "9996627102"
TIMEOUT = 10.0


def test_kurigram_and_telethon_talk(trusted: ServerInfo) -> None:
    async def main() -> None:
        async with kurigram_and_telethon(
            trusted,
            name="kuri",
            kuri_phone=KURI,
            kuri_username="kuri_talks",
            tele_phone=TELE,
            tele_username="tele_talks",
        ) as users:
            kuri, tele = users.kuri, users.tele
            await tele.send_message("@kuri_talks", "hello from Telethon")
            message = await next_event(users.kuri_got, TIMEOUT)
            assert message.text == "hello from Telethon"
            assert message.from_user.username == "tele_talks"

            reply = await kuri.send_message("tele_talks", "hello from Kurigram")
            assert reply.text == "hello from Kurigram"
            event = await next_event(users.tele_got, TIMEOUT)
            assert event.raw_text == "hello from Kurigram"
            assert (await event.get_sender()).username == "kuri_talks"

    asyncio.run(main())
