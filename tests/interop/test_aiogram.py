"""An unmodified aiogram 3 bot (long polling) and a Telethon user talk through tgserver:
/start with an inline keyboard, text, a document and a photo both ways, a button press
answered with answerCallbackQuery and editMessageText; the bot also logs in over MTProto."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from telethon import TelegramClient, errors
from telethon.sessions import MemorySession
from telethon.tl import functions, types

from tests.interop.bot_support import TIMEOUT, bot_server, image_size, png_bytes
from tests.interop.support import connected, event_queue, next_event, sign_up, telethon_client
from tgserver.app import ServerInfo
from tgserver.config import ServerConfig
from tgserver.store.bots import BotRecord

DOCUMENT = bytes(range(256)) * 700 + b"tail"  # 179,204 bytes, several download chunks


@asynccontextmanager
async def _polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """The dispatcher long-polls in a task while the block runs; then it stops, and the
    bot's HTTP session is closed."""
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    try:
        yield
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, TIMEOUT)
        await bot.session.close()


@pytest.fixture
def served(server_config: ServerConfig) -> Iterator[tuple[ServerInfo, BotRecord]]:
    yield from bot_server(server_config, "aiogram_test_bot")


def _dispatcher(bot: Bot, seen: dict[str, Any]) -> Dispatcher:
    dp = Dispatcher()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Press me", callback_data="press")]]
    )

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        assert message.from_user is not None
        seen["start_entities"] = [e.type for e in message.entities or []]
        await message.answer(
            f"Welcome, <b>{message.from_user.first_name}</b>!",
            parse_mode="HTML",
            reply_markup=keyboard,
        )

    @dp.message(F.document)
    async def document(message: Message) -> None:
        assert message.document is not None
        buffer = io.BytesIO()
        await bot.download(message.document, destination=buffer)
        seen["document"] = buffer.getvalue()
        await message.answer_document(
            BufferedInputFile(buffer.getvalue(), filename="echo.bin"), caption="your file"
        )

    @dp.message(F.photo)
    async def photo(message: Message) -> None:
        assert message.photo
        largest = message.photo[-1]
        buffer = io.BytesIO()
        await bot.download(largest, destination=buffer)
        seen["photo"] = (largest.width, largest.height, buffer.getvalue())
        await message.answer_photo(BufferedInputFile(buffer.getvalue(), filename="p.jpg"))

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    @dp.callback_query(F.data == "press")
    async def press(query: CallbackQuery) -> None:
        seen["callback_from"] = query.from_user.id
        await query.answer("Got it")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Pressed!")

    return dp


def test_aiogram_long_polling_bot_with_a_telethon_user(
    served: tuple[ServerInfo, BotRecord],
) -> None:
    info, record = served
    assert info.bot_api_url is not None

    async def main() -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(info.bot_api_url))
        bot = Bot(record.token, session=session)
        seen: dict[str, Any] = {}
        dp = _dispatcher(bot, seen)
        me = await bot.get_me()
        assert me.id == record.id and me.is_bot and me.username == "aiogram_test_bot"
        client = telethon_client(info)
        replies = event_queue(client)
        async with _polling(dp, bot), connected(client):
            await sign_up(client, "9996621001", "Alice")
            peer = await client.get_input_entity("aiogram_test_bot")
            await client.get_dialogs()

            async def reply() -> Any:
                return (await next_event(replies, TIMEOUT)).message

            await client.send_message(peer, "/start")
            welcome = await reply()
            assert welcome.message == "Welcome, Alice!"
            assert isinstance(welcome.entities[0], types.MessageEntityBold)
            assert welcome.buttons[0][0].text == "Press me"
            assert seen["start_entities"] == ["bot_command"]

            await client.send_message(peer, "hello bot")
            assert (await reply()).message == "echo: hello bot"

            await client.send_file(peer, DOCUMENT, force_document=True, file_name="data.bin")
            echoed = await reply()
            assert echoed.message == "your file" and echoed.document is not None
            assert seen["document"] == DOCUMENT
            assert await client.download_media(echoed, file=bytes) == DOCUMENT

            picture = io.BytesIO(png_bytes(320, 240, (200, 30, 30)))
            picture.name = "picture.png"  # Telethon sends an image file name as a photo
            await client.send_file(peer, picture)
            photo_back = await reply()
            width, height, data = seen["photo"]
            assert (width, height) == (320, 240) and image_size(data) == (320, 240)
            assert photo_back.photo is not None
            downloaded = await client.download_media(photo_back, file=bytes)
            assert image_size(downloaded) == (320, 240)

            answer = await asyncio.wait_for(welcome.click(0), TIMEOUT)
            assert answer.message == "Got it"
            assert seen["callback_from"] == (await client.get_me()).id
            for _ in range(100):
                [current] = await client.get_messages(peer, ids=[welcome.id])
                if current.message == "Pressed!":
                    break
                await asyncio.sleep(0.1)
            assert current.message == "Pressed!" and current.edit_date is not None

    asyncio.run(main())


def test_a_bot_logs_in_over_mtproto_with_its_token(served: tuple[ServerInfo, BotRecord]) -> None:
    info, record = served

    async def main() -> None:
        client = telethon_client(info)
        await client.connect()
        try:
            me = await client.sign_in(bot_token=record.token)
            assert me.bot and me.id == record.id and me.username == "aiogram_test_bot"
            assert (await client.get_me()).bot
        finally:
            await client.disconnect()
        intruder: TelegramClient = telethon_client(info, MemorySession())
        await intruder.connect()
        try:
            with pytest.raises(errors.AccessTokenInvalidError):
                await intruder(
                    functions.auth.ImportBotAuthorizationRequest(
                        flags=0, api_id=1, api_hash="0" * 32, bot_auth_token=f"{record.id}:wrong"
                    )
                )
        finally:
            await intruder.disconnect()

    asyncio.run(main())


def test_aiogram_bot_in_a_basic_group(served: tuple[ServerInfo, BotRecord]) -> None:
    info, record = served
    assert info.bot_api_url is not None

    async def main() -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(info.bot_api_url))
        bot = Bot(record.token, session=session)
        dp = Dispatcher()
        seen: dict[str, Any] = {}

        @dp.message(F.text == "/ping@aiogram_test_bot")
        async def ping(message: Message) -> None:
            seen["chat"] = (message.chat.type, message.chat.title)
            await message.reply("pong")

        client = telethon_client(info)
        replies = event_queue(client)
        async with _polling(dp, bot), connected(client):
            await sign_up(client, "9996621003", "Carol")
            bot_user = await client.get_input_entity("aiogram_test_bot")
            await client(functions.messages.CreateChatRequest(users=[bot_user], title="Crew"))
            dialogs = await client.get_dialogs()
            group = next(d for d in dialogs if d.name == "Crew")
            await client.send_message(group.entity, "/ping@aiogram_test_bot")
            pong = (await next_event(replies, TIMEOUT)).message
            assert pong.message == "pong" and pong.chat_id == group.id
            assert pong.reply_to is not None
            assert seen["chat"] == ("group", "Crew")

    asyncio.run(main())
