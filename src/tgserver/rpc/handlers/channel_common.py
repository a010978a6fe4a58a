"""What every channel handler shares: resolving ``InputChannel`` / ``InputPeerChannel`` (access
hash checked) and rendering the channels and users an answer mentions for its viewer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from tgcore.tl import Reader, TLDecodeError, TLRequest, types
from tgserver.rpc.handlers.channel_render import tl_channel, users_of_messages
from tgserver.rpc.handlers.render import users_for
from tgserver.services import bad_request
from tgserver.services.channels import CHANNEL_INVALID, ChannelServices
from tgserver.store.channels import ChannelMessage, ChannelRecord, MemberRecord

__all__ = ["ChannelRendering", "accepting_input_peers", "input_channel_id"]

R = TypeVar("R", bound=TLRequest)


class _PeerReader(Reader):
    """A reader that takes ``inputPeerChannel`` where ``InputChannel`` is expected and
    ``inputPeerUser`` / ``inputPeerSelf`` where ``InputUser`` is (Telegram does: Kurigram
    sends peers there)."""

    __slots__ = ()

    def read_object_of(self, subclass_id: int) -> Any:
        if subclass_id in (_INPUT_CHANNEL, _INPUT_USER):
            value = self.read_object()
            if isinstance(value, types.InputPeerChannel) and subclass_id == _INPUT_CHANNEL:
                return types.InputChannel(
                    channel_id=value.channel_id, access_hash=value.access_hash
                )
            if isinstance(value, types.InputPeerUser) and subclass_id == _INPUT_USER:
                return types.InputUser(user_id=value.user_id, access_hash=value.access_hash)
            if isinstance(value, types.InputPeerSelf) and subclass_id == _INPUT_USER:
                return types.InputUserSelf()
            if getattr(value, "SUBCLASS_OF_ID", None) != subclass_id:
                raise TLDecodeError(f"{type(value).__name__} is not of the expected type")
            return value
        return super().read_object_of(subclass_id)


_INPUT_CHANNEL = types.InputChannel.SUBCLASS_OF_ID
_INPUT_USER = types.InputUser.SUBCLASS_OF_ID


def accepting_input_peers(request_type: type[R]) -> type[R]:
    """``request_type`` decoding ``inputPeerChannel`` / ``inputPeerUser`` in its
    ``InputChannel`` / ``InputUser`` fields (register this on the dispatcher)."""

    class Lenient(request_type):  # type: ignore[valid-type,misc]
        __slots__ = ()

        @classmethod
        def from_reader(cls, r: Reader) -> Any:
            proxy = _PeerReader(r.data, r.position)
            request = request_type.from_reader(proxy)
            r.position = proxy.position
            return request

    Lenient.__name__ = Lenient.__qualname__ = request_type.__name__
    return Lenient


def input_channel_id(
    services: ChannelServices,
    viewer_id: int,
    peer: types.TypeInputChannel | types.TypeInputPeer,
) -> int:
    """The id of the channel an ``InputChannel`` or ``InputPeerChannel`` names.

    Raises:
        RpcError: ``400 CHANNEL_INVALID`` for anything else or a wrong access hash.
    """
    if isinstance(peer, types.InputChannel | types.InputPeerChannel) and services.access.check(
        viewer_id, peer.channel_id, peer.access_hash
    ):
        return peer.channel_id
    raise bad_request(CHANNEL_INVALID)


class ChannelRendering:
    """Channels and users as one viewer sees them (its access hashes, its roles)."""

    def __init__(self, services: ChannelServices) -> None:
        self.services = services
        self.store = services.access.store
        self._users = services.accounts.users

    async def chat(self, viewer_id: int, channel: ChannelRecord) -> types.Channel:
        """``channel`` as ``viewer_id`` sees it."""
        member = await self.store.get_member(channel.id, viewer_id)
        return tl_channel(self.services.access, viewer_id, channel, member)

    def chat_of_member(
        self, viewer_id: int, channel: ChannelRecord, member: MemberRecord | None
    ) -> types.Channel:
        """``channel`` as ``viewer_id`` (whose row is ``member``) sees it."""
        return tl_channel(self.services.access, viewer_id, channel, member)

    async def chats(
        self, viewer_id: int, channels: Iterable[ChannelRecord]
    ) -> list[types.TypeChat]:
        """Each channel as ``viewer_id`` sees it (each once)."""
        seen: dict[int, ChannelRecord] = {c.id: c for c in channels}
        return [await self.chat(viewer_id, c) for c in seen.values()]

    async def users(self, viewer_id: int, user_ids: Sequence[int]) -> list[types.TypeUser]:
        """The users (with ``viewer_id``'s access hashes)."""
        return await users_for(self._users, viewer_id, list(dict.fromkeys(user_ids)))

    async def message_users(
        self, viewer_id: int, messages: Iterable[ChannelMessage], extra: Sequence[int] = ()
    ) -> list[types.TypeUser]:
        """The users the messages mention, plus ``extra``."""
        return await self.users(viewer_id, [*users_of_messages(messages), *extra])
