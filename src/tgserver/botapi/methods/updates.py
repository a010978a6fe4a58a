"""getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import urlsplit

from tgserver.botapi.context import Call, guarded
from tgserver.botapi.errors import bad_request
from tgserver.services.bots_updates import ALL_UPDATE_KINDS
from tgserver.store.bots import WebhookRecord

__all__ = ["METHODS"]

_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _allowed_updates(call: Call) -> list[str] | None:
    value = call.params.json("allowed_updates", what="allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed_updates JSON object")
    return list(value)


async def get_updates(call: Call) -> Any:
    """getUpdates: long polling over the bot's queue."""
    params = call.params
    offset = params.int("offset", default=0) or 0
    limit = params.int("limit", default=100) or 100
    timeout = params.int("timeout", default=0) or 0
    allowed = _allowed_updates(call)
    services = call.ctx.services
    queued = await guarded(
        services.updates.get_updates(
            call.bot, offset=offset, limit=limit, poll_timeout=timeout, allowed_updates=allowed
        )
    )
    rendered = []
    for item in queued:
        update = await call.ctx.renderer.update(call.bot_id, item)
        if update is None:
            # It can never be shown (its message is gone): drop it, or it would come back
            # in every batch.
            await services.updates.confirm(call.bot_id, item.update_id)
            continue
        rendered.append(update)
    return rendered


def _webhook_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        _ = parts.port
    except ValueError:
        raise bad_request("bad webhook: Webhook can be set up only on valid ports") from None
    return url


async def set_webhook(call: Call) -> Any:
    """setWebhook: deliver updates by POST to ``url`` (an empty url removes the webhook)."""
    params = call.params
    url = params.str("url") or ""
    services = call.ctx.services
    if params.bool("drop_pending_updates"):
        await services.updates.drop_pending(call.bot_id)
    allowed = _allowed_updates(call)
    if allowed is not None:
        await services.bots.store.set_allowed_updates(call.bot_id, allowed)
    if not url:
        await _remove(call)
        return True
    secret = params.str("secret_token") or ""
    if secret and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.int("max_connections", default=40) or 40
    if not 1 <= max_connections <= 100:
        max_connections = min(max(max_connections, 1), 100)
    webhook = WebhookRecord(
        url=_webhook_url(url),
        secret_token=secret,
        max_connections=max_connections,
        ip_address=params.str("ip_address") or "",
    )
    await services.bots.store.set_webhook(call.bot_id, webhook)
    # A waiting getUpdates ends with the conflict, as on Telegram.
    services.updates.end_polls(call.bot_id)
    services.updates.track(call.bot_id)
    if call.ctx.webhooks is not None:
        call.ctx.webhooks.start(call.bot_id)
    return True


async def _remove(call: Call) -> None:
    await call.ctx.services.bots.store.set_webhook(call.bot_id, None)
    if call.ctx.webhooks is not None:
        call.ctx.webhooks.stop(call.bot_id)


async def delete_webhook(call: Call) -> Any:
    """deleteWebhook: back to getUpdates."""
    if call.params.bool("drop_pending_updates"):
        await call.ctx.services.updates.drop_pending(call.bot_id)
    await _remove(call)
    return True


async def get_webhook_info(call: Call) -> Any:
    """getWebhookInfo: the webhook (url "" when none) and the queue's length."""
    services = call.ctx.services
    await services.updates.feed(call.bot_id)
    pending = await services.updates.pending_count(call.bot_id)
    bot = await services.bots.store.get_bot(call.bot_id) or call.bot
    webhook = bot.webhook
    info: dict[str, Any] = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": pending,
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        if webhook.ip_address:
            info["ip_address"] = webhook.ip_address
        if webhook.last_error_date:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        if bot.allowed_updates:
            info["allowed_updates"] = [k for k in bot.allowed_updates if k in ALL_UPDATE_KINDS]
    return info


METHODS: Final = {
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
}
