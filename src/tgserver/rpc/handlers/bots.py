"""Bot features over MTProto: ``auth.importBotAuthorization`` (a bot logs in with its token)
and ``messages.getBotCallbackAnswer`` (a user presses an inline button)."""

from __future__ import annotations

from typing import Final

from tgcore.tl import functions, types
from tgserver.peerids import chat_key
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.auth import client_ip
from tgserver.rpc.handlers.peers import input_peer_user_id, tl_user
from tgserver.rpc.handlers.render import decode_object
from tgserver.services import MESSAGE_ID_INVALID, PEER_ID_INVALID, bad_request
from tgserver.services.bots_bundle import BotServices
from tgserver.store.messages import MessageRecord

__all__ = ["DATA_INVALID", "BotHandlers"]

#: The pressed button's data is not one of the message's callback buttons.
DATA_INVALID: Final = "DATA_INVALID"


def _callback_data(markup: object) -> set[bytes]:
    found: set[bytes] = set()
    if isinstance(markup, types.ReplyInlineMarkup):
        for row in markup.rows:
            for button in getattr(row, "buttons", ()):
                kind = getattr(button, "type", None)
                if isinstance(kind, types.InlineButtonTypeCallback):
                    found.add(kind.data)
    return found


class BotHandlers:
    """auth.importBotAuthorization and messages.getBotCallbackAnswer."""

    def __init__(self, services: BotServices) -> None:
        self._services = services
        self._users = services.messaging.accounts.users

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        dispatcher.add(functions.auth.ImportBotAuthorization, self.import_bot_authorization)
        dispatcher.add(functions.messages.GetBotCallbackAnswer, self.get_bot_callback_answer)

    async def import_bot_authorization(
        self, ctx: RequestContext, request: functions.auth.ImportBotAuthorization
    ) -> types.auth.Authorization:
        """auth.importBotAuthorization: log the key in to the bot of the token."""
        bot = await self._services.bots.log_in(
            request.bot_auth_token, ctx.auth_key_id, ip=client_ip(ctx)
        )
        return types.auth.Authorization(user=tl_user(await self._users.me(bot.id)))

    async def get_bot_callback_answer(
        self, ctx: RequestContext, request: functions.messages.GetBotCallbackAnswer
    ) -> types.messages.BotCallbackAnswer:
        """messages.getBotCallbackAnswer: ask the bot, wait (bounded) for its answer."""
        me = require_user(ctx)
        if isinstance(request.peer, types.InputPeerChannel):
            message = await self._channel_message(me, request.peer, request.msg_id)
        else:
            message = await self._box_message(me, request.peer, request.msg_id)
        data = request.data or b""
        if data not in _callback_data(decode_object(message.reply_markup)):
            raise bad_request(DATA_INVALID)
        answer = await self._services.callbacks.press(
            me, message, data, now=self._services.bots.now()
        )
        return types.messages.BotCallbackAnswer(
            alert=answer.show_alert,
            has_url=answer.url is not None,
            message=answer.text,
            url=answer.url,
            cache_time=answer.cache_time,
        )

    async def _channel_message(
        self, me: int, peer: types.InputPeerChannel, msg_id: int
    ) -> MessageRecord:
        """A supergroup's or channel's message the caller may read, as a record of its own."""
        channels = self._services.bots.channels
        if channels is None or not channels.services.access.check(
            me, peer.channel_id, peer.access_hash
        ):
            raise bad_request(PEER_ID_INVALID)
        await channels.services.access.readable(me, peer.channel_id)
        message = await channels.message(me, peer.channel_id, msg_id)
        if message is None:
            raise bad_request(MESSAGE_ID_INVALID)
        return message

    async def _box_message(
        self, me: int, input_peer: types.TypeInputPeer, msg_id: int
    ) -> MessageRecord:
        """A message of the caller's box in the private chat or basic group ``input_peer``."""
        if isinstance(input_peer, types.InputPeerChat):
            # The message comes from the caller's own box, which proves membership.
            try:
                peer = chat_key(input_peer.chat_id)
            except ValueError:
                raise bad_request(PEER_ID_INVALID) from None
        else:
            peer = await input_peer_user_id(self._users, me, input_peer)
        message = await self._services.messaging.messages.store.get_message(me, msg_id)
        if message is None or message.peer_id != peer:
            raise bad_request(MESSAGE_ID_INVALID)
        return message
