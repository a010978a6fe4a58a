"""Bots: accounts with a token that the Bot API drives, over the same stores as users.

A bot is an account of the account store with ``UserRecord.bot`` set; its token and Bot API
settings live in the bot store. :class:`BotService` creates bots, checks tokens and sends,
edits and deletes messages on a bot's behalf with the checks Telegram applies to bots (a bot
cannot start a conversation, cannot write to other bots, is stopped by a user's block).
Messages go through the message store and are published on the bus exactly as a user's are,
so MTProto clients see them live and in ``updates.getDifference``.
"""

from __future__ import annotations

import base64
import hmac
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Final

import attrs

from tgcore.errors import FloodWait, RpcError
from tgserver.peerids import PeerKind, split_key
from tgserver.services.bots_channels import BotChannels, channel_id_of
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.errors import PEER_ID_INVALID, USERNAME_INVALID, bad_request
from tgserver.services.events import BoxEvent
from tgserver.services.messages import (
    MAX_MESSAGE_LENGTH,
    MESSAGE_EMPTY,
    MESSAGE_ID_INVALID,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TOO_LONG,
    new_message_entry,
    utf16_length,
)
from tgserver.services.messaging import MessagingServices
from tgserver.services.ratelimit import RateLimiter
from tgserver.services.validation import check_first_name, check_username
from tgserver.store.accounts import (
    AccountConflict,
    AuthorizationRecord,
    NewUser,
    UserRecord,
    UserStore,
    username_key,
)
from tgserver.store.bots import BotRecord, SqliteBotStore
from tgserver.store.chats import ChatRecord
from tgserver.store.messages import MessageRecord, NewMessage

__all__ = [
    "BOT_BLOCKED",
    "BOT_CANT_INITIATE",
    "BOT_TOKEN_INVALID",
    "MAX_CAPTION_LENGTH",
    "USER_IS_BOT",
    "BotLimits",
    "BotService",
    "bot_phone",
    "create_bot",
]

log = logging.getLogger(__name__)

#: The token is not one of a bot of this server.
BOT_TOKEN_INVALID: Final = "ACCESS_TOKEN_INVALID"
#: The user never wrote to the bot (403).
BOT_CANT_INITIATE: Final = "BOT_CANT_INITIATE_CONVERSATION"
#: The user blocked the bot (403).
BOT_BLOCKED: Final = "USER_IS_BLOCKED"
#: Bots cannot write to bots (403).
USER_IS_BOT: Final = "USER_IS_BOT"
#: The longest media caption, in UTF-16 code units.
MAX_CAPTION_LENGTH: Final = 1024

_SECRET_BYTES = 26
#: How many (bot, user) chats BotService remembers as existing before starting afresh.
_DIALOG_CACHE: Final = 100_000


def bot_phone(username: str) -> str:
    """The placeholder kept in the phone column of a bot account (never shown to clients;
    not digits, so it can never collide with a real number)."""
    return "bot:" + username_key(username)


@attrs.frozen
class BotLimits:
    """How fast one bot may send (Telegram's guidance: about 30 messages a second overall,
    bursts of a few a second in one chat).

    Attributes:
        per_bot: Messages per ``period`` over all chats.
        per_chat: Messages per ``chat_period`` to one chat.
        period: The overall window, in seconds.
        chat_period: The per-chat window, in seconds.
        enabled: False: no limits at all.
    """

    per_bot: int = 30
    per_chat: int = 20
    period: float = 1.0
    chat_period: float = 3.0
    enabled: bool = True

    @classmethod
    def off(cls) -> BotLimits:
        """No limits at all (benchmarks, load tests)."""
        return cls(enabled=False)


