"""Bots in basic groups: service messages and group messages as updates, sending, editing,
deleting, buttons and getChat in a group, and the errors once the bot is out."""

from __future__ import annotations

from tests.tgserver.botapi.conftest import BotEnv
from tgcore.tl import functions, types
from tgserver.peerids import channel_key
from tgserver.services import ChatServices

KEYBOARD = {"inline_keyboard": [[{"text": "Vote", "callback_data": "vote"}]]}


def _chats(env: BotEnv) -> ChatServices:
    chats = env.services.bots.chats
    assert chats is not None
    return chats


async def _group(env: BotEnv) -> int:
    created = await _chats(env).chats.create(env.alice.id, "Team", [env.bob.id, env.bot.id])
    return created.chat.id


async def test_group_messages_reach_the_bot(env: BotEnv) -> None:
    gid = await _group(env)
    await _chats(env).messaging.send(env.alice.id, gid, "/help@test_bot please")
    created, command = await env.updates()
    assert created["message"]["group_chat_created"] is True
    assert created["message"]["chat"] == {"id": -gid, "type": "group", "title": "Team"}
    assert "text" not in created["message"]
    message = command["message"]
    assert message["chat"]["id"] == -gid and message["from"]["id"] == env.alice.id
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 14}]
    carol = await env.services.messaging.accounts.users.register("15550003", "Carol")
    await _chats(env).chats.add_user(env.alice.id, gid, carol.id)
    [joined] = await env.updates()
    assert [u["first_name"] for u in joined["message"]["new_chat_members"]] == ["Carol"]
    await _chats(env).chats.edit_title(env.alice.id, gid, "Team 2")
    [renamed] = await env.updates()
    assert renamed["message"]["new_chat_title"] == "Team 2"
    assert renamed["message"]["chat"]["title"] == "Team 2"
    chat = await env.ok("getChat", chat_id=-gid)
    assert chat["type"] == "group" and chat["title"] == "Team 2" and chat["id"] == -gid


async def test_the_bot_writes_edits_and_deletes_in_a_group(env: BotEnv) -> None:
    gid = await _group(env)
    sent = await env.ok("sendMessage", chat_id=-gid, text="<b>hello</b> group", parse_mode="HTML")
    assert sent["chat"]["id"] == -gid and sent["text"] == "hello group"
    for member in (env.alice, env.bob):
        page = await env.services.messaging.messages.history(member.id, -gid, limit=1)
        [seen] = page.messages
        assert seen.text == "hello group" and seen.from_id == env.bot.id
    edited = await env.ok(
        "editMessageText", chat_id=-gid, message_id=sent["message_id"], text="hello again"
    )
    assert edited["text"] == "hello again"
    page = await env.services.messaging.messages.history(env.bob.id, -gid, limit=1)
    assert page.messages[0].text == "hello again"
    assert await env.ok("sendChatAction", chat_id=-gid, action="typing") is True
    assert await env.ok("deleteMessage", chat_id=-gid, message_id=sent["message_id"]) is True
    page = await env.services.messaging.messages.history(env.bob.id, -gid, limit=1)
    assert page.messages[0].text != "hello again"


async def test_a_button_pressed_in_a_group(env: BotEnv) -> None:
    gid = await _group(env)
    await env.ok("sendMessage", chat_id=-gid, text="poll", reply_markup=KEYBOARD)
    await env.updates()
    page = await env.services.messaging.messages.history(env.bob.id, -gid, limit=1)
    copy = page.messages[0]
    request = functions.messages.GetBotCallbackAnswer(
        peer=types.InputPeerChat(chat_id=gid), msg_id=copy.id, data=b"vote"
    )
    query, answer = await env.press(env.bob, request, "Counted")
    assert query["from"]["id"] == env.bob.id and query["data"] == "vote"
    assert query["message"]["chat"]["id"] == -gid
    assert answer.message == "Counted"


async def test_groups_the_bot_is_not_in(env: BotEnv) -> None:
    gid = await _group(env)
    await _chats(env).chats.delete_user(env.alice.id, gid, env.bot.id)
    assert await env.error("sendMessage", 403, chat_id=-gid, text="x") == (
        "Forbidden: bot is not a member of the group chat"
    )
    assert await env.error("sendMessage", 400, chat_id=-999_999, text="x") == (
        "Bad Request: chat not found"
    )
    assert await env.error("sendMessage", 400, chat_id=channel_key(5), text="x") == (
        "Bad Request: chat not found"
    )
    assert await env.error("getChat", 400, chat_id=-999_999) == "Bad Request: chat not found"
