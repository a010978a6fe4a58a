"""The Bot API application: routing ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``
to the methods, errors to ``{"ok": false, ...}`` answers, and the listener's lifetime."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

import trio

from tgcore.errors import RpcError
from tgserver.botapi.context import ApiContext, Call, resolve_usernames
from tgserver.botapi.downloads import file_response
from tgserver.botapi.errors import BotApiError, error_of
from tgserver.botapi.fileids import FileIds
from tgserver.botapi.http import HttpLimits, HttpRequest, HttpResponse, serve_http
from tgserver.botapi.methods import METHODS
from tgserver.botapi.methods.files import parse_file_path
from tgserver.botapi.params import Params, parse_params
from tgserver.botapi.render import Renderer
from tgserver.botapi.webhook import WebhookDelivery
from tgserver.media import MediaService
from tgserver.services.bots_bundle import BotServices
from tgserver.store.bots import BotRecord

__all__ = ["BotApi"]

log = logging.getLogger(__name__)

_NOT_FOUND = BotApiError(404, "Not Found")
_UNAUTHORIZED = BotApiError(401, "Unauthorized")


def _error_response(error: BotApiError) -> HttpResponse:
    headers: list[tuple[str, str]] = []
    if error.retry_after is not None:
        headers.append(("retry-after", str(error.retry_after)))
    return HttpResponse.json(error.code, error.to_json(), headers)


class BotApi:
    """The Bot API over the bot services.

    Args:
        services: The bot services.
        media: The media service (None: no file methods).
        limits: HTTP limits (the request body limit is the upload limit).
        webhook_backoff: Seconds before the first webhook retry.
    """

    def __init__(
        self,
        services: BotServices,
        media: MediaService | None = None,
        *,
        limits: HttpLimits | None = None,
        webhook_backoff: float = 1.0,
    ) -> None:
        file_ids = FileIds(services.messaging.accounts.users.access)
        renderer = Renderer(
            services.messaging.accounts.stores.users,
            media,
            file_ids,
            services.messaging.messages.store,
            services.bots.chats.chats.store if services.bots.chats is not None else None,
            services.bots.channels.store if services.bots.channels is not None else None,
        )
        self.webhooks = WebhookDelivery(
            services, renderer, first_backoff=webhook_backoff, on_reply=self.run_reply
        )
        self.ctx = ApiContext(
            services=services,
            media=media,
            file_ids=file_ids,
            renderer=renderer,
            webhooks=self.webhooks,
        )
        self.limits = limits or HttpLimits()

    async def serve(
        self,
        listeners: Sequence[trio.SocketListener],
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Feed the update queues, deliver webhooks and answer HTTP, until cancelled."""
        async with trio.open_nursery() as nursery:
            await nursery.start(self.ctx.services.updates.run)
            await nursery.start(self.webhooks.run)
            await nursery.start(
                functools.partial(serve_http, limits=self.limits), listeners, self.handle
            )
            task_status.started()

    async def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one HTTP request."""
        path = request.target.partition("?")[0]
        try:
            if path.startswith("/file/bot"):
                return await self._download(request, path[len("/file/bot") :])
            if not path.startswith("/bot"):
                raise _NOT_FOUND
            token, slash, method = path[len("/bot") :].partition("/")
            if not slash:
                raise _NOT_FOUND
            token = unquote(token)
            implementation = METHODS.get(method.lower())
            if request.method not in ("GET", "POST"):
                raise _NOT_FOUND
            bot = await self._bot(token)
            if implementation is None:
                raise _NOT_FOUND
            call = Call(self.ctx, bot, parse_params(request))
            result = await self._invoke(implementation, call)
            return HttpResponse.json(200, {"ok": True, "result": result})
        except BotApiError as error:
            return _error_response(error)

    async def run_reply(self, bot_id: int, value: dict[str, Any]) -> Any:
        """Run the method a webhook answered an update with (``{"method": name, ...}``).

        Raises:
            BotApiError: an unknown method or its error.
        """
        bot = await self.ctx.services.bots.store.get_bot(bot_id)
        implementation = METHODS.get(str(value.get("method", "")).lower())
        if bot is None or implementation is None:
            raise _NOT_FOUND
        params = {k: v for k, v in value.items() if k != "method"}
        return await self._invoke(implementation, Call(self.ctx, bot, Params(params)))

    async def _bot(self, token: str) -> BotRecord:
        try:
            return await self.ctx.services.bots.authenticate(token)
        except RpcError:
            raise _UNAUTHORIZED from None

    @staticmethod
    async def _invoke(implementation: Any, call: Call) -> Any:
        try:
            return await implementation(await resolve_usernames(call))
        except RpcError as exc:
            raise error_of(exc) from None

    async def _download(self, request: HttpRequest, rest: str) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise _NOT_FOUND
        token, slash, file_path = rest.partition("/")
        if not slash:
            raise _NOT_FOUND
        bot = await self._bot(unquote(token))
        media_service = self.ctx.media
        file_id = parse_file_path(unquote(file_path))
        ref = self.ctx.file_ids.parse(bot.id, file_id) if file_id else None
        media = (
            await media_service.get(ref.media_id)
            if media_service is not None and ref is not None
            else None
        )
        if media_service is None or ref is None or media is None or media.file(ref.variant) is None:
            raise _NOT_FOUND
        return file_response(request, media_service, media, ref.variant)
