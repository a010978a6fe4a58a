"""An unmodified python-telegram-bot 22 bot on a webhook (with a secret token) and a Telethon
user talk through tgserver: /start with an inline keyboard, text, a document and a photo
both ways, a button press answered with answerCallbackQuery and editMessageText."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.interop.bot_support import TIMEOUT, bot_server, image_size, png_bytes
from tests.interop.support import event_queue, next_event, sign_up, telethon_client
from tgserver.app import ServerInfo
from tgserver.config import ServerConfig
from tgserver.store.bots import BotRecord

DOCUMENT = b"\x00\x01 PTB document \xff" * 5000
SECRET = "Webhook_Secret-42"


@pytest.fixture
def served(server_config: ServerConfig) -> Iterator[tuple[ServerInfo, BotRecord]]:
    yield from bot_server(server_config, "ptb_test_bot")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _application(
    info: ServerInfo, token: str, seen: dict[str, Any]
) -> Application[Any, Any, Any, Any, Any, Any]:
    assert info.bot_api_url is not None
    app = (
        Application.builder()
        .token(token)
        .base_url(f"{info.bot_api_url}/bot")
        .base_file_url(f"{info.bot_api_url}/file/bot")
        .build()
    )
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Press me", callback_data="press")]])

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.message is not None
        await update.message.reply_html(
            f"Welcome, <b>{update.effective_user.first_name}</b>!", reply_markup=keyboard
        )

    async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        file = await update.message.document.get_file()
        data = bytes(await file.download_as_bytearray())
        seen["document"] = data
        await update.message.reply_document(data, filename="echo.bin", caption="your file")

    async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        largest = update.message.photo[-1]
        data = bytes(await (await largest.get_file()).download_as_bytearray())
        seen["photo"] = (largest.width, largest.height, data)
        await update.message.reply_photo(data)

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        seen["callback_data"] = query.data
        await query.answer("Got it", show_alert=True)
        await query.edit_message_text("Pressed!")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, text))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(CallbackQueryHandler(press))
    return app


def test_ptb_webhook_bot_with_a_telethon_user(served: tuple[ServerInfo, BotRecord]) -> None:
    info, record = served

    async def main() -> None:
        seen: dict[str, Any] = {}
        app = _application(info, record.token, seen)
        port = _free_port()
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token=SECRET,
        )
        webhook = await app.bot.get_webhook_info()
        assert webhook.url == f"http://127.0.0.1:{port}/hook"
        client = telethon_client(info)
        await client.connect()
        replies = event_queue(client)
        try:
            await sign_up(client, "9996621002", "Bob")
            peer = await client.get_input_entity("ptb_test_bot")

            async def reply() -> Any:
                return (await next_event(replies, TIMEOUT)).message

            await client.send_message(peer, "/start")
            welcome = await reply()
            assert welcome.message == "Welcome, Bob!"
            assert welcome.buttons[0][0].text == "Press me"

            await client.send_message(peer, "hi there")
            assert (await reply()).message == "echo: hi there"

            await client.send_file(peer, DOCUMENT, force_document=True, file_name="doc.bin")
            echoed = await reply()
            assert echoed.message == "your file"
            assert seen["document"] == DOCUMENT
            assert await client.download_media(echoed, file=bytes) == DOCUMENT

            picture = io.BytesIO(png_bytes(200, 100, (10, 120, 250)))
            picture.name = "picture.png"
            await client.send_file(peer, picture)
            photo_back = await reply()
            width, height, data = seen["photo"]
            assert (width, height) == (200, 100) and image_size(data) == (200, 100)
            assert image_size(await client.download_media(photo_back, file=bytes)) == (200, 100)

            answer = await asyncio.wait_for(welcome.click(0), TIMEOUT)
            assert answer.message == "Got it" and answer.alert
            assert seen["callback_data"] == "press"
            for _ in range(100):
                [current] = await client.get_messages(peer, ids=[welcome.id])
                if current.message == "Pressed!":
                    break
                await asyncio.sleep(0.1)
            assert current.message == "Pressed!"
            assert (await app.bot.get_webhook_info()).last_error_date is None
        finally:
            await client.disconnect()
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    asyncio.run(main())
