"""getUpdates (long polling, offsets, conflicts, allowed_updates), durability of the queue,
and webhooks (secret header, retries, getWebhookInfo)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import trio

from tests.tgserver.botapi.conftest import BotEnv
from tgserver.app import open_server
from tgserver.botapi import HttpRequest, HttpResponse, serve_http
from tgserver.config import ServerConfig
from tgserver.services.bots import BotLimits
from tgserver.store.bots import BotUpdateKind, NewBotUpdate
from tgserver.store.messages import NewMessage, SqliteMessageStore


async def test_messages_become_updates_with_commands(env: BotEnv) -> None:
    await env.user_says(env.alice, "/start now")
    await env.user_says(env.alice, "😀 plain")
    updates = await env.ok("getUpdates")
    assert [u["update_id"] for u in updates] == [
        updates[0]["update_id"],
        updates[0]["update_id"] + 1,
    ]
    first = updates[0]["message"]
    assert first["text"] == "/start now" and first["from"]["id"] == env.alice.id
    assert first["from"]["is_bot"] is False and first["chat"]["type"] == "private"
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert "entities" not in updates[1]["message"]
    # Unconfirmed updates come again; an offset confirms the ones below it.
    assert await env.ok("getUpdates") == updates
    rest = await env.ok("getUpdates", offset=updates[1]["update_id"])
    assert rest == updates[1:]
    assert await env.ok("getUpdates", offset=updates[1]["update_id"] + 1) == []


async def test_limit_and_negative_offset(env: BotEnv) -> None:
    for i in range(5):
        await env.user_says(env.alice, f"m{i}")
    two = await env.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in two] == ["m0", "m1"]
    last = await env.ok("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in last] == ["m4"]


async def test_the_bots_own_messages_are_not_updates(env: BotEnv) -> None:
    await env.user_says(env.alice, "hi")
    await env.updates()
    await env.ok("sendMessage", chat_id=env.alice.id, text="mine")
    assert await env.ok("getUpdates") == []


async def test_many_own_messages_between_a_users_messages(env: BotEnv) -> None:
    # More own messages than one feed batch reads: the feeder skips them (they are no
    # updates) without losing the user's messages around them.
    env.services.bots.set_limits(BotLimits(per_bot=10**9, per_chat=10**9))
    await env.user_says(env.alice, "first")
    assert [u["message"]["text"] for u in await env.updates()] == ["first"]
    for round_ in range(2):
        for i in range(130):
            await env.ok("sendMessage", chat_id=env.alice.id, text=f"mine {round_}.{i}")
            if i == 60:
                await env.user_says(env.alice, f"between {round_}")
        await env.user_says(env.alice, f"after {round_}")
        texts = [u["message"]["text"] for u in await env.updates()]
        assert texts == [f"between {round_}", f"after {round_}"]
    # The feeder's own record of what holds nothing is memory only: a fresh feed of the
    # durable cursor finds nothing new either.
    assert await env.services.updates.feed(env.bot.id) == 0
    assert await env.ok("getUpdates") == []


async def test_own_messages_are_skipped_after_a_restart(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "data", port=0)
    async with open_server(config) as info:
        assert info.bots is not None
        info.bots.bots.set_limits(BotLimits(per_bot=10**9, per_chat=10**9))
        bot = await info.bots.bots.create_bot("restart_bot")
        user = await info.bots.messaging.accounts.users.register("15550010", "Dan")
        await info.bots.messaging.messages.send(user.id, bot.id, "hello")
        assert await info.bots.updates.feed(bot.id) == 1
        for i in range(70):
            await info.bots.bots.send(bot.id, user.id, f"mine {i}")
    async with open_server(config) as info, httpx.AsyncClient() as http:
        assert info.bots is not None
        await info.bots.messaging.messages.send(user.id, bot.id, "after the restart")
        response = await http.post(f"{info.bot_api_url}/bot{bot.token}/getUpdates")
        texts = [u["message"]["text"] for u in response.json()["result"]]
        assert texts == ["hello", "after the restart"]


async def test_long_poll_wakes_up_on_a_message(env: BotEnv) -> None:
    result: list[object] = []

    async def poll() -> None:
        result.extend(await env.ok("getUpdates", timeout=20))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.sleep(0.3)
        await env.user_says(env.bob, "wake up")
    [update] = result
    assert isinstance(update, dict) and update["message"]["text"] == "wake up"


async def test_a_second_poll_ends_the_first_with_a_conflict(env: BotEnv) -> None:
    first: list[httpx.Response] = []

    async def poll() -> None:
        first.append(await env.call("getUpdates", timeout=20))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.sleep(0.3)
        assert await env.ok("getUpdates", timeout=0) == []
    body = first[0].json()
    assert first[0].status_code == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running"
    )


async def test_edited_messages_and_allowed_updates(env: BotEnv) -> None:
    sent = await env.services.messaging.messages.send(env.alice.id, env.bot.id, "typo")
    await env.services.messaging.messages.edit(env.alice.id, env.bot.id, sent.message.id, "fixed")
    updates = await env.updates()
    assert [next(k for k in u if k != "update_id") for u in updates] == [
        "message",
        "edited_message",
    ]
    assert (
        updates[1]["edited_message"]["text"] == "fixed"
        and "edit_date" in updates[1]["edited_message"]
    )
    # Only callback queries wanted from now on: messages are not queued.
    assert await env.ok("getUpdates", allowed_updates=["callback_query"]) == []
    await env.user_says(env.alice, "ignored")
    assert await env.ok("getUpdates") == []
    assert await env.ok("getUpdates", allowed_updates=[]) == []
    await env.user_says(env.alice, "seen")
    [update] = await env.ok("getUpdates")
    assert update["message"]["text"] == "seen"


async def test_updates_of_deleted_messages_are_skipped(env: BotEnv) -> None:
    gone = await env.services.messaging.messages.send(env.alice.id, env.bot.id, "oops")
    await env.user_says(env.alice, "kept")
    await env.services.updates.feed(env.bot.id)
    await env.services.messaging.messages.delete(env.alice.id, [gone.message.id], revoke=True)
    updates = await env.ok("getUpdates")
    assert [u["message"]["text"] for u in updates] == ["kept"]
    assert await env.services.updates.pending_count(env.bot.id) == 1


async def test_bad_parameters(env: BotEnv) -> None:
    assert (
        await env.error("getUpdates", 400, offset="x")
        == 'Bad Request: field "offset" must be of type Integer'
    )
    assert await env.error("getUpdates", 400, allowed_updates="[") == (
        "Bad Request: can't parse allowed_updates JSON object"
    )
    response = await env.http.post(
        env.url("getUpdates"), content=b"[1]", headers={"content-type": "application/json"}
    )
    assert (
        response.status_code == 400
        and response.json()["description"] == "Bad Request: JSON object expected"
    )


async def test_the_queue_survives_a_restart_and_catches_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = ServerConfig(data_dir=data, port=0)
    async with open_server(config) as info:
        assert info.bots is not None
        bot = await info.bots.bots.create_bot("durable_bot")
        user = await info.bots.messaging.accounts.users.register("15550009", "Carol")
        await info.bots.messaging.messages.send(user.id, bot.id, "before the restart")
    # A message committed while no server runs (as if it crashed right after the commit).
    async with await SqliteMessageStore.open(data / "messages") as store:
        await store.send_message(
            NewMessage(sender_id=user.id, peer_id=bot.id, date=1, text="while down")
        )
    async with open_server(config) as info, httpx.AsyncClient() as http:
        response = await http.post(f"{info.bot_api_url}/bot{bot.token}/getUpdates")
        texts = [u["message"]["text"] for u in response.json()["result"]]
        assert texts == ["before the restart", "while down"]


async def _receiver(
    nursery: trio.Nursery, statuses: list[int]
) -> tuple[str, trio.MemoryReceiveChannel[HttpRequest]]:
    """A webhook endpoint answering ``statuses`` in turn (200 once they run out); the
    requests it got come out of the channel."""
    send, receive = trio.open_memory_channel[HttpRequest](100)

    async def handler(request: HttpRequest) -> HttpResponse:
        send.send_nowait(request)
        status = statuses.pop(0) if statuses else 200
        return HttpResponse.json(status, {})

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    await nursery.start(serve_http, listeners, handler)
    port = listeners[0].socket.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook", receive


async def _eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait (bounded) until ``check()`` holds: state behind HTTP has no event to wait on."""
    with trio.fail_after(10):
        while not await check():  # noqa: ASYNC110 - polls the server over HTTP
            await trio.sleep(0.05)


