"""A Kurigram 2.2 member of a supergroup that Telethon 1.45 users run, and a Kurigram
subscriber of a broadcast channel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telethon import events
from telethon.tl import functions as tl_functions

from tests.interop.support import kurigram_client, sign_up, telethon_client
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import enums, filters, raw  # noqa: E402
from pyrogram.handlers import MessageHandler  # noqa: E402

KURI = "9996627201"
TELE = "9996627202"
TIMEOUT = 10.0


def test_kurigram_member_of_a_supergroup_and_a_channel(trusted: ServerInfo) -> None:
    async def main() -> None:
        kuri = kurigram_client(trusted, "kuri_channels")
        tele = telethon_client(trusted)
        await kuri.connect()
        await tele.connect()
        try:
            sent = await kuri.send_phone_number_code("+" + KURI)
            if await kuri.sign_in("+" + KURI, sent.phone_code_hash, "22222") is False:
                await kuri.sign_up("+" + KURI, sent.phone_code_hash, "Kuri")
            await kuri.invoke(raw.functions.account.UpdateUsername(username="kuri_member"))
            await sign_up(tele, TELE, "Tele")

            kuri_got: asyncio.Queue[Any] = asyncio.Queue()
            tele_got: asyncio.Queue[Any] = asyncio.Queue()

            async def on_kuri(client: Any, message: Any) -> None:
                await kuri_got.put(message)

            async def on_tele(event: Any) -> None:
                await tele_got.put(event)

            kuri.add_handler(MessageHandler(on_kuri, filters.incoming & ~filters.service))
            tele.add_event_handler(on_tele, events.NewMessage(incoming=True))
            await kuri.initialize()
            try:
                group = (
                    await tele(
                        tl_functions.channels.CreateChannelRequest(
                            title="Mixed", about="", megagroup=True
                        )
                    )
                ).chats[0]
                await tele(
                    tl_functions.channels.InviteToChannelRequest(
                        group, [await tele.get_input_entity("@kuri_member")]
                    )
                )
                await tele.send_message(group, "welcome, Kurigram")
                message = await asyncio.wait_for(kuri_got.get(), TIMEOUT)
                assert message.text == "welcome, Kurigram"
                assert message.chat.type == enums.ChatType.SUPERGROUP
                assert message.chat.title == "Mixed"

                reply = await kuri.send_message(message.chat.id, "thanks, Telethon")
                assert reply.text == "thanks, Telethon"
                event = await asyncio.wait_for(tele_got.get(), TIMEOUT)
                assert event.raw_text == "thanks, Telethon"
                history = [m async for m in kuri.get_chat_history(message.chat.id, limit=5)]
                assert [m.text for m in history[:2]] == ["thanks, Telethon", "welcome, Kurigram"]

                channel = (
                    await tele(
                        tl_functions.channels.CreateChannelRequest(
                            title="Announcements", about="", broadcast=True
                        )
                    )
                ).chats[0]
                await tele(tl_functions.channels.UpdateUsernameRequest(channel, "announce_here"))
                joined = (await kuri.join_chat("announce_here")).chat
                assert joined.type == enums.ChatType.CHANNEL
                await tele.send_message(channel, "a post")
                post = await asyncio.wait_for(kuri_got.get(), TIMEOUT)
                assert post.text == "a post" and post.chat.id == joined.id
            finally:
                await kuri.terminate()
        finally:
            await kuri.disconnect()
            await tele.disconnect()

    asyncio.run(main())
