"""examples/echo_bot_aiogram.py driven by simulated users through the tgserver.testing fixtures."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from tgserver.testing import SimulatedUser, TgTestBot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "echo_bot_aiogram.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("echo_bot_aiogram", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = _load()


@asynccontextmanager
async def polling(bot_account: TgTestBot) -> AsyncIterator[None]:
    """The example's dispatcher polling ``bot_account`` until the block ends."""
    bot = example.build_bot(bot_account.token, bot_account.server_url)
    dispatcher = example.build_dispatcher()
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=5)
    )
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await task
        await bot.session.close()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.asyncio
async def test_start_echo_and_buttons(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    user = tg_user.aio
    async with polling(tg_bot):
        await user.send(tg_bot, "/start")
        greeting = await user.wait_for_reply()
        assert greeting.text == "Hello, Test! Send me text, a photo or a file."
        assert [(e.type, e.text_in(greeting.text)) for e in greeting.entities] == [("bold", "Test")]
        assert greeting.button_texts == ["Ping", "Count: 0"]

        await user.send(tg_bot, "echo this, please")
        assert (await user.wait_for_reply()).text == "echo this, please"

        answer = await user.press(greeting, text="Ping")
        assert (answer.text, answer.show_alert) == ("Pong!", False)
        edited = await user.wait_for_edit(greeting)
        assert edited.text == "Pong! Press again?"
        assert edited.id == greeting.id

        # The counter lives in the callback data of the edited keyboard.
        current = edited
        for presses in (1, 2, 3):
            answer = await user.press(current, current.buttons[0][1].data)
            assert answer.text == f"Pressed {presses} times"
            assert answer.show_alert == (presses >= 3)
            current = await user.wait_for_edit(current)
            assert current.text == f"Count: {presses}"
            assert current.button_texts == ["Ping", f"Count: {presses}"]


@pytest.mark.asyncio
async def test_photo_and_document(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    user = tg_user.aio
    report = b"quarterly numbers\n" * 1000
    async with polling(tg_bot):
        sent = await user.send_photo(tg_bot, jpeg(640, 480), caption="a square")
        assert sent.media is not None and sent.media.kind == "photo"
        reply = await user.wait_for_reply()
        assert reply.text.startswith("Photo 640x480, ")
        assert reply.reply_to == sent.id

        await user.send_document(tg_bot, report, "report.txt")
        size_reply, returned = await user.wait_for_replies(2)
        digest = hashlib.sha256(report).hexdigest()[:16]
        assert size_reply.text == f"Document report.txt: {len(report)} bytes, sha256 {digest}"
        assert returned.text == "Here it is back"
        assert returned.media is not None
        assert (returned.media.kind, returned.media.name) == ("document", "report.txt")
        assert await user.download(returned) == report


def test_sync_user_reads_the_chat(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    # The bot runs on its own asyncio loop in the test thread; the user waits from a
    # helper thread so the loop keeps turning (how a sync test drives an asyncio bot).
    async def scenario() -> list[str]:
        async with polling(tg_bot):
            await asyncio.to_thread(tg_user.send, tg_bot, "/start")
            await asyncio.to_thread(tg_user.wait_for_reply)
            return [m.text for m in await asyncio.to_thread(tg_user.messages)]

    texts = asyncio.run(scenario())
    assert texts == ["/start", "Hello, Test! Send me text, a photo or a file."]
