"""The fixtures used directly: servers, bots, simulated users and what they read."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Callable
from typing import Any

import fsspec
import pytest

from tgserver.testing import SimulatedUser, TgTestBot, TgTestServer


def bot_api(bot: TgTestBot, method: str, **params: Any) -> Any:
    """One Bot API call with a JSON body (what a bot framework would send)."""
    request = urllib.request.Request(
        bot.api_url(method),
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert body["ok"], body
    return body["result"]


def test_server_is_in_memory_with_a_bot_api(tg_server: TgTestServer) -> None:
    assert tg_server.config.storage == "memory"
    assert tg_server.bot_api_url.startswith("http://127.0.0.1:")
    assert tg_server.info.port != 0


def test_bot_urls_fit_aiogram_and_ptb(tg_server: TgTestServer, tg_bot: TgTestBot) -> None:
    assert tg_bot.username == "test1_bot"
    assert tg_bot.token.startswith(f"{tg_bot.id}:")
    assert tg_bot.server_url == tg_server.bot_api_url
    # PTB appends the token (and method / file path) to these.
    assert tg_bot.base_url == f"{tg_server.bot_api_url}/bot"
    assert tg_bot.base_file_url == f"{tg_server.bot_api_url}/file/bot"
    me = bot_api(tg_bot, "getMe")
    assert (me["id"], me["username"], me["is_bot"]) == (tg_bot.id, "test1_bot", True)


def test_named_bots_and_users(
    make_bot: Callable[..., TgTestBot], make_user: Callable[..., SimulatedUser]
) -> None:
    bot = make_bot("weather_bot", first_name="Weather")
    assert (bot.username, bot.first_name) == ("weather_bot", "Weather")
    ann = make_user("Ann", username="ann_smith")
    bob = make_user("Bob")
    assert (ann.first_name, ann.username, bob.username) == ("Ann", "ann_smith", None)
    assert len({bot.id, ann.id, bob.id}) == 3


def test_send_and_read_a_conversation(tg_server: TgTestServer, tg_bot: TgTestBot) -> None:
    user = tg_server.make_user("Ann")
    sent = user.send(tg_bot, "/start")
    assert (sent.text, sent.outgoing, sent.chat_id, sent.sender_id) == (
        "/start",
        True,
        tg_bot.id,
        user.id,
    )
    # The bot answers twice, with formatting and both kinds of keyboard.
    bot_api(
        tg_bot,
        "sendMessage",
        chat_id=user.id,
        text="<b>Hi</b> <a href='https://example.org'>Ann</a>",
        parse_mode="HTML",
        reply_markup={
            "inline_keyboard": [
                [{"text": "Yes", "callback_data": "y"}, {"text": "Site", "url": "https://e.org"}]
            ]
        },
    )
    bot_api(
        tg_bot,
        "sendMessage",
        chat_id=user.id,
        text="Pick one",
        reply_markup={"keyboard": [["Red", "Green"], ["Blue"]]},
    )
    first, second = user.wait_for_replies(2)
    assert first.text == "Hi Ann"
    assert [(e.type, e.text_in(first.text), e.url) for e in first.entities] == [
        ("bold", "Hi", None),
        ("text_link", "Ann", "https://example.org"),
    ]
    assert first.button("Yes").data == b"y"
    assert first.button("Site").url == "https://e.org"
    assert second.keyboard == (("Red", "Green"), ("Blue",))
    assert not second.buttons
    assert [m.text for m in user.messages()] == ["/start", "Hi Ann", "Pick one"]
    assert [m.outgoing for m in user.messages(tg_bot, limit=2)] == [False, False]
    with pytest.raises(LookupError, match="no button 'No'"):
        first.button("No")


def test_wait_for_reply_times_out(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    tg_user.send(tg_bot, "anyone there?")
    with pytest.raises(TimeoutError, match="no message arrived"):
        tg_user.wait_for_reply(timeout=0.3)


def test_edits_are_seen(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    tg_user.send(tg_bot, "/start")
    sent = bot_api(tg_bot, "sendMessage", chat_id=tg_user.id, text="draft")
    reply = tg_user.wait_for_reply()
    bot_api(
        tg_bot,
        "editMessageText",
        chat_id=tg_user.id,
        message_id=sent["message_id"],
        text="final",
    )
    edited = tg_user.wait_for_edit(reply)
    assert (edited.id, edited.text) == (reply.id, "final")
    assert edited.edit_date is not None
    assert tg_user.refresh(reply).text == "final"
    with pytest.raises(TimeoutError, match="was not edited"):
        tg_user.wait_for_edit(edited, timeout=0.3)


def test_documents_round_trip(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    data = b"%PDF-1.4 fake\n" * 5000
    sent = tg_user.send_document(tg_bot, data, "notes.pdf", caption="my notes")
    assert sent.media is not None
    assert (sent.media.kind, sent.media.name, sent.media.mime_type, sent.media.size) == (
        "document",
        "notes.pdf",
        "application/pdf",
        len(data),
    )
    assert sent.text == "my notes"
    assert tg_user.download(sent) == data
    with pytest.raises(ValueError, match="has no media"):
        tg_user.download(tg_user.send(tg_bot, "text only"))


def test_the_bot_gets_what_the_user_sent(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    tg_user.send(tg_bot, "/help me")
    (update,) = bot_api(tg_bot, "getUpdates", timeout=5)
    message = update["message"]
    assert (message["text"], message["from"]["id"], message["chat"]["id"]) == (
        "/help me",
        tg_user.id,
        tg_user.id,
    )
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]


def test_press_needs_data_or_text(tg_bot: TgTestBot, tg_user: SimulatedUser) -> None:
    message = tg_user.send(tg_bot, "hi")
    with pytest.raises(TypeError, match="either the callback data or the button text"):
        tg_user.press(message)
    with pytest.raises(LookupError):
        tg_user.press(message, text="Nope")


def test_blocking_calls_refuse_to_stall_an_event_loop(
    tg_bot: TgTestBot, tg_user: SimulatedUser, make_user: Callable[..., SimulatedUser]
) -> None:
    async def inside_asyncio() -> str:
        # Creating accounts does not need the test's loop: allowed anywhere.
        other = make_user("Cy")
        with pytest.raises(RuntimeError, match="use the async variant"):
            tg_user.send(tg_bot, "blocked")
        sent = await tg_user.aio.send(other, "hello Cy")
        return sent.text

    assert asyncio.run(inside_asyncio()) == "hello Cy"


def test_stop_frees_the_memory_media_root(tg_server: TgTestServer, tg_bot: TgTestBot) -> None:
    user = tg_server.make_user()
    user.send_document(tg_bot, b"x" * 10_000, "x.bin")
    root = tg_server.config.media_root
    assert root is not None and root.startswith("memory://")
    memory = fsspec.filesystem("memory")
    assert memory.exists(root)
    tg_server.stop()
    assert not memory.exists(root)
