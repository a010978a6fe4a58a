"""An aiogram 3 echo bot that runs against tgserver's Bot API.

Start a server and create the bot, then run it::

    tgserver run                             # Bot API on http://127.0.0.1:8081
    tgserver bots create --username echo_bot # in another shell: prints the token
    BOT_TOKEN=<token> python examples/echo_bot_aiogram.py [http://127.0.0.1:8081]

The base URL comes from the first argument, else ``TGSERVER_BOT_API``, else
``http://127.0.0.1:8081``; the token from ``BOT_TOKEN``. The bot greets ``/start`` with an
inline keyboard, echoes text (formatting kept), tells the size of a photo or a document it
receives (downloading the document through the server's file endpoint), and answers a press
of a button with ``answerCallbackQuery`` plus an edit of the message.

tests/examples/test_echo_bot_aiogram.py runs it with the ``tgserver.testing`` fixtures.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

DEFAULT_BASE = "http://127.0.0.1:8081"


def menu(presses: int = 0) -> InlineKeyboardMarkup:
    """The greeting's keyboard; the counter travels in the callback data."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Ping", callback_data="ping"),
                InlineKeyboardButton(text=f"Count: {presses}", callback_data=f"count:{presses}"),
            ]
        ]
    )


async def start(message: Message) -> None:
    name = message.from_user.first_name if message.from_user else "there"
    await message.answer(
        f"Hello, <b>{name}</b>! Send me text, a photo or a file.",
        parse_mode="HTML",
        reply_markup=menu(),
    )


async def photo(message: Message) -> None:
    assert message.photo is not None
    largest = message.photo[-1]
    await message.reply(f"Photo {largest.width}x{largest.height}, {largest.file_size} bytes")


async def document(message: Message, bot: Bot) -> None:
    assert message.document is not None
    data = await bot.download(message.document)
    assert data is not None
    content = data.read()
    digest = hashlib.sha256(content).hexdigest()[:16]
    await message.reply(
        f"Document {message.document.file_name}: {len(content)} bytes, sha256 {digest}"
    )
    # And back: the same file, by its file_id, without uploading it again.
    await message.answer_document(message.document.file_id, caption="Here it is back")


async def echo(message: Message) -> None:
    assert message.text is not None
    await message.answer(message.text, entities=message.entities)


async def ping(query: CallbackQuery) -> None:
    await query.answer("Pong!")
    if isinstance(query.message, Message):
        await query.message.edit_text("Pong! Press again?", reply_markup=menu())


async def count(query: CallbackQuery) -> None:
    assert query.data is not None
    presses = int(query.data.split(":", 1)[1]) + 1
    await query.answer(f"Pressed {presses} times", show_alert=presses >= 3)
    if isinstance(query.message, Message):
        await query.message.edit_text(f"Count: {presses}", reply_markup=menu(presses))


def build_router() -> Router:
    """The bot's handlers on a new router (a router belongs to one dispatcher)."""
    router = Router(name="echo")
    router.message.register(start, CommandStart())
    router.message.register(photo, F.photo)
    router.message.register(document, F.document)
    router.message.register(echo, F.text)
    router.callback_query.register(ping, F.data == "ping")
    router.callback_query.register(count, F.data.startswith("count:"))
    return router


def build_dispatcher() -> Dispatcher:
    """A dispatcher running the bot (tests run it with a Bot of their own)."""
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router())
    return dispatcher


def build_bot(token: str, base_url: str) -> Bot:
    """A Bot talking to the Bot API at ``base_url`` (``http://host:port``)."""
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


async def main(token: str, base_url: str) -> None:
    bot = build_bot(token, base_url)
    try:
        await build_dispatcher().start_polling(bot)
    finally:
        await bot.session.close()


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TGSERVER_BOT_API", DEFAULT_BASE)
    bot_token = os.environ.get("BOT_TOKEN")
    if not bot_token:
        sys.exit("set BOT_TOKEN to the bot's token (tgserver bots create --username echo_bot)")
    asyncio.run(main(bot_token, base))
