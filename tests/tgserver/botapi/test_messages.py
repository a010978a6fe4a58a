"""sendMessage and friends: formatting, keyboards, replies, edits, deletions, forwards, copies,
chat actions, the errors of each, and rate limits."""

from __future__ import annotations

from pathlib import Path

from tests.tgserver.botapi.conftest import BotEnv
from tgcore.tl import types
from tgserver.app import open_server
from tgserver.config import ServerConfig
from tgserver.rpc.handlers import decode_object, decode_objects
from tgserver.services import BotLimits

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Yes", "callback_data": "y"}, {"text": "Site", "url": "https://example.org"}]
    ]
}


async def test_send_plain_text_reaches_the_user(env: BotEnv) -> None:
    await env.user_says(env.alice, "/start")
    sent = await env.ok("sendMessage", chat_id=env.alice.id, text="Hello, Alice")
    assert sent["text"] == "Hello, Alice" and sent["chat"]["id"] == env.alice.id
    assert sent["from"]["id"] == env.bot.id and sent["from"]["is_bot"] is True
    assert isinstance(sent["message_id"], int) and isinstance(sent["date"], int)
    seen = await env.last_seen_by(env.alice)
    assert seen.text == "Hello, Alice" and seen.from_id == env.bot.id and not seen.out


async def test_html_becomes_entities_with_utf16_offsets(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await env.ok(
        "sendMessage",
        chat_id=env.alice.id,
        text='😀 <b>bold</b> <a href="https://t.me">link</a> &lt;x&gt;',
        parse_mode="HTML",
    )
    assert sent["text"] == "😀 bold link <x>"
    assert sent["entities"] == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://t.me"},
    ]
    stored = decode_objects((await env.last_seen_by(env.alice)).entities)
    assert isinstance(stored[0], types.MessageEntityBold) and stored[0].offset == 3


