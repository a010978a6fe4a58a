"""What the bot store keeps: bot credentials and settings, and each bot's update queue."""

from __future__ import annotations

import enum

import attrs

__all__ = [
    "BotRecord",
    "BotUpdateKind",
    "ChannelCursor",
    "NewBotUpdate",
    "QueuedUpdate",
    "WebhookRecord",
]


class BotUpdateKind(enum.IntEnum):
    """What a queued update is about. The values are stored; new kinds are appended."""

    #: ``message``: a new message in the bot's box (``message_id``).
    MESSAGE = 1
    #: ``edited_message``: a message of the bot's box was edited (``message_id``).
    EDITED_MESSAGE = 2
    #: ``callback_query``: a button press; ``payload`` is the serialized query.
    CALLBACK_QUERY = 3
    #: ``channel_post``: a new post of a broadcast channel (``chat_id``, ``message_id``).
    CHANNEL_POST = 4
    #: ``edited_channel_post``: a post was edited (``chat_id``, ``message_id``).
    EDITED_CHANNEL_POST = 5
    #: ``my_chat_member``: the bot's membership changed (``chat_id``; ``payload`` JSON).
    MY_CHAT_MEMBER = 6


@attrs.frozen
class WebhookRecord:
    """A bot's webhook.

    Attributes:
        url: Where updates are POSTed.
        secret_token: Sent back in ``X-Telegram-Bot-Api-Secret-Token`` ("" for none).
        max_connections: Simultaneous deliveries allowed (1-100).
        ip_address: The address to connect to instead of resolving the URL's host ("" none).
        last_error_date: Unix time of the last failed delivery (0: none).
        last_error_message: Why it failed.
    """

    url: str
    secret_token: str = attrs.field(default="", repr=False)
    max_connections: int = 40
    ip_address: str = ""
    last_error_date: int = 0
    last_error_message: str = ""


@attrs.frozen
class BotRecord:
    """A bot account's Bot API side.

    Attributes:
        id: The bot's user id.
        secret: The secret half of the token (``<id>:<secret>``).
        created_at: Unix time.
        box_pts: The bot's box update log has been turned into queued updates up to here.
        next_update_id: The update_id the next queued update gets.
        webhook: The webhook, or None (getUpdates mode).
        allowed_updates: Update kinds the bot wants (names; None: the default set).
        commands: The command list (JSON text, as setMyCommands stored it).
    """

    id: int
    secret: str = attrs.field(repr=False)
    created_at: float
    box_pts: int = 0
    next_update_id: int = 1
    webhook: WebhookRecord | None = None
    allowed_updates: tuple[str, ...] | None = None
    commands: str = "[]"

    @property
    def token(self) -> str:
        """The bot token, ``<id>:<secret>``."""
        return f"{self.id}:{self.secret}"


@attrs.frozen
class NewBotUpdate:
    """An update to queue (the store gives it its update_id).

    Attributes:
        kind: What it is about.
        date: Unix time.
        message_id: The message it refers to: in the bot's box, or in the channel
            ``chat_id`` (0: none).
        payload: Kind-specific bytes (a callback query's JSON).
        chat_id: The channel's peer key for channel updates (0: the bot's box).
    """

    kind: BotUpdateKind
    date: int
    message_id: int = 0
    payload: bytes = b""
    chat_id: int = 0


@attrs.frozen
class QueuedUpdate:
    """An update waiting in a bot's queue (fields as in :class:`NewBotUpdate`)."""

    bot_id: int
    update_id: int
    kind: BotUpdateKind
    date: int
    message_id: int = 0
    payload: bytes = b""
    chat_id: int = 0


@attrs.frozen
class ChannelCursor:
    """How far a bot's queue was fed from one channel's log, and the bot's membership as
    last reported to it (a change is a ``my_chat_member`` update).

    Attributes:
        pts: The channel's log was turned into updates up to here.
        role: The bot's member role then (the channel store's ``MemberRole`` value).
        admin_rights: Its admin rights then.
    """

    pts: int
    role: int = 0
    admin_rights: int = 0
