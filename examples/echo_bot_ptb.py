"""A python-telegram-bot 22 echo bot that gets its updates from tgserver by webhook.

Start a server and create the bot, then run it::

    tgserver run                             # Bot API on http://127.0.0.1:8081
    tgserver bots create --username echo_bot # in another shell: prints the token
    BOT_TOKEN=<token> python examples/echo_bot_ptb.py [http://127.0.0.1:8081] [--polling]

The base URL comes from the first argument, else ``TGSERVER_BOT_API``, else
``http://127.0.0.1:8081``; the token from ``BOT_TOKEN``. By default the bot listens for
webhook calls on ``http://127.0.0.1:8088/echo`` (``WEBHOOK_PORT`` changes the port) and
registers that URL with ``setWebhook`` and a secret token, which tgserver sends back in the
``X-Telegram-Bot-Api-Secret-Token`` header of every delivery (PTB refuses calls without
it). ``--polling`` uses ``getUpdates`` instead.

It does what examples/echo_bot_aiogram.py does: greets ``/start`` with an inline keyboard,
echoes text, tells the size of photos and documents, and answers button presses with
``answerCallbackQuery`` and an edit of the message.

tests/examples/test_echo_bot_ptb.py runs it with the ``tgserver.testing`` fixtures.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

DEFAULT_BASE = "http://127.0.0.1:8081"
DEFAULT_WEBHOOK_PORT = 8088
WEBHOOK_PATH = "echo"


def menu(presses: int = 0) -> InlineKeyboardMarkup:
    """The greeting's keyboard; the counter travels in the callback data."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ping", callback_data="ping"),
                InlineKeyboardButton(f"Count: {presses}", callback_data=f"count:{presses}"),
            ]
        ]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    user = update.effective_user
    name = user.first_name if user else "there"
    await update.message.reply_html(
        f"Hello, <b>{name}</b>! Send me text, a photo or a file.", reply_markup=menu()
    )


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    largest = update.message.photo[-1]
    await update.message.reply_text(
        f"Photo {largest.width}x{largest.height}, {largest.file_size} bytes", do_quote=True
    )


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.document is not None
    file = await message.document.get_file()
    content = bytes(await file.download_as_bytearray())
    digest = hashlib.sha256(content).hexdigest()[:16]
    await message.reply_text(
        f"Document {message.document.file_name}: {len(content)} bytes, sha256 {digest}",
        do_quote=True,
    )
    await message.reply_document(message.document.file_id, caption="Here it is back")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text, entities=update.message.entities)


async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Pong!")
    await query.edit_message_text("Pong! Press again?", reply_markup=menu())


async def count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    presses = int(query.data.split(":", 1)[1]) + 1
    await query.answer(f"Pressed {presses} times", show_alert=presses >= 3)
    await query.edit_message_text(f"Count: {presses}", reply_markup=menu(presses))


def build_application(token: str, base_url: str) -> Application:
    """The bot, talking to the Bot API at ``base_url`` (``http://host:port``)."""
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(MessageHandler(filters.PHOTO, photo))
    application.add_handler(MessageHandler(filters.Document.ALL, document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(ping, pattern="^ping$"))
    application.add_handler(CallbackQueryHandler(count, pattern="^count:"))
    return application


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request at INFO: one line per long poll is noise here.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    base = args[0] if args else os.environ.get("TGSERVER_BOT_API", DEFAULT_BASE)
    token = os.environ.get("BOT_TOKEN")
    if not token:
        sys.exit("set BOT_TOKEN to the bot's token (tgserver bots create --username echo_bot)")
    application = build_application(token, base)
    if "--polling" in sys.argv:
        application.run_polling()
        return
    port = int(os.environ.get("WEBHOOK_PORT", DEFAULT_WEBHOOK_PORT))
    application.run_webhook(
        listen="127.0.0.1",
        port=port,
        url_path=WEBHOOK_PATH,
        secret_token=secrets.token_urlsafe(32),
        webhook_url=f"http://127.0.0.1:{port}/{WEBHOOK_PATH}",
    )


if __name__ == "__main__":
    main()
