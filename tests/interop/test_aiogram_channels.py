"""An unmodified aiogram 3 bot (long polling) in a supergroup and a broadcast channel that
Telethon users made: the bot gets /start@bot and text in the supergroup and answers there; a
Telethon member sees the answers and presses an inline button; in a broadcast channel where
the bot is an admin, the bot posts and the Telethon subscriber receives it, and the Telethon
admin's post reaches the bot as a channel_post."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from telethon import TelegramClient, events
from telethon.tl import functions, types

from tests.interop.bot_support import TIMEOUT, bot_server
from tests.interop.support import next_event, sign_up, telethon_client
from tgserver.app import ServerInfo
from tgserver.config import ServerConfig
from tgserver.store.bots import BotRecord

BOT = "chan_test_bot"


@pytest.fixture
def served(server_config: ServerConfig) -> Iterator[tuple[ServerInfo, BotRecord]]:
    yield from bot_server(server_config, BOT)


def _bot(info: ServerInfo, record: BotRecord) -> Bot:
    assert info.bot_api_url is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(info.bot_api_url))
    return Bot(record.token, session=session)


def _queue(client: TelegramClient, event: Any, *, sender: int) -> asyncio.Queue[Any]:
    """``event`` s of ``client`` from ``sender`` only (a member sees everyone's messages)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def put(e: Any) -> None:
        if e.message.sender_id == sender or e.message.post:
            await queue.put(e)

    client.add_event_handler(put, event)
    return queue


async def _users(info: ServerInfo) -> tuple[TelegramClient, TelegramClient]:
    alice, bob = telethon_client(info), telethon_client(info)
    await alice.connect()
    await bob.connect()
    await sign_up(alice, "9996624001", "Alice")
    await sign_up(bob, "9996624002", "Bob")
    return alice, bob


async def _stop(dp: Dispatcher, polling: asyncio.Task[Any], bot: Bot, *clients: Any) -> None:
    await dp.stop_polling()
    await asyncio.wait_for(polling, TIMEOUT)
    await bot.session.close()
    for client in clients:
        await client.disconnect()


def test_aiogram_bot_in_a_supergroup(served: tuple[ServerInfo, BotRecord]) -> None:
    info, record = served

    async def main() -> None:
        bot = _bot(info, record)
        dp = Dispatcher()
        seen: dict[str, Any] = {}
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Vote", callback_data="vote")]]
        )

        @dp.my_chat_member()
        async def added(update: ChatMemberUpdated) -> None:
            seen["member"] = (update.chat.type, update.new_chat_member.status)

        @dp.message(Command("start"))
        async def start(message: Message) -> None:
            assert message.from_user is not None
            seen["start"] = (message.chat.type, [e.type for e in message.entities or []])
            await message.answer(
                f"Hi, <b>{message.from_user.first_name}</b>!",
                parse_mode="HTML",
                reply_markup=keyboard,
            )

        @dp.message(F.text)
        async def echo(message: Message) -> None:
            await message.reply(f"echo: {message.text}")

        @dp.callback_query(F.data == "vote")
        async def vote(query: CallbackQuery) -> None:
            assert isinstance(query.message, Message)
            seen["voter"] = query.from_user.first_name
            await query.answer("Thanks!")
            await query.message.edit_text("Voted")

        polling = asyncio.create_task(
            dp.start_polling(bot, handle_signals=False, polling_timeout=5)
        )
        alice, bob = await _users(info)
        try:
            created = await alice(
                functions.channels.CreateChannelRequest(title="Lab", about="", megagroup=True)
            )
            group = created.chats[0]
            await alice(functions.channels.UpdateUsernameRequest(group, "the_lab"))
            await bob(functions.channels.JoinChannelRequest(await bob.get_entity("@the_lab")))
            bot_user = await alice.get_input_entity(BOT)
            await alice(functions.channels.InviteToChannelRequest(group, [bot_user]))
            await bob.get_dialogs()
            bot_id = record.id
            answers = _queue(bob, events.NewMessage(chats=[group.id]), sender=bot_id)
            edits = _queue(bob, events.MessageEdited(chats=[group.id]), sender=bot_id)

            await alice.send_message(group, f"/start@{BOT}")
            hello = (await next_event(answers, TIMEOUT)).message
            assert hello.message == "Hi, Alice!"
            assert isinstance(hello.peer_id, types.PeerChannel)
            assert hello.peer_id.channel_id == group.id
            assert isinstance(hello.entities[0], types.MessageEntityBold)
            assert hello.reply_markup is not None
            assert seen["start"] == ("supergroup", ["bot_command"])
            assert seen["member"] == ("supergroup", "member")

            await alice.send_message(group, "hello bot")
            echoed = (await next_event(answers, TIMEOUT)).message
            assert echoed.message == "echo: hello bot" and echoed.reply_to is not None

            answer = await hello.click(0)
            assert answer.message == "Thanks!"
            edited = (await next_event(edits, TIMEOUT)).message
            assert edited.id == hello.id and edited.message == "Voted"
            assert seen["voter"] == "Bob"
        finally:
            await _stop(dp, polling, bot, alice, bob)

    asyncio.run(main())


