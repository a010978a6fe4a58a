"""Webhook delivery: each bot with a webhook has a task that POSTs its queued updates.

Updates are delivered in order, one at a time, each as ``application/json`` with the
``X-Telegram-Bot-Api-Secret-Token`` header when a secret is set. An update leaves the queue
only when the webhook answered 2xx; a failure is recorded (getWebhookInfo's last_error_*)
and retried with exponential backoff, so nothing is lost while the receiver is down.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import trio

from tgserver.botapi.client import WebhookHttpError, WebhookResponse, post
from tgserver.botapi.render import Renderer
from tgserver.services.bots_bundle import BotServices

__all__ = ["MAX_BACKOFF", "WebhookDelivery"]

log = logging.getLogger(__name__)

#: Longest wait between two attempts, in seconds.
MAX_BACKOFF: Final = 60.0
_IDLE_RECHECK = 30.0


class WebhookDelivery:
    """Runs one delivery task per bot with a webhook.

    Args:
        services: The bot services.
        renderer: Update JSON.
        first_backoff: Seconds before the first retry (doubling up to :data:`MAX_BACKOFF`).
        timeout: Seconds one delivery may take.
        on_reply: Runs a method a webhook answered with (``(bot_id, {"method": ...})``).
    """

    def __init__(
        self,
        services: BotServices,
        renderer: Renderer,
        *,
        first_backoff: float = 1.0,
        timeout: float = 30.0,
        on_reply: Callable[[int, dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self._on_reply = on_reply
        self._services = services
        self._renderer = renderer
        self._first_backoff = first_backoff
        self._timeout = timeout
        self._scopes: dict[int, trio.CancelScope] = {}
        self._nursery: trio.Nursery | None = None
        #: Updates delivered so far (tests, metrics).
        self.delivered = 0

    async def _reply(self, bot_id: int, response: WebhookResponse) -> None:
        # Telegram runs a method the webhook answered with ({"method": ..., params}); its
        # outcome goes nowhere, so a failure is only logged.
        if self._on_reply is None or not response.content_type.startswith("application/json"):
            return
        try:
            value = json.loads(response.body)
        except ValueError:
            return
        if isinstance(value, dict) and isinstance(value.get("method"), str):
            try:
                await self._on_reply(bot_id, value)
            except Exception:
                log.info("the method a webhook of bot %d answered with failed", bot_id)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Deliver for every bot with a webhook, until cancelled."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            for bot in await self._services.bots.store.list_bots():
                if bot.webhook is not None:
                    self.start(bot.id)
            task_status.started()
            await trio.sleep_forever()

    def start(self, bot_id: int) -> None:
        """(Re)start the delivery task of ``bot_id`` (after setWebhook)."""
        self.stop(bot_id)
        if self._nursery is None:
            return
        scope = trio.CancelScope()
        self._scopes[bot_id] = scope
        self._nursery.start_soon(self._deliver_loop, bot_id, scope)

    def stop(self, bot_id: int) -> None:
        """Stop delivering for ``bot_id`` (after deleteWebhook)."""
        scope = self._scopes.pop(bot_id, None)
        if scope is not None:
            scope.cancel()

    async def _deliver_loop(self, bot_id: int, scope: trio.CancelScope) -> None:
        with scope:
            try:
                await self._deliver(bot_id)
            except Exception:
                log.exception("the webhook delivery of bot %d failed", bot_id)
            finally:
                if self._scopes.get(bot_id) is scope:
                    del self._scopes[bot_id]

    async def _deliver(self, bot_id: int) -> None:
        services = self._services
        store = services.bots.store
        backoff = self._first_backoff
        services.updates.track(bot_id)
        while True:
            bot = await store.get_bot(bot_id)
            if bot is None or bot.webhook is None:
                return
            webhook = bot.webhook
            arrived = services.updates.arrival(bot_id)
            pending = await store.pending(bot_id, 0, 1)
            if not pending:
                with trio.move_on_after(_IDLE_RECHECK):
                    await arrived.wait()
                continue
            item = pending[0]
            update = await self._renderer.update(bot_id, item)
            if update is None:
                await services.updates.confirm(bot_id, item.update_id)
                continue
            headers = [("content-type", "application/json")]
            if webhook.secret_token:
                headers.append(("x-telegram-bot-api-secret-token", webhook.secret_token))
            body = json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()
            error = ""
            try:
                response = await post(
                    webhook.url,
                    body,
                    headers,
                    deadline=self._timeout,
                    connect_to=webhook.ip_address,
                )
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status}"
            except WebhookHttpError as exc:
                error = str(exc)
            if not error:
                await services.updates.confirm(bot_id, item.update_id)
                self.delivered += 1
                await self._reply(bot_id, response)
                backoff = self._first_backoff
                continue
            await store.set_webhook_error(bot_id, services.bots.now(), error)
            log.info("webhook of bot %d: %s; retrying in %.0f s", bot_id, error, backoff)
            await trio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
