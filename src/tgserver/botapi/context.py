"""What every Bot API method gets: the services, the renderer, the request's bot and params."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import attrs

from tgcore.errors import RpcError
from tgserver.botapi.errors import bad_request, error_of
from tgserver.botapi.fileids import FileIds
from tgserver.botapi.params import Params
from tgserver.botapi.render import Renderer
from tgserver.media import MediaService
from tgserver.peerids import channel_key
from tgserver.services.bots_bundle import BotServices
from tgserver.store.bots import BotRecord

if TYPE_CHECKING:
    from tgserver.botapi.webhook import WebhookDelivery

__all__ = ["ApiContext", "CHAT_PARAMS", "Call", "guarded", "resolve_usernames"]


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
        """A ``chat_id`` parameter: an integer (``-100...`` for supergroups and channels; an
        ``@username`` was turned into its id by :func:`resolve_usernames`).

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


#: The parameters that name a chat and may be a public channel's ``@username``.
CHAT_PARAMS: Final = ("chat_id", "from_chat_id")


async def resolve_usernames(call: Call) -> Call:
    """``call`` with ``@username`` chat parameters replaced by the public supergroup's or
    channel's ``-100...`` id (unknown names are left as they are: "chat not found")."""
    channels = call.ctx.services.bots.channels
    for name in CHAT_PARAMS:
        value = call.params.raw(name)
        if channels is None or not isinstance(value, str) or not value.startswith("@"):
            continue
        found = await channels.services.channels.resolve(value)
        if found is not None:
            call = attrs.evolve(call, params=call.params.replaced(name, channel_key(found.id)))
    return call


async def guarded(coro: Any, *, message_action: str | None = None) -> Any:
    """Await ``coro``, turning service errors into Bot API errors."""
    try:
        return await coro
    except RpcError as exc:
        raise error_of(exc, message_action=message_action) from None