async def _no_pending(env: BotEnv) -> bool:
    return await env.services.updates.pending_count(env.bot.id) == 0


async def test_webhook_delivery_with_secret_and_retries(env: BotEnv) -> None:
    async with trio.open_nursery() as nursery:
        url, deliveries = await _receiver(nursery, [500])
        await env.user_says(env.alice, "queued before the webhook")
        assert await env.ok("setWebhook", url=url, secret_token="s3cr3t_-X") is True
        assert await env.error("getUpdates", 409) == (
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first"
        )
        with trio.fail_after(20):
            first = await deliveries.receive()
            second = await deliveries.receive()
        assert first.body == second.body  # the failed delivery is retried
        assert first.header("content-type") == "application/json"
        assert first.header("x-telegram-bot-api-secret-token") == "s3cr3t_-X"
        update = json.loads(second.body)
        assert update["message"]["text"] == "queued before the webhook"
        info = await env.ok("getWebhookInfo")
        assert info["url"] == url and info["has_custom_certificate"] is False
        assert info["last_error_message"] == "Wrong response from the webhook: 500"
        await _eventually(lambda: _no_pending(env))
        await env.user_says(env.bob, "live")
        with trio.fail_after(10):
            third = await deliveries.receive()
        assert json.loads(third.body)["message"]["text"] == "live"
        assert (await env.ok("getWebhookInfo"))["pending_update_count"] == 0
        assert await env.ok("deleteWebhook") is True
        nursery.cancel_scope.cancel()
    info = await env.ok("getWebhookInfo")
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    await env.user_says(env.alice, "polled again")
    [update] = await env.ok("getUpdates")
    assert update["message"]["text"] == "polled again"


