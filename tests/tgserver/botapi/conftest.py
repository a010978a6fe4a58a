"""A real server (open_server on free ports) with one bot and two users, and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import trio

from tgcore.tl import functions, types
from tgserver.app import ServerInfo, open_server
from tgserver.config import ServerConfig
from tgserver.rpc.context import RequestContext
from tgserver.rpc.handlers import BotHandlers
from tgserver.services import BotServices
from tgserver.store.accounts import UserRecord
from tgserver.store.bots import BotRecord


@attrs.define
class BotEnv:
    """The server, its bot, two users who talk to it, and a client for the Bot API."""

    info: ServerInfo
    services: BotServices
    bot: BotRecord
    alice: UserRecord
    bob: UserRecord
    http: httpx.AsyncClient

    @property
    def base(self) -> str:
        url = self.info.bot_api_url
        assert url is not None
        return url

    def url(self, method: str, token: str | None = None) -> str:
        return f"{self.base}/bot{token or self.bot.token}/{method}"

    async def call(self, method: str, **params: Any) -> httpx.Response:
        """POST ``params`` as JSON."""
        return await self.http.post(self.url(method), json=params)

    async def ok(self, method: str, **params: Any) -> Any:
        """The result of a call that must succeed."""
        response = await self.call(method, **params)
        body = response.json()
        assert response.status_code == 200 and body["ok"] is True, body
        return body["result"]

    async def error(self, method: str, code: int, **params: Any) -> str:
        """The description of a call that must fail with ``code``."""
        response = await self.call(method, **params)
        body = response.json()
        assert response.status_code == code, body
        assert body["ok"] is False and body["error_code"] == code
        return str(body["description"])

    async def user_says(self, user: UserRecord, text: str) -> None:
        """``user`` writes to the bot (as an MTProto client would)."""
        await self.services.messaging.messages.send(user.id, self.bot.id, text)

    async def updates(self, **params: Any) -> list[dict[str, Any]]:
        """getUpdates, confirming everything returned."""
        found: list[dict[str, Any]] = await self.ok("getUpdates", **params)
        if found:
            await self.ok("getUpdates", offset=found[-1]["update_id"] + 1)
        return found

    def context_of(self, user: UserRecord) -> RequestContext:
        """An MTProto request context of ``user``."""
        return RequestContext(auth_key_id=1, session_id=1, msg_id=1, layer=229, user_id=user.id)

    async def press(
        self, user: UserRecord, request: functions.messages.GetBotCallbackAnswer, answer: str
    ) -> tuple[dict[str, Any], types.messages.BotCallbackAnswer]:
        """``user`` presses a button (messages.getBotCallbackAnswer) while the bot answers
        the callback_query it polls with ``answer``; the query and the user's answer."""
        answers: list[types.messages.BotCallbackAnswer] = []

        async def press() -> None:
            handlers = BotHandlers(self.services)
            answers.append(await handlers.get_bot_callback_answer(self.context_of(user), request))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(press)
            [update] = await self.ok("getUpdates", timeout=10)
            query: dict[str, Any] = update["callback_query"]
            await self.ok("answerCallbackQuery", callback_query_id=query["id"], text=answer)
        return query, answers[0]

    async def last_seen_by(self, user: UserRecord) -> Any:
        """The newest message in ``user``'s chat with the bot."""
        page = await self.services.messaging.messages.history(user.id, self.bot.id, limit=1)
        return page.messages[0]


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    async with open_server(ServerConfig(data_dir=tmp_path / "data", port=0)) as info:
        services = info.bots
        assert services is not None and info.bot_api_port
        bot = await services.bots.create_bot("test_bot", "Tester")
        users = services.messaging.accounts.users
        alice = await users.register("15550001", "Alice", "Smith")
        bob = await users.register("15550002", "Bob")
        async with httpx.AsyncClient(timeout=30) as http:
            yield BotEnv(info, services, bot, alice, bob, http)
