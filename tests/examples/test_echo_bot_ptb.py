"""examples/echo_bot_ptb.py (webhook and polling) driven by simulated users through the
tgserver.testing fixtures."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from tgserver.testing import SimulatedUser, TgTestBot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "echo_bot_ptb.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("echo_bot_ptb", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = _load()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running(bot_account: TgTestBot, mode: str) -> AsyncIterator[None]:
    """The example's application getting updates by ``mode`` until the block ends."""
    application = example.build_application(bot_account.token, bot_account.server_url)
    async with application:
        await application.start()
        updater = application.updater
        assert updater is not None
        if mode == "webhook":
            port = free_port()
            await updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path="hook",
                secret_token=secrets.token_urlsafe(16),
                webhook_url=f"http://127.0.0.1:{port}/hook",
            )
        else:
            await updater.start_polling(poll_interval=0.0, timeout=5)
        try:
            yield
        finally:
            await updater.stop()
            await application.stop()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 140, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["webhook", "polling"])
async def test_start_echo_and_buttons(tg_bot: TgTestBot, tg_user: SimulatedUser, mode: str) -> None:
    user = tg_user.aio
    async with running(tg_bot, mode):
        await user.send(tg_bot, "/start")
        greeting = await user.wait_for_reply()
        assert greeting.text == "Hello, Test! Send me text, a photo or a file."
        assert [(e.type, e.text_in(greeting.text)) for e in greeting.entities] == [("bold", "Test")]
        assert greeting.button_texts == ["Ping", "Count: 0"]

        await user.send(tg_bot, "echo this, please")
        assert (await user.wait_for_reply()).text == "echo this, please"

        answer = await user.press(greeting, "ping")
        assert (answer.text, answer.show_alert) == ("Pong!", False)
        edited = await user.wait_for_edit(greeting)
        assert edited.text == "Pong! Press again?"

        current = edited
        for presses in (1, 2, 3):
            answer = await user.press(current, text=f"Count: {presses - 1}")
            assert (answer.text, answer.show_alert) == (f"Pressed {presses} times", presses >= 3)
            current = await user.wait_for_edit(current)
            assert current.text == f"Count: {presses}"


@pytest.mark.asyncio
async def test_photo_and_document_by_webhook(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    user = tg_user.aio
    report = bytes(range(256)) * 300
    async with running(tg_bot, "webhook"):
        sent = await user.send_photo(tg_bot, jpeg(320, 200))
        reply = await user.wait_for_reply()
        assert reply.text.startswith("Photo 320x200, ")
        assert reply.reply_to == sent.id

        await user.send_document(tg_bot, report, "data.bin")
        size_reply, returned = await user.wait_for_replies(2)
        digest = hashlib.sha256(report).hexdigest()[:16]
        assert size_reply.text == f"Document data.bin: {len(report)} bytes, sha256 {digest}"
        assert returned.media is not None and returned.media.name == "data.bin"
        assert await user.download(returned) == report
