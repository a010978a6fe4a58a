"""What every Bot API method gets: the services, the renderer, the request's bot and params."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from tgcore.errors import RpcError
from tgserver.botapi.errors import bad_request, error_of
from tgserver.botapi.fileids import FileIds
from tgserver.botapi.params import Params
from tgserver.botapi.render import Renderer
from tgserver.media import MediaService
from tgserver.services.bots_bundle import BotServices
from tgserver.store.bots import BotRecord

if TYPE_CHECKING:
    from tgserver.botapi.webhook import WebhookDelivery

__all__ = ["ApiContext", "Call", "guarded"]


@attrs.define(eq=False)
class ApiContext:
    """The Bot API's shared state (one per server).

    Attributes:
        services: The bot services.
        media: The media service (None: file methods answer an error).
        file_ids: File id codec.
        renderer: JSON rendering.
        webhooks: Webhook delivery (None until the server runs it).
    """

    services: BotServices
    media: MediaService | None
    file_ids: FileIds
    renderer: Renderer
    webhooks: WebhookDelivery | None = None


@attrs.frozen
class Call:
    """One method call: the context, the authenticated bot and the parameters."""

    ctx: ApiContext
    bot: BotRecord
    params: Params

    @property
    def bot_id(self) -> int:
        """The calling bot's user id."""
        return self.bot.id

    def chat_id(self, name: str = "chat_id") -> int:
        """A ``chat_id`` parameter (an integer; ``@username`` names only channels, which this
        server's Bot API does not reach yet: chat not found).

        Raises:
            BotApiError: ``chat_id is empty`` / ``chat not found``.
        """
        value = self.params.raw(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise bad_request("chat not found")


async def guarded(coro: Any, *, message_action: str | None = None) -> Any:
    """Await ``coro``, turning service errors into Bot API errors."""
    try:
        return await coro
    except RpcError as exc:
        raise error_of(exc, message_action=message_action) from None