async def test_markdown_v2_and_legacy_markdown(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await env.ok(
        "sendMessage", chat_id=env.alice.id, text="*b* _i_ ~s~ `c` \\.", parse_mode="MarkdownV2"
    )
    assert sent["text"] == "b i s c ."
    assert [e["type"] for e in sent["entities"]] == ["bold", "italic", "strikethrough", "code"]
    sent = await env.ok(
        "sendMessage", chat_id=env.alice.id, text="*b* [x](http://a.b)", parse_mode="Markdown"
    )
    assert sent["text"] == "b x"
    assert sent["entities"][1] == {
        "type": "text_link",
        "offset": 2,
        "length": 1,
        "url": "http://a.b",
    }


async def test_explicit_entities(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await env.ok(
        "sendMessage",
        chat_id=env.alice.id,
        text="abc",
        entities=[{"type": "italic", "offset": 1, "length": 2}],
    )
    assert sent["entities"] == [{"type": "italic", "offset": 1, "length": 2}]


async def test_inline_keyboard_is_stored_for_the_user(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await env.ok("sendMessage", chat_id=env.alice.id, text="Choose", reply_markup=KEYBOARD)
    assert sent["reply_markup"] == KEYBOARD
    markup = decode_object((await env.last_seen_by(env.alice)).reply_markup)
    assert isinstance(markup, types.ReplyInlineMarkup)
    first = markup.rows[0].buttons[0]
    assert isinstance(first.type, types.InlineButtonTypeCallback) and first.type.data == b"y"


async def test_reply_keyboard_and_its_removal_as_form_fields(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    form = {
        "chat_id": str(env.alice.id),
        "text": "Pick",
        "reply_markup": (
            '{"keyboard": [["A", {"text": "Phone", "request_contact": true}]],'
            ' "resize_keyboard": true}'
        ),
    }
    response = await env.http.post(env.url("sendMessage"), data=form)
    assert response.status_code == 200, response.text
    assert "reply_markup" not in response.json()["result"]  # Messages show inline keyboards only
    markup = decode_object((await env.last_seen_by(env.alice)).reply_markup)
    assert isinstance(markup, types.ReplyKeyboardMarkup) and markup.resize
    assert isinstance(markup.rows[0].buttons[1].type, types.ButtonTypeRequestPhone)
    await env.ok(
        "sendMessage", chat_id=env.alice.id, text="gone", reply_markup={"remove_keyboard": True}
    )
    assert isinstance(
        decode_object((await env.last_seen_by(env.alice)).reply_markup), types.ReplyKeyboardHide
    )


async def test_replies(env: BotEnv) -> None:
    await env.user_says(env.alice, "question")
    [update] = await env.updates()
    asked = update["message"]["message_id"]
    sent = await env.ok(
        "sendMessage", chat_id=env.alice.id, text="answer", reply_parameters={"message_id": asked}
    )
    assert sent["reply_to_message"]["text"] == "question"
    sent = await env.ok(
        "sendMessage", chat_id=env.alice.id, text="again", reply_to_message_id=asked
    )
    assert sent["reply_to_message"]["message_id"] == asked
    assert (
        await env.error("sendMessage", 400, chat_id=env.alice.id, text="x", reply_to_message_id=999)
        == "Bad Request: message to be replied not found"
    )
    sent = await env.ok(
        "sendMessage",
        chat_id=env.alice.id,
        text="anyway",
        reply_parameters={"message_id": 999, "allow_sending_without_reply": True},
    )
    assert "reply_to_message" not in sent


async def test_send_errors(env: BotEnv) -> None:
    alice = env.alice.id
    assert await env.error("sendMessage", 403, chat_id=alice, text="hi") == (
        "Forbidden: bot can't initiate conversation with a user"
    )
    await env.user_says(env.alice, "hi")
    assert (
        await env.error("sendMessage", 400, chat_id=alice) == "Bad Request: message text is empty"
    )
    assert (
        await env.error("sendMessage", 400, chat_id=alice, text="  ")
        == "Bad Request: message text is empty"
    )
    assert await env.error("sendMessage", 400, text="x") == "Bad Request: chat_id is empty"
    assert (
        await env.error("sendMessage", 400, chat_id=42, text="x") == "Bad Request: chat not found"
    )
    assert (
        await env.error("sendMessage", 400, chat_id="abc", text="x")
        == "Bad Request: chat not found"
    )
    assert await env.error("sendMessage", 400, chat_id=alice, text="x" * 4097) == (
        "Bad Request: message is too long"
    )
    description = await env.error("sendMessage", 400, chat_id=alice, text="<b>x", parse_mode="HTML")
    assert description == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    description = await env.error(
        "sendMessage", 400, chat_id=alice, text="a.b", parse_mode="MarkdownV2"
    )
    assert description.startswith("Bad Request: can't parse entities: Character '.' is reserved")
    description = await env.error("sendMessage", 400, chat_id=alice, text="x", reply_markup="{oops")
    assert description == "Bad Request: can't parse reply keyboard markup JSON object"
    description = await env.error(
        "sendMessage",
        400,
        chat_id=alice,
        text="x",
        reply_markup={"inline_keyboard": [[{"text": "t"}]]},
    )
    assert description.startswith("Bad Request: can't parse inline keyboard button")
    other = await env.services.bots.create_bot("other_bot")
    assert await env.error("sendMessage", 403, chat_id=other.id, text="x") == (
        "Forbidden: bot can't send messages to bots"
    )


async def test_a_user_who_blocked_the_bot(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    await env.services.messaging.accounts.contacts.block(env.alice.id, env.bot.id)
    assert await env.error("sendMessage", 403, chat_id=env.alice.id, text="x") == (
        "Forbidden: bot was blocked by the user"
    )


async def test_edit_text_and_markup(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await env.ok("sendMessage", chat_id=env.alice.id, text="v1", reply_markup=KEYBOARD)
    mid = sent["message_id"]
    edited = await env.ok(
        "editMessageText", chat_id=env.alice.id, message_id=mid, text="<i>v2</i>", parse_mode="HTML"
    )
    assert edited["text"] == "v2" and edited["edit_date"] >= sent["date"]
    assert "reply_markup" not in edited  # an edit without a markup removes the keyboard
    seen = await env.last_seen_by(env.alice)
    assert seen.text == "v2" and seen.edit_date is not None and seen.reply_markup is None
    assert await env.error(
        "editMessageText",
        400,
        chat_id=env.alice.id,
        message_id=mid,
        text="<i>v2</i>",
        parse_mode="HTML",
    ) == (
        "Bad Request: message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message"
    )
    with_markup = await env.ok(
        "editMessageReplyMarkup", chat_id=env.alice.id, message_id=mid, reply_markup=KEYBOARD
    )
    assert with_markup["reply_markup"] == KEYBOARD and with_markup["text"] == "v2"
    assert (await env.last_seen_by(env.alice)).reply_markup is not None
    assert await env.error(
        "editMessageText", 400, chat_id=env.alice.id, message_id=999, text="x"
    ) == ("Bad Request: message to edit not found")
    [update] = await env.updates()
    incoming = update["message"]["message_id"]
    assert await env.error(
        "editMessageText", 400, chat_id=env.alice.id, message_id=incoming, text="x"
    ) == ("Bad Request: message can't be edited")
    assert await env.error(
        "editMessageText", 400, chat_id=env.alice.id, message_id="x", text="x"
    ) == ('Bad Request: field "message_id" must be of type Integer')


async def test_delete(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    sent = await env.ok("sendMessage", chat_id=env.alice.id, text="bye")
    assert (
        await env.ok("deleteMessage", chat_id=env.alice.id, message_id=sent["message_id"]) is True
    )
    assert (await env.last_seen_by(env.alice)).text == "hi"
    assert await env.error(
        "deleteMessage", 400, chat_id=env.alice.id, message_id=sent["message_id"]
    ) == ("Bad Request: message to delete not found")


async def test_forward_and_copy(env: BotEnv) -> None:
    await env.user_says(env.alice, "forward me")
    await env.user_says(env.bob, "hello")
    [from_alice, _] = await env.updates()
    mid = from_alice["message"]["message_id"]
    forwarded = await env.ok(
        "forwardMessage", chat_id=env.bob.id, from_chat_id=env.alice.id, message_id=mid
    )
    assert forwarded["text"] == "forward me"
    assert forwarded["forward_origin"]["type"] == "user"
    assert forwarded["forward_origin"]["sender_user"]["id"] == env.alice.id
    seen = await env.last_seen_by(env.bob)
    header = decode_object(seen.fwd_from)
    assert isinstance(header, types.MessageFwdHeader) and header.from_id == types.PeerUser(
        user_id=env.alice.id
    )
    copied = await env.ok(
        "copyMessage", chat_id=env.bob.id, from_chat_id=env.alice.id, message_id=mid
    )
    seen = await env.last_seen_by(env.bob)
    assert copied == {"message_id": seen.id and copied["message_id"]}
    assert seen.text == "forward me" and seen.fwd_from is None
    assert await env.error(
        "forwardMessage", 400, chat_id=env.bob.id, from_chat_id=env.bob.id, message_id=mid
    ) == ("Bad Request: message to forward not found")
    assert await env.error(
        "copyMessage", 400, chat_id=env.bob.id, from_chat_id=env.alice.id, message_id=999
    ) == ("Bad Request: message to copy not found")


async def test_chat_action(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    assert await env.ok("sendChatAction", chat_id=env.alice.id, action="typing") is True
    assert await env.ok("sendChatAction", chat_id=env.alice.id, action="upload_document") is True
    assert await env.error("sendChatAction", 400, chat_id=env.alice.id, action="dancing") == (
        "Bad Request: wrong parameter action in request"
    )


async def test_too_many_requests(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    env.services.bots.set_limits(BotLimits(per_chat=2, chat_period=600))
    for i in range(2):
        await env.ok("sendMessage", chat_id=env.alice.id, text=f"m{i}")
    response = await env.call("sendMessage", chat_id=env.alice.id, text="one too many")
    body = response.json()
    assert response.status_code == 429 and body["error_code"] == 429
    retry = body["parameters"]["retry_after"]
    assert body["description"] == f"Too Many Requests: retry after {retry}"
    assert 0 < retry <= 600 and response.headers["retry-after"] == str(retry)


async def test_rate_limits_can_be_turned_off(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, port=0, bot_rate_limits=False)
    async with open_server(config) as info:
        assert info.bots is not None
        assert info.bots.bots.limits == BotLimits.off()
        bot = await info.bots.bots.create_bot("fast_bot")
        user = await info.bots.messaging.accounts.users.register("15550005", "Dan")
        await info.bots.messaging.messages.send(user.id, bot.id, "go")
        for i in range(40):  # over both default limits
            await info.bots.bots.send(bot.id, user.id, f"m{i}")
