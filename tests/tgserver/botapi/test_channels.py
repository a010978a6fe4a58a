"""Bots in supergroups and broadcast channels (``-100...`` chat ids): updates fed from the
channels' own logs, sending/editing/deleting, chat and member lookups, buttons, errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
import trio
from PIL import Image

from tests.tgserver.botapi.conftest import BotEnv
from tgcore.errors import RpcError
from tgcore.tl import functions, types
from tgserver.media import render_media
from tgserver.peerids import channel_key
from tgserver.rpc.handlers import BotHandlers, decode_object
from tgserver.services.channels import ChannelServices
from tgserver.services.channels.rights import (
    ADMIN_EDIT_MESSAGES,
    ADMIN_POST_MESSAGES,
    BANNED_VIEW_MESSAGES,
)
from tgserver.store.channels import ChannelMessage

KEYBOARD = {"inline_keyboard": [[{"text": "Vote", "callback_data": "vote"}]]}


def _channels(env: BotEnv) -> ChannelServices:
    channels = env.services.bots.channels
    assert channels is not None
    return channels.services


async def _supergroup(env: BotEnv, *members: int) -> int:
    services = _channels(env)
    created = await services.channels.create(env.alice.id, "Devs", megagroup=True)
    await services.channels.invite(env.alice.id, created.channel.id, list(members))
    return created.channel.id


async def _broadcast(env: BotEnv, *, bot_rights: int = ADMIN_POST_MESSAGES) -> int:
    services = _channels(env)
    created = await services.channels.create(env.alice.id, "News", megagroup=False)
    cid = created.channel.id
    if bot_rights:
        # Promoting a bot that is not a member adds it (Telegram's way into a channel).
        await services.channels.invite(env.alice.id, cid, [env.bob.id])
        await services.channels.edit_admin(env.alice.id, cid, env.bot.id, bot_rights)
    else:
        await services.channels.invite(env.alice.id, cid, [env.bob.id, env.bot.id])
    return cid


async def _last(env: BotEnv, user_id: int, cid: int) -> ChannelMessage:
    _, page, _ = await _channels(env).messaging.history(user_id, cid, limit=1)
    return page[0]


def _kinds(updates: list[dict[str, Any]]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_supergroup_messages_reach_the_bot(env: BotEnv) -> None:
    cid = await _supergroup(env, env.bob.id, env.bot.id)
    key = channel_key(cid)
    messaging = _channels(env).messaging
    await messaging.post(env.alice.id, cid, "/start@test_bot now")
    await messaging.post(env.bob.id, cid, "hello all")
    updates = await env.updates()
    assert _kinds(updates) == ["my_chat_member", "message", "message", "message"]
    member = updates[0]["my_chat_member"]
    assert member["chat"] == {"id": key, "type": "supergroup", "title": "Devs"}
    assert member["from"]["id"] == env.alice.id
    assert member["old_chat_member"]["status"] == "left"
    assert member["new_chat_member"] == {
        "status": "member",
        "user": {"id": env.bot.id, "is_bot": True, "first_name": "Tester", "username": "test_bot"},
    }
    joined = updates[1]["message"]
    assert {u["id"] for u in joined["new_chat_members"]} == {env.bob.id, env.bot.id}
    command = updates[2]["message"]
    assert command["chat"]["id"] == key and command["from"]["id"] == env.alice.id
    assert command["text"] == "/start@test_bot now"
    assert command["entities"] == [{"type": "bot_command", "offset": 0, "length": 15}]
    assert "sender_chat" not in command
    assert updates[3]["message"]["text"] == "hello all"
    # Edits arrive as edited_message; the bot's own posts are no updates for it.
    await messaging.edit(env.bob.id, cid, updates[3]["message"]["message_id"], "hello everyone")
    await env.ok("sendMessage", chat_id=key, text="I am here")
    [edited] = await env.updates()
    assert edited["edited_message"]["text"] == "hello everyone"
    assert edited["edited_message"]["edit_date"] > 0
    assert await env.updates() == []


async def test_the_bot_writes_edits_and_deletes_in_a_supergroup(env: BotEnv) -> None:
    cid = await _supergroup(env, env.bob.id, env.bot.id)
    key = channel_key(cid)
    question = await _channels(env).messaging.post(env.bob.id, cid, "question?")
    sent = await env.ok(
        "sendMessage",
        chat_id=key,
        text="<b>answer</b>",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        reply_parameters={"message_id": question.message.id},
    )
    assert sent["chat"]["type"] == "supergroup" and sent["from"]["id"] == env.bot.id
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 6}]
    assert sent["reply_to_message"]["text"] == "question?"
    assert sent["reply_markup"] == KEYBOARD
    seen = await _last(env, env.bob.id, cid)
    assert seen.text == "answer" and seen.from_id == env.bot.id
    markup = decode_object(seen.reply_markup)
    assert isinstance(markup, types.ReplyInlineMarkup)
    mid = sent["message_id"]
    edited = await env.ok(
        "editMessageText", chat_id=key, message_id=mid, text="answer 2", reply_markup=KEYBOARD
    )
    assert edited["text"] == "answer 2" and edited["reply_markup"] == KEYBOARD
    assert "not modified" in await env.error(
        "editMessageText", 400, chat_id=key, message_id=mid, text="answer 2", reply_markup=KEYBOARD
    )
    removed = await env.ok("editMessageReplyMarkup", chat_id=key, message_id=mid)
    assert "reply_markup" not in removed and removed["text"] == "answer 2"
    assert (await _last(env, env.bob.id, cid)).reply_markup is None
    # Another member's message cannot be edited by the bot.
    assert await env.error(
        "editMessageText", 400, chat_id=key, message_id=question.message.id, text="x"
    ) == ("Bad Request: message can't be edited")
    assert await env.ok("sendChatAction", chat_id=key, action="typing") is True
    copied = await env.ok("copyMessage", chat_id=key, from_chat_id=key, message_id=mid)
    forwarded = await env.ok(
        "forwardMessage", chat_id=key, from_chat_id=key, message_id=question.message.id
    )
    assert forwarded["forward_origin"]["sender_user"]["id"] == env.bob.id
    assert copied["message_id"] == forwarded["message_id"] - 1
    assert await env.ok("deleteMessage", chat_id=key, message_id=mid) is True
    assert await env.error("deleteMessage", 400, chat_id=key, message_id=mid) == (
        "Bad Request: message to delete not found"
    )
    # Deleting others' messages needs the right.
    assert await env.error("deleteMessage", 400, chat_id=key, message_id=question.message.id) == (
        "Bad Request: message can't be deleted"
    )
    assert (await _last(env, env.alice.id, cid)).id == forwarded["message_id"]


async def test_chat_and_member_lookups(env: BotEnv) -> None:
    cid = await _supergroup(env, env.bob.id, env.bot.id)
    key = channel_key(cid)
    await _channels(env).channels.update_username(env.alice.id, cid, "devs_group")
    chat = await env.ok("getChat", chat_id=key)
    assert chat["id"] == key and chat["type"] == "supergroup"
    assert chat["title"] == "Devs" and chat["username"] == "devs_group"
    assert chat["accent_color_id"] == 0
    assert await env.ok("getChatMemberCount", chat_id=key) == 3

    async def status(user_id: int) -> Any:
        return await env.ok("getChatMember", chat_id=key, user_id=user_id)

    assert (await status(env.alice.id))["status"] == "creator"
    assert (await status(env.bob.id))["status"] == "member"
    carol = await env.services.messaging.accounts.users.register("15550003", "Carol")
    assert (await status(carol.id))["status"] == "left"
    await _channels(env).channels.edit_admin(env.alice.id, cid, env.bob.id, ADMIN_EDIT_MESSAGES)
    admin = await status(env.bob.id)
    assert admin["status"] == "administrator" and admin["can_manage_chat"] is True
    assert admin["can_delete_messages"] is False and admin["can_be_edited"] is False
    await _channels(env).channels.edit_admin(env.alice.id, cid, env.bob.id, 0)
    await _channels(env).channels.edit_banned(env.alice.id, cid, env.bob.id, BANNED_VIEW_MESSAGES)
    kicked = await status(env.bob.id)
    assert kicked["status"] == "kicked" and kicked["until_date"] == 0
    assert await env.error("getChatMember", 400, chat_id=key, user_id=999_999) == (
        "Bad Request: user not found"
    )


async def test_broadcast_channel_posts(env: BotEnv) -> None:
    cid = await _broadcast(env)
    key = channel_key(cid)
    sent = await env.ok("sendMessage", chat_id=key, text="breaking news")
    assert sent["chat"] == {"id": key, "type": "channel", "title": "News"}
    assert sent["sender_chat"] == sent["chat"] and "from" not in sent
    seen = await _last(env, env.bob.id, cid)
    assert seen.text == "breaking news" and seen.post
    messaging = _channels(env).messaging
    post = await messaging.post(env.alice.id, cid, "/stats@test_bot by the admin")
    updates = await env.updates()
    # The bot was added as an admin: one my_chat_member.
    assert _kinds(updates) == ["my_chat_member", "channel_post"]
    assert updates[0]["my_chat_member"]["old_chat_member"]["status"] == "left"
    promoted = updates[0]["my_chat_member"]["new_chat_member"]
    assert promoted["status"] == "administrator" and promoted["can_post_messages"] is True
    assert promoted["can_edit_messages"] is False
    channel_post = updates[1]["channel_post"]
    assert channel_post["chat"]["type"] == "channel" and "from" not in channel_post
    assert channel_post["sender_chat"]["id"] == key
    assert channel_post["entities"][0]["type"] == "bot_command"
    await messaging.edit(env.alice.id, cid, post.message.id, "edited by the admin")
    [edited] = await env.updates()
    assert edited["edited_channel_post"]["text"] == "edited by the admin"
    # Only the kinds the bot asked for are queued (from the call that asks on).
    assert await env.updates(allowed_updates=["message"]) == []
    await messaging.post(env.alice.id, cid, "skipped")
    assert await env.updates() == []
    assert await env.updates(allowed_updates=[]) == []
    assert await env.ok("getChatMemberCount", chat_id=key) == 3
    chat = await env.ok("getChat", chat_id=key)
    assert chat["type"] == "channel"
    # A forwarded post names the channel, not the admin who posted it.
    group = await _supergroup(env, env.bot.id)
    forwarded = await env.ok(
        "forwardMessage",
        chat_id=channel_key(group),
        from_chat_id=key,
        message_id=sent["message_id"],
    )
    origin = forwarded["forward_origin"]
    assert origin["type"] == "channel" and origin["chat"]["id"] == key
    assert origin["message_id"] == sent["message_id"]
    # A public channel's @username works as a chat_id.
    await _channels(env).channels.update_username(env.alice.id, cid, "news_feed")
    by_name = await env.ok("sendMessage", chat_id="@news_feed", text="by name")
    assert by_name["chat"]["id"] == key and by_name["chat"]["username"] == "news_feed"
    copied = await env.ok(
        "copyMessage",
        chat_id="@news_feed",
        from_chat_id="@news_feed",
        message_id=by_name["message_id"],
    )
    assert copied["message_id"] == by_name["message_id"] + 1
    assert await env.error("sendMessage", 400, chat_id="@nobody_here", text="x") == (
        "Bad Request: chat not found"
    )


async def test_broadcast_channel_rules(env: BotEnv) -> None:
    cid = await _broadcast(env, bot_rights=0)
    key = channel_key(cid)
    assert await env.error("sendMessage", 400, chat_id=key, text="x") == (
        "Bad Request: need administrator rights in the channel chat"
    )
    await _channels(env).channels.leave(env.bot.id, cid)
    assert await env.error("sendMessage", 403, chat_id=key, text="x") == (
        "Forbidden: bot is not a member of the channel chat"
    )
    assert await env.error("getChat", 400, chat_id=key) == "Bad Request: chat not found"
    # Users are not added by a promotion, only bots.
    dave = await env.services.messaging.accounts.users.register("15550004", "Dave")
    with pytest.raises(RpcError) as refused:
        await _channels(env).channels.edit_admin(env.alice.id, cid, dave.id, ADMIN_POST_MESSAGES)
    assert refused.value.name == "USER_NOT_PARTICIPANT"
    group = await _supergroup(env, env.bob.id)
    # A private supergroup the bot never was in is unknown to it; a public one is not.
    assert await env.error("sendMessage", 400, chat_id=channel_key(group), text="x") == (
        "Bad Request: chat not found"
    )
    await _channels(env).channels.update_username(env.alice.id, group, "open_group")
    assert await env.error("sendMessage", 403, chat_id=channel_key(group), text="x") == (
        "Forbidden: bot is not a member of the supergroup chat"
    )
    assert await env.error("sendChatAction", 403, chat_id=channel_key(group), action="typing")
    assert (await env.ok("getChat", chat_id=channel_key(group)))["username"] == "open_group"
    assert await env.error("sendMessage", 400, chat_id=channel_key(9999), text="x") == (
        "Bad Request: chat not found"
    )


async def test_role_changes_are_my_chat_member_updates(env: BotEnv) -> None:
    cid = await _supergroup(env, env.bot.id)
    await env.updates()
    services = _channels(env).channels
    await services.edit_admin(env.alice.id, cid, env.bot.id, ADMIN_EDIT_MESSAGES)
    [promoted] = await env.updates()
    change = promoted["my_chat_member"]
    assert change["old_chat_member"]["status"] == "member"
    assert change["new_chat_member"]["status"] == "administrator"
    assert change["new_chat_member"]["can_pin_messages"] is False
    await services.edit_admin(env.alice.id, cid, env.bot.id, 0)
    [demoted] = await env.updates()
    assert demoted["my_chat_member"]["old_chat_member"]["status"] == "administrator"
    assert demoted["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert await env.updates() == []


async def test_removal_is_a_my_chat_member_update(env: BotEnv) -> None:
    cid = await _supergroup(env, env.bot.id)
    await env.updates()
    await _channels(env).channels.edit_banned(env.alice.id, cid, env.bot.id, BANNED_VIEW_MESSAGES)
    await _channels(env).messaging.post(env.alice.id, cid, "after the ban")
    updates = await env.updates()
    assert _kinds(updates) == ["my_chat_member"]
    change = updates[0]["my_chat_member"]
    assert change["old_chat_member"]["status"] == "member"
    assert change["new_chat_member"]["status"] == "kicked"
    assert change["from"]["id"] == env.alice.id


async def test_a_button_pressed_in_a_channel(env: BotEnv) -> None:
    cid = await _broadcast(env)
    key = channel_key(cid)
    sent = await env.ok("sendMessage", chat_id=key, text="poll", reply_markup=KEYBOARD)
    await env.updates()
    access = _channels(env).access
    peer = types.InputPeerChannel(channel_id=cid, access_hash=access.hash_for(env.bob.id, cid))
    request = functions.messages.GetBotCallbackAnswer(
        peer=peer, msg_id=sent["message_id"], data=b"vote"
    )
    query, answer = await env.press(env.bob, request, "Counted")
    assert query["from"]["id"] == env.bob.id and query["data"] == "vote"
    assert query["message"]["chat"]["id"] == key
    assert query["message"]["message_id"] == sent["message_id"]
    assert answer.message == "Counted"
    ctx = env.context_of(env.bob)
    handlers = BotHandlers(env.services)
    wrong_hash = types.InputPeerChannel(channel_id=cid, access_hash=1)
    for bad_peer, msg_id, data, name in (
        (peer, sent["message_id"], b"x", "DATA_INVALID"),
        (wrong_hash, sent["message_id"], b"vote", "PEER_ID_INVALID"),
        (peer, 999, b"vote", "MESSAGE_ID_INVALID"),
    ):
        bad = functions.messages.GetBotCallbackAnswer(peer=bad_peer, msg_id=msg_id, data=data)
        with pytest.raises(RpcError) as refused:
            await handlers.get_bot_callback_answer(ctx, bad)
        assert refused.value.name == name


async def test_long_poll_wakes_on_a_channel_post(env: BotEnv) -> None:
    cid = await _supergroup(env, env.bot.id)
    await env.updates()
    # The bot's MTProto session ending (the gateway's "last key gone" hook) does not take it
    # out of its channels' online index: its Bot API updates go on.
    feed = env.services.channel_feed
    assert feed is not None
    feed.user_offline(env.bot.id)
    assert _channels(env).online.is_online(env.bot.id)
    await _channels(env).online.user_online(env.alice.id)
    feed.user_offline(env.alice.id)  # users are passed on
    assert not _channels(env).online.is_online(env.alice.id)
    found: list[Any] = []

    async def poll() -> None:
        found.extend(await env.ok("getUpdates", timeout=20))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.sleep(0.3)
        await _channels(env).messaging.post(env.alice.id, cid, "wake up")
    assert [u["message"]["text"] for u in found] == ["wake up"]


async def test_media_in_supergroups_and_channels(env: BotEnv) -> None:
    cid = await _supergroup(env, env.bob.id, env.bot.id)
    key = channel_key(cid)
    await env.updates()
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (9, 8, 7)).save(image, format="PNG")
    response = await env.http.post(
        env.url("sendPhoto"),
        data={"chat_id": str(key), "caption": "<i>chart</i>", "parse_mode": "HTML"},
        files={"photo": ("chart.png", image.getvalue(), "image/png")},
    )
    body = response.json()
    assert response.status_code == 200, body
    sent = body["result"]
    assert sent["chat"]["id"] == key and sent["caption"] == "chart"
    assert sent["photo"][-1]["width"] == 64
    seen = await _last(env, env.bob.id, cid)
    assert isinstance(render_media(seen.media, env.bob.id), types.MessageMediaPhoto)
    # A member's document reaches the bot, and the bot can fetch it.
    again = await env.ok("sendPhoto", chat_id=key, photo=sent["photo"][-1]["file_id"])
    assert again["photo"][-1]["file_unique_id"] == sent["photo"][-1]["file_unique_id"]
    await _channels(env).messaging.post(env.bob.id, cid, "see above", media=seen.media)
    [update] = await env.updates()
    photo = update["message"]["photo"]
    assert update["message"]["caption"] == "see above"
    got = await env.ok("getFile", file_id=photo[-1]["file_id"])
    download = await env.http.get(f"{env.base}/file/bot{env.bot.token}/{got['file_path']}")
    assert download.status_code == 200
    assert Image.open(io.BytesIO(download.content)).size == (64, 48)
