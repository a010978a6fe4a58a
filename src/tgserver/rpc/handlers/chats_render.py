"""Basic groups (and the channels they mention) as the ``Chat`` constructors a user sees.

Every answer that mentions a group or channel peer carries it in its ``chats`` vector:
:meth:`ChatRenderer.chats_for` renders the peers of a list of peer keys for one viewer.
"""

from __future__ import annotations

from collections.abc import Iterable

from tgcore.tl import types
from tgserver.peerids import PeerKind, split_key
from tgserver.rpc.handlers.routing import ChannelRoutes
from tgserver.services.chats import ChatService, ChatView
from tgserver.store.chats import ChatParticipant

__all__ = ["ChatRenderer", "tl_chat_participant", "tl_chat_participants"]

#: What a basic group's admin may do (the rights Telegram shows for one).
_ADMIN_RIGHTS = types.ChatAdminRights(
    change_info=True,
    delete_messages=True,
    ban_users=True,
    invite_users=True,
    pin_messages=True,
    manage_call=True,
    other=True,
)
#: No default restriction: every member may write, add members and change the title.
_DEFAULT_BANNED = types.ChatBannedRights(until_date=0)


def tl_chat_participant(participant: ChatParticipant, creator_id: int) -> types.TypeChatParticipant:
    """The ``ChatParticipant`` constructor of a participant."""
    if participant.user_id == creator_id:
        return types.ChatParticipantCreator(user_id=participant.user_id)
    if participant.admin:
        return types.ChatParticipantAdmin(
            user_id=participant.user_id, inviter_id=participant.inviter_id, date=participant.date
        )
    return types.ChatParticipant(
        user_id=participant.user_id, inviter_id=participant.inviter_id, date=participant.date
    )


def tl_chat_participants(
    chat_id: int, version: int, creator_id: int, participants: Iterable[ChatParticipant]
) -> types.ChatParticipants:
    """The ``chatParticipants`` of a chat."""
    return types.ChatParticipants(
        chat_id=chat_id,
        participants=[tl_chat_participant(p, creator_id) for p in participants],
        version=version,
    )


class ChatRenderer:
    """Renders group and channel peers for a viewer.

    Args:
        chats: The chat service (None: a server without basic groups; their keys are
            skipped).
        channels: The channel handlers (set later with :attr:`channels`; None: channel
            keys are skipped).
    """

    def __init__(self, chats: ChatService | None, channels: ChannelRoutes | None = None) -> None:
        self.chats = chats
        self.channels = channels

    def tl_chat(self, view: ChatView) -> types.TypeChat:
        """The ``chat`` constructor (``chatForbidden`` for a former participant)."""
        chat = view.chat
        migrated_to = None
        if chat.migrated_to is not None and self.channels is not None and view.participant:
            migrated_to = self.channels.input_channel_for(
                view.participant.user_id, chat.migrated_to
            )
        if view.participant is None:
            return types.ChatForbidden(id=chat.id, title=chat.title)
        return types.Chat(
            creator=view.is_creator,
            deactivated=chat.deactivated,
            id=chat.id,
            title=chat.title,
            photo=types.ChatPhotoEmpty(),
            participants_count=chat.participants_count,
            date=chat.date,
            version=chat.version,
            migrated_to=migrated_to,
            admin_rights=_ADMIN_RIGHTS if view.is_admin else None,
            default_banned_rights=_DEFAULT_BANNED,
        )

    async def chats_for(self, viewer_id: int, keys: Iterable[int]) -> list[types.TypeChat]:
        """The chats and channels of these peer keys (users are skipped), as the viewer
        sees them, without repeats; unknown ones are left out."""
        chat_ids: list[int] = []
        channel_ids: list[int] = []
        for key in dict.fromkeys(keys):
            if key >= 0:
                continue
            kind, peer_id = split_key(key)
            (chat_ids if kind is PeerKind.CHAT else channel_ids).append(peer_id)
        rendered: list[types.TypeChat] = []
        if chat_ids and self.chats is not None:
            rendered.extend(self.tl_chat(v) for v in await self.chats.views(viewer_id, chat_ids))
        if self.channels is not None:
            for channel_id in channel_ids:
                rendered.append(await self.channels.tl_channel_for(viewer_id, channel_id))
        return rendered