def test_aiogram_bot_as_a_channel_admin(served: tuple[ServerInfo, BotRecord]) -> None:
    info, record = served

    async def main() -> None:
        bot = _bot(info, record)
        dp = Dispatcher()
        posts: asyncio.Queue[Message] = asyncio.Queue()
        statuses: list[str] = []

        @dp.my_chat_member()
        async def promoted(update: ChatMemberUpdated) -> None:
            statuses.append(update.new_chat_member.status)

        @dp.channel_post()
        async def channel_post(message: Message) -> None:
            await posts.put(message)

        polling = asyncio.create_task(
            dp.start_polling(bot, handle_signals=False, polling_timeout=5)
        )
        alice, bob = await _users(info)
        try:
            created = await alice(
                functions.channels.CreateChannelRequest(title="Daily", about="", broadcast=True)
            )
            channel = created.chats[0]
            await alice(functions.channels.UpdateUsernameRequest(channel, "daily_bot_news"))
            await bob(
                functions.channels.JoinChannelRequest(await bob.get_entity("@daily_bot_news"))
            )
            await bob.get_dialogs()
            received = _queue(bob, events.NewMessage(chats=[channel.id]), sender=record.id)
            # As in Telegram, promoting a bot adds it to the channel.
            bot_user = await alice.get_input_entity(BOT)
            await alice(
                functions.channels.EditAdminRequest(
                    channel,
                    bot_user,
                    types.ChatAdminRights(post_messages=True, edit_messages=True),
                    rank="",
                )
            )

            await alice.send_message(channel, "Good morning")
            post = await asyncio.wait_for(posts.get(), TIMEOUT)
            assert post.text == "Good morning" and post.chat.type == "channel"
            assert post.sender_chat is not None and post.sender_chat.id == post.chat.id
            assert post.from_user is None
            seen_by_bob = (await next_event(received, TIMEOUT)).message
            assert seen_by_bob.message == "Good morning"

            sent = await bot.send_message(post.chat.id, "Posted by the bot")
            assert sent.chat.id == post.chat.id and sent.sender_chat is not None
            from_bot = (await next_event(received, TIMEOUT)).message
            assert from_bot.message == "Posted by the bot" and from_bot.post
            assert isinstance(from_bot.peer_id, types.PeerChannel)
            member = await bot.get_chat_member(post.chat.id, record.id)
            assert member.status == "administrator"
            assert await bot.get_chat_member_count(post.chat.id) == 3
            chat = await bot.get_chat(post.chat.id)
            assert chat.type == "channel" and chat.username == "daily_bot_news"
            assert statuses == ["administrator"]
        finally:
            await _stop(dp, polling, bot, alice, bob)

    asyncio.run(main())
