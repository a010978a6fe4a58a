"""A Kurigram 2.2 member of a supergroup that Telethon 1.45 users run, and a Kurigram
subscriber of a broadcast channel."""

from __future__ import annotations

import asyncio

import pytest
from telethon.tl import functions as tl_functions

from tests.interop.support import kurigram_and_telethon, next_event
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import enums, filters  # noqa: E402

KURI = "9996627201"
TELE = "9996627202"
TIMEOUT = 10.0


def test_kurigram_member_of_a_supergroup_and_a_channel(trusted: ServerInfo) -> None:
    async def main() -> None:
        async with kurigram_and_telethon(
            trusted,
            name="kuri_channels",
            kuri_phone=KURI,
            kuri_username="kuri_member",
            tele_phone=TELE,
            kuri_filter=filters.incoming & ~filters.service,
        ) as users:
            kuri, tele = users.kuri, users.tele
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
            message = await next_event(users.kuri_got, TIMEOUT)
            assert message.text == "welcome, Kurigram"
            assert message.chat.type == enums.ChatType.SUPERGROUP
            assert message.chat.title == "Mixed"

            reply = await kuri.send_message(message.chat.id, "thanks, Telethon")
            assert reply.text == "thanks, Telethon"
            event = await next_event(users.tele_got, TIMEOUT)
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
            post = await next_event(users.kuri_got, TIMEOUT)
            assert post.text == "a post" and post.chat.id == joined.id

    asyncio.run(main())