class BotService:
    """Bot accounts and what they do to messages.

    A ``chat_id`` is a peer key (:mod:`tgserver.peerids`): a user id for a private chat, the
    negative id of a basic group the bot is a member of, ``-100...`` for a supergroup or
    broadcast channel (through :class:`~tgserver.services.bots_channels.BotChannels`).

    Args:
        messaging: The messaging services (stores, bus, users).
        store: Bot tokens, settings and update queues.
        limits: Send rates (over them: :class:`~tgcore.errors.FloodWait`).
        chats: The basic-group services (None: private chats only).
        channels: Supergroups and broadcast channels (None: not reachable).
        clock: Unix time.
        rng: Randomness (token secrets).
    """

    def __init__(
        self,
        messaging: MessagingServices,
        store: SqliteBotStore,
        *,
        limits: BotLimits | None = None,
        chats: ChatServices | None = None,
        channels: BotChannels | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.messaging = messaging
        #: Supergroups and broadcast channels (None: not reachable).
        self.channels = channels
        #: Basic groups (None: bots reach private chats only).
        self.chats = chats
        self.store = store
        self.users = messaging.accounts.users
        self._messages = messaging.messages.store
        self._contacts = messaging.accounts.stores.contacts
        self._clock = clock
        self._rng = rng
        # (bot, user) pairs whose private chat is known to exist: the message store never
        # deletes a dialog, so once seen it stays, and sendMessage skips a store read.
        self._dialogs: set[tuple[int, int]] = set()
        self.set_limits(limits or BotLimits())

    def set_limits(self, limits: BotLimits) -> None:
        """Use new send rates (counting starts afresh)."""
        self.limits = limits
        self._per_bot = RateLimiter(limits.per_bot, limits.period, clock=self._clock)
        self._per_chat = RateLimiter(limits.per_chat, limits.chat_period, clock=self._clock)

    def now(self) -> int:
        """Unix time now, in whole seconds."""
        return int(self._clock())

    # -- bots ------------------------------------------------------------------------------------

    async def create_bot(self, username: str, first_name: str | None = None) -> BotRecord:
        """Create a bot account and its token.

        Raises:
            RpcError: ``USERNAME_INVALID`` (not a valid username or not ending in "bot"),
                ``USERNAME_OCCUPIED``, ``FIRSTNAME_INVALID``.
        """
        return await create_bot(
            self.users.store,
            self.store,
            username=username,
            first_name=first_name,
            now=self._clock(),
            rng=self._rng,
        )

    async def authenticate(self, token: str) -> BotRecord:
        """The bot a token belongs to.

        Raises:
            RpcError: ``401 ACCESS_TOKEN_INVALID`` for anything else.
        """
        bot_id_text, sep, secret = token.partition(":")
        if not sep or not bot_id_text.isdigit() or len(bot_id_text) > 18 or not secret:
            raise RpcError(401, BOT_TOKEN_INVALID)
        bot = await self.store.get_bot(int(bot_id_text))
        if bot is None or not hmac.compare_digest(bot.secret.encode(), secret.encode()):
            raise RpcError(401, BOT_TOKEN_INVALID)
        return bot

    async def log_in(self, token: str, auth_key_id: int, *, ip: str = "") -> BotRecord:
        """Log an MTProto auth key in to the bot of ``token`` (``auth.importBotAuthorization``).

        Raises:
            RpcError: ``401 ACCESS_TOKEN_INVALID``.
        """
        bot = await self.authenticate(token)
        await self.account(bot.id)
        now = self._clock()
        hash_ = int.from_bytes(self._rng(8), "little", signed=True) or 1
        await self.messaging.accounts.bindings.bind(
            AuthorizationRecord(
                key_id=auth_key_id, user_id=bot.id, hash=hash_, created_at=now, active_at=now, ip=ip
            )
        )
        log.info("bot %d logged in over MTProto", bot.id)
        return bot

    async def account(self, bot_id: int) -> UserRecord:
        """The bot's account.

        Raises:
            RpcError: ``401 ACCESS_TOKEN_INVALID`` if the account is gone.
        """
        user = await self.users.store.get_user(bot_id)
        if user is None or not user.bot:
            raise RpcError(401, BOT_TOKEN_INVALID)
        return user

    async def chat_user(self, chat_id: int) -> UserRecord:
        """The user a Bot API ``chat_id`` names (private chats only).

        Raises:
            RpcError: ``PEER_ID_INVALID`` when there is no such user.
        """
        user = await self.users.store.get_user(chat_id) if chat_id > 0 else None
        if user is None:
            raise bad_request(PEER_ID_INVALID)
        return user

    # -- sending ---------------------------------------------------------------------------------

    def group_id(self, chat_id: int) -> int | None:
        """The basic group a ``chat_id`` names (None: a private chat).

        Raises:
            RpcError: ``PEER_ID_INVALID`` for channels and when groups are not wired.
        """
        if chat_id > 0:
            return None
        try:
            kind, raw_id = split_key(chat_id)
        except ValueError:
            raise bad_request(PEER_ID_INVALID) from None
        if kind is not PeerKind.CHAT or self.chats is None:
            raise bad_request(PEER_ID_INVALID)
        return raw_id

    def channel_id(self, chat_id: int) -> int | None:
        """The supergroup or channel a ``chat_id`` names (None: another kind of chat).

        Raises:
            RpcError: ``PEER_ID_INVALID`` for a channel when channels are not wired.
        """
        channel_id = channel_id_of(chat_id)
        if channel_id is not None and self.channels is None:
            raise bad_request(PEER_ID_INVALID)
        return channel_id

    def _channels(self) -> BotChannels:
        assert self.channels is not None
        return self.channels

    async def group(self, bot_id: int, chat_id: int) -> ChatRecord:
        """The basic group ``chat_id`` names, if the bot is or was in it.

        Raises:
            RpcError: ``PEER_ID_INVALID``.
        """
        group_id = self.group_id(chat_id)
        if group_id is None or self.chats is None:
            raise bad_request(PEER_ID_INVALID)
        try:
            return (await self.chats.chats.view(bot_id, group_id)).chat
        except RpcError:
            raise bad_request(PEER_ID_INVALID) from None

    async def check_can_write(self, bot_id: int, chat_id: int) -> None:
        """Check that the bot may write to the chat.

        Raises:
            RpcError: ``PEER_ID_INVALID`` (no such chat), ``403 USER_IS_BOT``,
                ``403 BOT_CANT_INITIATE_CONVERSATION`` (the user never wrote to the bot),
                ``403 USER_IS_BLOCKED`` (the user blocked the bot), ``403
                CHAT_WRITE_FORBIDDEN`` (the bot is not in the group), 403 for a supergroup or
                channel the bot is not a member of.
        """
        channel_id = self.channel_id(chat_id)
        if channel_id is not None:
            await self._channels().membership(bot_id, channel_id)
            return
        group_id = self.group_id(chat_id)
        if group_id is not None:
            assert self.chats is not None
            await self.group(bot_id, chat_id)
            await self.chats.chats.participant_view(bot_id, group_id)
            return
        user = await self.chat_user(chat_id)
        if user.bot and user.id != bot_id:
            raise RpcError(403, USER_IS_BOT)
        if user.id == bot_id or not await self._has_dialog(bot_id, chat_id):
            raise RpcError(403, BOT_CANT_INITIATE)
        if await self._contacts.blocked_among(chat_id, [bot_id]):
            raise RpcError(403, BOT_BLOCKED)

    async def _has_dialog(self, bot_id: int, user_id: int) -> bool:
        """Whether the bot has a private chat with the user (the user wrote first)."""
        pair = (bot_id, user_id)
        if pair in self._dialogs:
            return True
        if await self._messages.get_dialog(bot_id, user_id) is None:
            return False
        if len(self._dialogs) >= _DIALOG_CACHE:
            self._dialogs.clear()  # a bound, not a policy: the next sends read again
        self._dialogs.add(pair)
        return True

    def _rate(self, bot_id: int, chat_id: int) -> None:
        if not self.limits.enabled:
            return
        # Check both before counting either: a refused message costs nothing.
        wait = max(self._per_bot.wait_time(bot_id), self._per_chat.wait_time((bot_id, chat_id)))
        if wait:
            raise FloodWait(wait)
        self._per_bot.hit(bot_id)
        self._per_chat.hit((bot_id, chat_id))

    async def send(
        self,
        bot_id: int,
        chat_id: int,
        text: str,
        *,
        entities: bytes | None = None,
        media: bytes | None = None,
        reply_markup: bytes | None = None,
        reply_to: int | None = None,
        fwd_from: bytes | None = None,
    ) -> MessageRecord:
        """Send a message from the bot; returns the bot's copy.

        Raises:
            RpcError: the errors of :meth:`check_can_write`, ``MESSAGE_EMPTY``,
                ``MESSAGE_TOO_LONG`` (``MEDIA_CAPTION_TOO_LONG`` with media).
            FloodWait: over :class:`BotLimits`.
        """
        if media is None and not text.strip():
            raise bad_request(MESSAGE_EMPTY)
        if media is not None and utf16_length(text) > MAX_CAPTION_LENGTH:
            raise bad_request("MEDIA_CAPTION_TOO_LONG")
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise bad_request(MESSAGE_TOO_LONG)
        channel_id = self.channel_id(chat_id)
        if channel_id is not None:
            self._rate(bot_id, chat_id)
            return await self._channels().send(
                bot_id,
                channel_id,
                text,
                entities=entities,
                media=media,
                reply_markup=reply_markup,
                reply_to=reply_to,
                fwd_from=fwd_from,
            )
        await self.check_can_write(bot_id, chat_id)
        self._rate(bot_id, chat_id)
        group_id = self.group_id(chat_id)
        if group_id is not None:
            assert self.chats is not None
            sent = await self.chats.messaging.send(
                bot_id,
                group_id,
                text,
                entities=entities,
                media=media,
                reply_to=reply_to,
                fwd_from=fwd_from,
                reply_markup=reply_markup,
            )
            return sent.message
        result = await self._messages.send_message(
            NewMessage(
                sender_id=bot_id,
                peer_id=chat_id,
                date=self.now(),
                text=text,
                entities=entities,
                media=media,
                reply_to=reply_to,
                fwd_from=fwd_from,
                reply_markup=reply_markup,
            )
        )
        await self._publish_new(result.message, result.peer_message)
        return result.message

    async def _publish_new(self, mine: MessageRecord, theirs: MessageRecord | None) -> None:
        bus = self.messaging.bus
        await bus.publish([mine.user_id], BoxEvent(mine.user_id, new_message_entry(mine), (mine,)))
        if theirs is not None:
            await bus.publish(
                [theirs.user_id], BoxEvent(theirs.user_id, new_message_entry(theirs), (theirs,))
            )

    async def message(self, bot_id: int, message_id: int) -> MessageRecord | None:
        """A message of the bot's box, or None."""
        if message_id <= 0:
            return None
        return await self._messages.get_message(bot_id, message_id)

    async def message_in(self, bot_id: int, chat_id: int, message_id: int) -> MessageRecord | None:
        """A message of the chat ``chat_id`` as the bot sees it (a channel's message for a
        ``-100...`` chat the bot may read), or None."""
        channel_id = channel_id_of(chat_id)
        if channel_id is not None:
            if self.channels is None:
                return None
            try:
                await self.channels.chat(bot_id, channel_id)
            except RpcError:
                return None
            return await self.channels.message(bot_id, channel_id, message_id)
        found = await self.message(bot_id, message_id)
        return found if found is not None and found.peer_id == chat_id else None

    async def chat_message(self, bot_id: int, chat_id: int, message_id: int) -> MessageRecord:
        """A message of the bot's chat with ``chat_id``.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID`` when there is none.
        """
        found = await self.message_in(bot_id, chat_id, message_id)
        if found is None:
            raise bad_request(MESSAGE_ID_INVALID)
        return found

    async def edit(
        self,
        bot_id: int,
        chat_id: int,
        message_id: int,
        *,
        text: str | None = None,
        entities: bytes | None = None,
        reply_markup: bytes | None = None,
    ) -> MessageRecord:
        """Edit the bot's message (``text`` None: keep the text and entities, change only
        the markup); returns the bot's edited copy.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID``, ``MESSAGE_AUTHOR_REQUIRED`` (403),
                ``MESSAGE_EMPTY``, ``MESSAGE_TOO_LONG``, ``MESSAGE_NOT_MODIFIED``.
        """
        channel_id = self.channel_id(chat_id)
        if channel_id is not None:
            return await self._channels().edit(
                bot_id,
                channel_id,
                message_id,
                text=text,
                entities=entities,
                reply_markup=reply_markup,
            )
        current = await self.chat_message(bot_id, chat_id, message_id)
        if not current.out:
            raise RpcError(403, "MESSAGE_AUTHOR_REQUIRED")
        if text is None:
            text, entities = current.text, current.entities
        if not text.strip() and current.media is None:
            raise bad_request(MESSAGE_EMPTY)
        limit = MAX_CAPTION_LENGTH if current.media is not None else MAX_MESSAGE_LENGTH
        if utf16_length(text) > limit:
            raise bad_request(MESSAGE_TOO_LONG)
        if (text, entities, reply_markup) == (
            current.text,
            current.entities,
            current.reply_markup,
        ):
            raise bad_request(MESSAGE_NOT_MODIFIED)
        group_id = self.group_id(chat_id)
        if group_id is not None:
            assert self.chats is not None
            edited = await self.chats.messaging.edit(
                bot_id, group_id, message_id, text, entities=entities, reply_markup=reply_markup
            )
            return edited.message
        result = await self._messages.edit_message(
            bot_id,
            message_id,
            text=text,
            entities=entities,
            edit_date=self.now(),
            reply_markup=reply_markup,
        )
        if result is None:
            raise bad_request(MESSAGE_ID_INVALID)
        bus = self.messaging.bus
        await bus.publish([bot_id], BoxEvent(bot_id, result.entry, (result.message,)))
        if result.peer_message is not None and result.peer_entry is not None:
            peer = result.peer_message.user_id
            await bus.publish([peer], BoxEvent(peer, result.peer_entry, (result.peer_message,)))
        return result.message

    async def delete(self, bot_id: int, chat_id: int, message_id: int) -> None:
        """Delete a message of the chat for both sides.

        Raises:
            RpcError: ``MESSAGE_ID_INVALID`` (no such message, or nothing deleted).
        """
        channel_id = self.channel_id(chat_id)
        if channel_id is not None:
            if not await self._channels().delete(bot_id, channel_id, [message_id]):
                raise bad_request(MESSAGE_ID_INVALID)
            return
        await self.chat_message(bot_id, chat_id, message_id)
        if self.group_id(chat_id) is not None:
            assert self.chats is not None
            result = await self.chats.messaging.delete(bot_id, [message_id], revoke=True)
        else:
            result = await self.messaging.messages.delete(bot_id, [message_id], revoke=True)
        if result.entry is None:
            raise bad_request(MESSAGE_ID_INVALID)

    async def typing(self, bot_id: int, chat_id: int, action: bytes) -> None:
        """Show the bot as typing (or uploading ...) in the chat.

        Raises:
            RpcError: the errors of :meth:`check_can_write`.
        """
        channel_id = self.channel_id(chat_id)
        if channel_id is not None:
            await self._channels().typing(bot_id, channel_id)
            return
        await self.check_can_write(bot_id, chat_id)
        group_id = self.group_id(chat_id)
        if group_id is not None:
            assert self.chats is not None
            await self.chats.messaging.typing(bot_id, group_id, action)
            return
        await self.messaging.messages.typing(bot_id, chat_id, action)

    async def messages_of(self, bot_id: int, ids: Sequence[int]) -> tuple[MessageRecord, ...]:
        """Messages of the bot's box (missing ones left out)."""
        return await self._messages.get_messages(bot_id, list(ids))


async def create_bot(
    users: UserStore,
    bots: SqliteBotStore,
    *,
    username: str,
    first_name: str | None,
    now: float,
    rng: Callable[[int], bytes] = os.urandom,
) -> BotRecord:
    """Create a bot account in ``users`` (a :class:`~tgserver.store.accounts.UserStore`) and
    its token in ``bots`` (``tgserver bots create`` and :meth:`BotService.create_bot`).

    Raises:
        RpcError: ``USERNAME_INVALID``, ``USERNAME_OCCUPIED``, ``FIRSTNAME_INVALID``.
    """
    name = check_username(username)
    if not name.lower().endswith("bot"):
        raise bad_request(USERNAME_INVALID)
    first = check_first_name(first_name or name)
    try:
        user = await users.create_user(
            NewUser(
                phone=bot_phone(name), first_name=first, username=name, created_at=now, bot=True
            )
        )
    except AccountConflict:
        raise bad_request("USERNAME_OCCUPIED") from None
    secret = base64.urlsafe_b64encode(rng(_SECRET_BYTES)).decode().rstrip("=")
    record = await bots.create_bot(user.id, secret, now)
    log.info("bot %d (@%s) created", user.id, name)
    return record
