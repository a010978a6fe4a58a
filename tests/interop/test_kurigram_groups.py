"""A Kurigram 2.2 user takes part in a basic group a Telethon 1.45 user created."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telethon import events
from telethon.tl import functions as tl_functions
from telethon.tl import types as tl_types

from tests.interop.support import kurigram_client, sign_up, telethon_client
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import enums, filters, raw  # noqa: E402
from pyrogram.handlers import MessageHandler  # noqa: E402

KURI = "9996627201"
TELE = "9996627202"
TIMEOUT = 10.0


def test_kurigram_member_of_a_basic_group(trusted: ServerInfo) -> None:
    async def main() -> None:
        kuri = kurigram_client(trusted, "kuri_group")
        tele = telethon_client(trusted)
        await kuri.connect()
        await tele.connect()
        try:
            sent = await kuri.send_phone_number_code("+" + KURI)
            if await kuri.sign_in("+" + KURI, sent.phone_code_hash, "22222") is False:
                await kuri.sign_up("+" + KURI, sent.phone_code_hash, "Kuri")
            await kuri.invoke(raw.functions.account.UpdateUsername(username="kuri_group"))
            tele_me = await sign_up(tele, TELE, "Tele")

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
                kuri_user = await tele.get_input_entity("@kuri_group")
                invited = await tele(
                    tl_functions.messages.CreateChatRequest(users=[kuri_user], title="Mixed")
                )
                [chat] = invited.updates.chats
                # Kurigram sees the creation as a service message of the group.
                created = await asyncio.wait_for(kuri_got.get(), TIMEOUT)
                assert created.chat.id == -chat.id and created.chat.type == enums.ChatType.GROUP
                assert created.service == enums.MessageServiceType.GROUP_CHAT_CREATED
                assert created.chat.title == "Mixed"

                await tele.send_message(tl_types.InputPeerChat(chat.id), "hello from Telethon")
                message = await asyncio.wait_for(kuri_got.get(), TIMEOUT)
                assert message.text == "hello from Telethon"
                assert message.chat.id == -chat.id and message.from_user.id == tele_me.id

                reply = await kuri.send_message(-chat.id, "hello from Kurigram")
                assert reply.text == "hello from Kurigram" and reply.chat.id == -chat.id
                event = await asyncio.wait_for(tele_got.get(), TIMEOUT)
                assert event.raw_text == "hello from Kurigram" and event.chat_id == -chat.id
                assert (await event.get_sender()).username == "kuri_group"

                history = [m.text async for m in kuri.get_chat_history(-chat.id, limit=5)]
                assert history[:2] == ["hello from Kurigram", "hello from Telethon"]
                group = await kuri.get_chat(-chat.id)
                assert group.title == "Mixed" and group.members_count == 2
                dialogs = [d async for d in kuri.get_dialogs()]
                mixed = next(d for d in dialogs if d.chat.id == -chat.id)
                assert (
                    mixed.chat.title == "Mixed" and mixed.top_message.text == "hello from Kurigram"
                )
            finally:
                await kuri.terminate()
        finally:
            await kuri.disconnect()
            await tele.disconnect()

    asyncio.run(main())
