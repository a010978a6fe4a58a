"""The seam between ``messages.*`` and the channel handlers, and how input peers are sorted.

``messages.*`` methods take any ``InputPeer``: users (and Saved Messages) and basic groups
are served by :class:`~tgserver.rpc.handlers.messages.MessageHandlers` itself, supergroups
and broadcast channels by an object implementing :class:`ChannelRoutes` (the channel
handlers install it with ``MessageHandlers.set_channel_handlers``). Until one is installed,
channel peers answer ``CHANNEL_INVALID``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Final, Protocol

import attrs

from tgcore.tl import TLObject, functions, types
from tgserver.peerids import CHANNEL_OFFSET
from tgserver.rpc.context import RequestContext
from tgserver.services import PEER_ID_INVALID, bad_request

__all__ = [
    "CHANNEL_INVALID",
    "ChannelDialog",
    "ChannelRoutes",
    "ForwardSource",
    "InputMediaSource",
    "PeerRoute",
    "SendMediaHandler",
    "route_of",
]

CHANNEL_INVALID: Final = "CHANNEL_INVALID"


@attrs.frozen
class ChannelDialog:
    """A channel dialog of a user, rendered, with what ``messages.getDialogs`` merges by.

    Attributes:
        peer_key: ``tgserver.peerids.channel_key(channel_id)``.
        top_date: Date of the top message (dialogs are merged by it).
        top_message: The top message's id in the channel.
        pinned: Whether the user pinned the dialog.
        dialog: The ``dialog`` constructor (peer, pts, read marks, unread count).
        message: The top message as the user sees it, if any.
        chats: The chats the dialog and its message mention (the channel at least).
        users: The users its top message mentions.
    """

    peer_key: int
    top_date: int
    top_message: int
    pinned: bool
    dialog: types.TypeDialog
    message: types.TypeMessage | None
    chats: tuple[types.TypeChat, ...] = ()
    users: tuple[types.TypeUser, ...] = ()


@attrs.frozen
class ForwardSource:
    """A message to forward, whatever peer it comes from.

    Attributes:
        id: Its id in the source peer.
        text: The text.
        entities: Stored entity bytes (``render.encode_objects``), or None.
        media: Stored media bytes (``MessageRecord.media``), or None.
        fwd_from: The serialized ``messageFwdHeader`` the copy carries.
        grouped_id: The album of the source message, or None (the copies get a new one).
    """

    id: int
    text: str
    entities: bytes | None
    media: bytes | None
    fwd_from: bytes
    grouped_id: int | None = None


class ChannelRoutes(Protocol):
    """What the channel handlers serve of ``messages.*`` (each resolves the peer itself)."""

    async def send_message(
        self, ctx: RequestContext, request: functions.messages.SendMessage
    ) -> TLObject:
        """messages.sendMessage to a channel."""
        ...

    async def send_media(
        self, ctx: RequestContext, request: functions.messages.SendMedia
    ) -> TLObject:
        """messages.sendMedia to a channel."""
        ...

    async def get_history(
        self, ctx: RequestContext, request: functions.messages.GetHistory
    ) -> TLObject:
        """messages.getHistory of a channel."""
        ...

    async def edit_message(
        self, ctx: RequestContext, request: functions.messages.EditMessage
    ) -> TLObject:
        """messages.editMessage in a channel."""
        ...

    async def set_typing(self, ctx: RequestContext, request: functions.messages.SetTyping) -> bytes:
        """messages.setTyping in a channel."""
        ...

    async def toggle_dialog_pin(
        self, ctx: RequestContext, peer: types.TypeInputPeer, pinned: bool
    ) -> None:
        """messages.toggleDialogPin of a channel dialog."""
        ...

    async def forward_sources(
        self, user_id: int, peer: types.TypeInputPeer, ids: list[int]
    ) -> list[ForwardSource]:
        """The channel messages with these ids the user may forward (missing ones left out)."""
        ...

    async def post_forwards(
        self,
        ctx: RequestContext,
        peer: types.TypeInputPeer,
        items: list[tuple[ForwardSource, int]],
    ) -> types.Updates:
        """Post forwarded copies (source, random_id) to a channel, in order."""
        ...

    async def dialogs_for(self, user_id: int) -> list[ChannelDialog]:
        """Every channel dialog of the user."""
        ...

    async def peer_dialogs(
        self, user_id: int, peers: list[types.TypeInputPeer]
    ) -> list[ChannelDialog]:
        """The user's dialogs with these channels."""
        ...

    async def tl_channel_for(self, user_id: int, channel_id: int) -> types.TypeChat:
        """The ``channel`` constructor as the user sees it."""
        ...

    def input_channel_for(self, user_id: int, channel_id: int) -> types.InputChannel:
        """An ``inputChannel`` with the user's access hash."""
        ...


class InputMediaSource(Protocol):
    """``async def source(user_id, input_media) -> bytes``: the stored form of an
    ``InputMedia`` (what goes into ``MessageRecord.media``; the media handlers provide it)."""

    def __call__(self, user_id: int, media: types.TypeInputMedia, /) -> Awaitable[bytes]:
        """Store (or resolve) the media; its stored bytes."""
        ...


class SendMediaHandler(Protocol):
    """The private-chat ``messages.sendMedia`` handler (the media handlers')."""

    def __call__(
        self, ctx: RequestContext, request: functions.messages.SendMedia, /
    ) -> Awaitable[TLObject]:
        """Answer messages.sendMedia to a user."""
        ...


@attrs.frozen
class PeerRoute:
    """Where an input peer goes: ``kind`` is "user", "chat" or "channel"; ``chat_id`` is
    set for a basic group."""

    kind: str
    chat_id: int = 0


def route_of(peer: types.TypeInputPeer) -> PeerRoute:
    """Sort an input peer (no access check: the path it goes to does that).

    Raises:
        RpcError: ``PEER_ID_INVALID`` for ``inputPeerEmpty`` and the ``...FromMessage``
            forms (not supported).
    """
    if isinstance(peer, types.InputPeerUser | types.InputPeerSelf):
        return PeerRoute("user")
    if isinstance(peer, types.InputPeerChat):
        if not 0 < peer.chat_id < CHANNEL_OFFSET:
            raise bad_request(PEER_ID_INVALID)
        return PeerRoute("chat", peer.chat_id)
    if isinstance(peer, types.InputPeerChannel):
        return PeerRoute("channel")
    raise bad_request(PEER_ID_INVALID)
