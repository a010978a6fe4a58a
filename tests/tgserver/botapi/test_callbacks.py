"""Inline buttons: a user's press (messages.getBotCallbackAnswer) becomes a callback_query for
the bot; answerCallbackQuery answers it; no answer in time is BOT_RESPONSE_TIMEOUT."""

from __future__ import annotations

import pytest
import trio

from tests.tgserver.botapi.conftest import BotEnv
from tgcore.errors import RpcError
from tgcore.tl import functions, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.handlers import BotHandlers

KEYBOARD = {
    "inline_keyboard": [[{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}]]
}


def _ctx(user_id: int) -> RequestContext:
    return RequestContext(auth_key_id=1, session_id=1, msg_id=1, layer=229, user_id=user_id)


async def _keyboard_message(env: BotEnv) -> types.Message:
    await env.user_says(env.alice, "/menu")
    await env.updates()
    await env.ok("sendMessage", chat_id=env.alice.id, text="menu", reply_markup=KEYBOARD)
    return await env.last_seen_by(env.alice)  # type: ignore[no-any-return]


def _press(env: BotEnv, msg_id: int, data: bytes) -> functions.messages.GetBotCallbackAnswer:
    hash_ = env.services.messaging.accounts.users.access.user(env.alice.id, env.bot.id)
    return functions.messages.GetBotCallbackAnswer(
        peer=types.InputPeerUser(user_id=env.bot.id, access_hash=hash_), msg_id=msg_id, data=data
    )


async def test_press_and_answer_over_mtproto_and_http(env: BotEnv) -> None:
    message = await _keyboard_message(env)
    handlers = BotHandlers(env.services)
    answers: list[types.messages.BotCallbackAnswer] = []

    async def press() -> None:
        answers.append(
            await handlers.get_bot_callback_answer(
                _ctx(env.alice.id), _press(env, message.id, b"b")
            )
        )

    async with trio.open_nursery() as nursery:
        nursery.start_soon(press)
        [update] = await env.ok("getUpdates", timeout=10)
        query = update["callback_query"]
        assert query["data"] == "b" and query["from"]["id"] == env.alice.id
        assert query["message"]["text"] == "menu" and query["chat_instance"]
        assert query["message"]["reply_markup"] == KEYBOARD
        assert (
            await env.ok(
                "answerCallbackQuery", callback_query_id=query["id"], text="Done", show_alert=True
            )
            is True
        )
    [answer] = answers
    assert answer.message == "Done" and answer.alert and not answer.has_url
    # Answering twice, or a query that never was.
    assert await env.error("answerCallbackQuery", 400, callback_query_id=query["id"]) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert "query ID is invalid" in await env.error(
        "answerCallbackQuery", 400, callback_query_id="1"
    )
    assert await env.error("answerCallbackQuery", 400) == "Bad Request: callback_query_id is empty"


async def test_no_answer_in_time(env: BotEnv) -> None:
    message = await _keyboard_message(env)
    env.services.callbacks.timeout = 0.2
    handlers = BotHandlers(env.services)
    with pytest.raises(RpcError) as caught:
        await handlers.get_bot_callback_answer(_ctx(env.alice.id), _press(env, message.id, b"a"))
    assert caught.value.name == "BOT_RESPONSE_TIMEOUT"
    # The query still reaches the bot; answering it now is too late.
    [update] = await env.ok("getUpdates")
    assert "query ID is invalid" in await env.error(
        "answerCallbackQuery", 400, callback_query_id=update["callback_query"]["id"]
    )


async def test_presses_that_name_no_button(env: BotEnv) -> None:
    message = await _keyboard_message(env)
    handlers = BotHandlers(env.services)
    for msg_id, data, name in (
        (message.id, b"zzz", "DATA_INVALID"),
        (999, b"a", "MESSAGE_ID_INVALID"),
        (message.id - 1, b"a", "DATA_INVALID"),  # the user's own message has no buttons
    ):
        with pytest.raises(RpcError) as caught:
            await handlers.get_bot_callback_answer(_ctx(env.alice.id), _press(env, msg_id, data))
        assert caught.value.name == name
    with pytest.raises(RpcError) as caught:
        await handlers.get_bot_callback_answer(_ctx(env.bob.id), _press(env, message.id, b"a"))
    assert caught.value.name == "PEER_ID_INVALID"  # Bob cannot use Alice's access hash


async def test_import_bot_authorization(env: BotEnv) -> None:
    handlers = BotHandlers(env.services)
    result = await handlers.import_bot_authorization(
        _ctx(0),
        functions.auth.ImportBotAuthorization(
            flags=0, api_id=1, api_hash="x", bot_auth_token=env.bot.token
        ),
    )
    assert isinstance(result.user, types.User) and result.user.bot and result.user.id == env.bot.id
    assert result.user.phone is None and result.user.bot_info_version == 1
    assert await env.services.messaging.accounts.lookup_user(1) == env.bot.id
    with pytest.raises(RpcError) as caught:
        await handlers.import_bot_authorization(
            _ctx(0),
            functions.auth.ImportBotAuthorization(
                flags=0, api_id=1, api_hash="x", bot_auth_token="1:2"
            ),
        )
    assert (caught.value.code, caught.value.name) == (401, "ACCESS_TOKEN_INVALID")


async def test_users_see_the_bot_flag(env: BotEnv) -> None:
    view = await env.services.messaging.accounts.users.view(env.alice.id, env.bot.id)
    assert view is not None and view.bot and view.phone is None and view.status is None
    human = await env.services.messaging.accounts.users.view(env.bob.id, env.alice.id)
    assert human is not None and not human.bot
