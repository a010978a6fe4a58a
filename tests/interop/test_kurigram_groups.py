"""A Kurigram 2.2 user takes part in a basic group a Telethon 1.45 user created."""

from __future__ import annotations

import asyncio

import pytest
from telethon.tl import functions as tl_functions
from telethon.tl import types as tl_types

from tests.interop.support import kurigram_and_telethon, next_event
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import enums  # noqa: E402

KURI = "9996627201"
TELE = "9996627202"
TIMEOUT = 10.0


def test_kurigram_member_of_a_basic_group(trusted: ServerInfo) -> None:
    async def main() -> None:
        async with kurigram_and_telethon(
            trusted,
            name="kuri_group",
            kuri_phone=KURI,
            kuri_username="kuri_group",
            tele_phone=TELE,
        ) as users:
            kuri, tele, tele_me = users.kuri, users.tele, users.tele_me
            kuri_user = await tele.get_input_entity("@kuri_group")
            invited = await tele(
                tl_functions.messages.CreateChatRequest(users=[kuri_user], title="Mixed")
            )
            [chat] = invited.updates.chats
            # Kurigram sees the creation as a service message of the group.
            created = await next_event(users.kuri_got, TIMEOUT)
            assert created.chat.id == -chat.id and created.chat.type == enums.ChatType.GROUP
            assert created.service == enums.MessageServiceType.GROUP_CHAT_CREATED
            assert created.chat.title == "Mixed"

            await tele.send_message(tl_types.InputPeerChat(chat.id), "hello from Telethon")
            message = await next_event(users.kuri_got, TIMEOUT)
            assert message.text == "hello from Telethon"
            assert message.chat.id == -chat.id and message.from_user.id == tele_me.id

            reply = await kuri.send_message(-chat.id, "hello from Kurigram")
            assert reply.text == "hello from Kurigram" and reply.chat.id == -chat.id
            event = await next_event(users.tele_got, TIMEOUT)
            assert event.raw_text == "hello from Kurigram" and event.chat_id == -chat.id
            assert (await event.get_sender()).username == "kuri_group"

            history = [m.text async for m in kuri.get_chat_history(-chat.id, limit=5)]
            assert history[:2] == ["hello from Kurigram", "hello from Telethon"]
            group = await kuri.get_chat(-chat.id)
            assert group.title == "Mixed" and group.members_count == 2
            dialogs = [d async for d in kuri.get_dialogs()]
            mixed = next(d for d in dialogs if d.chat.id == -chat.id)
            assert mixed.chat.title == "Mixed" and mixed.top_message.text == "hello from Kurigram"

    asyncio.run(main())
