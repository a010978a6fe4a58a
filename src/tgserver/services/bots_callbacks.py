"""Inline-button presses: a user's ``messages.getBotCallbackAnswer`` becomes a callback query
in the bot's queue, and waits (bounded) for the bot's ``answerCallbackQuery``."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from typing import Final

import attrs
import trio

from tgserver.services.bots_updates import BotUpdates
from tgserver.services.errors import bad_request
from tgserver.store.bots import BotUpdateKind, NewBotUpdate
from tgserver.store.messages import MessageRecord

__all__ = [
    "BOT_RESPONSE_TIMEOUT",
    "CALLBACK_TIMEOUT",
    "QUERY_ID_INVALID",
    "CallbackAnswer",
    "CallbackQueries",
    "CallbackQuery",
]

#: Seconds a button press waits for the bot's answer.
CALLBACK_TIMEOUT: Final = 10.0
#: The bot did not answer in time (what the pressing user gets).
BOT_RESPONSE_TIMEOUT: Final = "BOT_RESPONSE_TIMEOUT"
#: answerCallbackQuery of a query that is unknown or expired.
QUERY_ID_INVALID: Final = "QUERY_ID_INVALID"


@attrs.frozen
class CallbackQuery:
    """A button press as queued for the bot (its update payload is this, as JSON).

    Attributes:
        id: The query id (a decimal string, as the Bot API shows it).
        from_id: The user who pressed.
        chat_id: The chat of the message (the user, in a private chat).
        message_id: The message with the button, in the bot's box.
        chat_instance: A stable id of the (bot, chat) pair.
        data: The button's callback data.
    """

    id: str
    from_id: int
    chat_id: int
    message_id: int
    chat_instance: str
    data: bytes

    def to_payload(self) -> bytes:
        """The queued form."""
        return json.dumps(
            {
                "id": self.id,
                "from": self.from_id,
                "chat": self.chat_id,
                "message_id": self.message_id,
                "chat_instance": self.chat_instance,
                "data": self.data.hex(),
            }
        ).encode()

    @classmethod
    def from_payload(cls, payload: bytes) -> CallbackQuery:
        """What :meth:`to_payload` wrote (ValueError/KeyError if it is not that)."""
        value = json.loads(payload)
        return cls(
            id=str(value["id"]),
            from_id=int(value["from"]),
            chat_id=int(value["chat"]),
            message_id=int(value["message_id"]),
            chat_instance=str(value["chat_instance"]),
            data=bytes.fromhex(value["data"]),
        )


@attrs.frozen
class CallbackAnswer:
    """The bot's answer to a button press (``answerCallbackQuery``)."""

    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@attrs.define(eq=False)
class _Pending:
    bot_id: int
    done: trio.Event = attrs.field(factory=trio.Event)
    answer: CallbackAnswer | None = None


class CallbackQueries:
    """Button presses waiting for the bots' answers.

    Args:
        updates: The bots' queues.
        timeout: Seconds a press waits.
        rng: Randomness (query ids).
    """

    def __init__(
        self,
        updates: BotUpdates,
        *,
        timeout: float = CALLBACK_TIMEOUT,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._updates = updates
        #: Seconds a press waits for the answer.
        self.timeout = timeout
        self._rng = rng
        self._pending: dict[str, _Pending] = {}

    @staticmethod
    def chat_instance(bot_id: int, chat_id: int) -> str:
        """A stable id of the (bot, chat) pair (the same for every press in that chat)."""
        digest = hashlib.sha256(f"{bot_id}:{chat_id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big") >> 1)

    async def press(
        self, user_id: int, message: MessageRecord, data: bytes, *, now: int
    ) -> CallbackAnswer:
        """``user_id`` pressed a button with ``data`` under ``message`` (the user's copy of
        a bot's message, in a private chat or a group); waits for the bot's answer.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID`` (not a message of a bot), ``BOT_RESPONSE_TIMEOUT``.
        """
        if message.out or message.origin_user_id != message.from_id:
            raise bad_request("MESSAGE_ID_INVALID")
        bot_id = message.from_id
        # The chat as the bot sees it: the user for a private chat, the group's key.
        chat_id = user_id if message.peer_id > 0 else message.peer_id
        query = CallbackQuery(
            id=str(int.from_bytes(self._rng(8), "big") >> 1),
            from_id=user_id,
            chat_id=chat_id,
            message_id=message.origin_id,
            chat_instance=self.chat_instance(bot_id, chat_id),
            data=data,
        )
        pending = self._pending[query.id] = _Pending(bot_id)
        try:
            queued = await self._updates.enqueue(
                bot_id,
                NewBotUpdate(
                    kind=BotUpdateKind.CALLBACK_QUERY,
                    date=now,
                    message_id=query.message_id,
                    payload=query.to_payload(),
                ),
            )
            if queued is None:
                raise bad_request(BOT_RESPONSE_TIMEOUT)
            with trio.move_on_after(self.timeout):
                await pending.done.wait()
        finally:
            del self._pending[query.id]
        if pending.answer is None:
            raise bad_request(BOT_RESPONSE_TIMEOUT)
        return pending.answer

    def answer(self, bot_id: int, query_id: str, answer: CallbackAnswer) -> None:
        """The bot answers a press.

        Raises:
            RpcError: ``QUERY_ID_INVALID`` (unknown, answered, expired, or another bot's).
        """
        pending = self._pending.get(query_id)
        if pending is None or pending.bot_id != bot_id or pending.answer is not None:
            raise bad_request(QUERY_ID_INVALID)
        pending.answer = answer
        pending.done.set()
