"""What the channel services publish on the event bus (transport-free values).

They are published after the store commit, and only to the channel's members that are
online (:class:`~tgserver.services.channels.online.OnlineChannels`): a post costs one
delivery per connected member, never one write or one call per member. Offline members pull
what they missed with ``updates.getChannelDifference``.
"""

from __future__ import annotations

import attrs

from tgserver.services.events import Origin
from tgserver.store.channels import ChannelMessage, ChannelRecord

__all__ = [
    "ChannelDeleteEvent",
    "ChannelEditEvent",
    "ChannelMessageEvent",
    "ChannelOutboxReadEvent",
    "ChannelReadEvent",
    "ChannelUpdatedEvent",
]


@attrs.frozen(eq=False)
class ChannelMessageEvent:
    """A new message in a channel (``updateNewChannelMessage``).

    Attributes:
        channel: The channel after the post (its pts is the message's).
        message: The message.
        origin: The session that posted it (it has the message in its answer).
    """

    channel: ChannelRecord
    message: ChannelMessage
    origin: Origin | None = None


@attrs.frozen(eq=False)
class ChannelEditEvent:
    """A message was edited (``updateEditChannelMessage``) at channel pts ``pts``."""

    channel: ChannelRecord
    message: ChannelMessage
    pts: int
    origin: Origin | None = None


@attrs.frozen(eq=False)
class ChannelDeleteEvent:
    """Messages were deleted (``updateDeleteChannelMessages``)."""

    channel_id: int
    ids: tuple[int, ...]
    pts: int
    pts_count: int
    origin: Origin | None = None


@attrs.frozen(eq=False)
class ChannelReadEvent:
    """A member read the channel up to ``max_id`` (``updateReadChannelInbox``, to its own
    other sessions)."""

    channel_id: int
    max_id: int
    still_unread: int
    pts: int
    origin: Origin | None = None


@attrs.frozen(eq=False)
class ChannelOutboxReadEvent:
    """Someone read the channel up to ``max_id`` (``updateReadChannelOutbox``, to the
    authors of the newly read messages)."""

    channel_id: int
    max_id: int


@attrs.frozen(eq=False)
class ChannelUpdatedEvent:
    """The channel changed for the recipient (title, its membership or rights): Telegram's
    ``updateChannel``, after which clients refetch the channel.

    ``everyone``: sent to all online members (a title or username change), so it is rendered
    without reading each recipient's member row.
    """

    channel: ChannelRecord
    origin: Origin | None = None
    everyone: bool = False