async def test_a_webhook_ends_a_waiting_poll_and_drop_pending(env: BotEnv) -> None:
    polled: list[httpx.Response] = []

    async def poll() -> None:
        polled.append(await env.call("getUpdates", timeout=20))

    await env.user_says(env.alice, "to be dropped")
    await env.services.updates.feed(env.bot.id)
    async with trio.open_nursery() as nursery:
        await env.updates()
        nursery.start_soon(poll)
        await trio.sleep(0.3)
        # An unreachable webhook: deliveries fail, updates stay queued.
        assert await env.ok("setWebhook", url="http://127.0.0.1:9/none") is True
    assert polled[0].status_code == 409
    await env.user_says(env.alice, "pending")

    async def one_pending() -> bool:
        return bool((await env.ok("getWebhookInfo"))["pending_update_count"] == 1)

    await _eventually(one_pending)
    assert await env.ok("deleteWebhook", drop_pending_updates=True) is True
    assert await env.ok("getUpdates") == []
    assert await env.error("setWebhook", 400, url="ftp://x") == (
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    assert await env.error("setWebhook", 400, url="http://x", secret_token="no spaces") == (
        "Bad Request: secret token contains unallowed characters"
    )


async def test_a_damaged_update_does_not_poison_the_batch(env: BotEnv) -> None:
    await env.user_says(env.alice, "before")
    await env.services.updates.feed(env.bot.id)
    damaged = NewBotUpdate(BotUpdateKind.CALLBACK_QUERY, date=1, payload=b"not json")
    assert await env.services.bots.store.enqueue(env.bot.id, damaged) is not None
    await env.user_says(env.alice, "after")
    updates = await env.ok("getUpdates")
    assert [u["message"]["text"] for u in updates] == ["before", "after"]
    assert updates[1]["update_id"] == updates[0]["update_id"] + 2
    assert await env.services.updates.pending_count(env.bot.id) == 2


async def test_a_webhook_may_answer_with_a_method(env: BotEnv) -> None:
    async def handler(request: HttpRequest) -> HttpResponse:
        update = json.loads(request.body)
        chat = update["message"]["chat"]["id"]
        return HttpResponse.json(
            200, {"method": "sendMessage", "chat_id": chat, "text": "answered"}
        )

    async with trio.open_nursery() as nursery:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        await nursery.start(serve_http, listeners, handler)
        port = listeners[0].socket.getsockname()[1]
        assert await env.ok("setWebhook", url=f"http://127.0.0.1:{port}/") is True
        await env.user_says(env.alice, "question")

        async def answered() -> bool:
            return bool((await env.last_seen_by(env.alice)).text == "answered")

        await _eventually(answered)
        nursery.cancel_scope.cancel()
