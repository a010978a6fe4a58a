"""Basic groups over MTProto: messages.createChat, addChatUser, deleteChatUser, editChatTitle,
editChatAdmin, getFullChat, getChats, migrateChat (TL <-> :class:`ChatServices`)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Final, Protocol

from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.peerids import channel_key, chat_key
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.answers import Answers
from tgserver.rpc.handlers.chats_render import tl_chat_participants
from tgserver.rpc.handlers.peers import input_user_id
from tgserver.rpc.handlers.render import tl_message
from tgserver.services import bad_request
from tgserver.services.chats import CHAT_ID_INVALID, USERS_TOO_MUCH
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.events import Origin
from tgserver.store.chats import ChatParticipant, ChatRecord
from tgserver.store.messages import ChatSendResult

__all__ = ["MAX_GET_CHATS", "ChatHandlers", "CreateChannel"]

#: Chat ids one messages.getChats takes.
MAX_GET_CHATS: Final = 100


class CreateChannel(Protocol):
    """``async def create(chat, participants, max_id) -> channel_id``: makes the supergroup a
    basic group migrates to (the channel services do; see ``messages.migrateChat``)."""

    def __call__(
        self, chat: ChatRecord, participants: Sequence[ChatParticipant], max_id: int, /
    ) -> Awaitable[int]:
        """Create the supergroup of ``chat``; its channel id."""
        ...


def _origin(ctx: RequestContext) -> Origin:
    return Origin(ctx.auth_key_id, ctx.session_id)


class ChatHandlers:
    """The basic-group methods of ``messages.*``.

    Args:
        services: The basic-group services.
        answers: Builds answers with the users and chats they mention (the one
            ``MessageHandlers`` uses, so channels render too).
    """

    def __init__(self, services: ChatServices, answers: Answers) -> None:
        self._services = services
        self._chats = services.chats
        self._answers = answers
        self._users = answers.users
        self._create_channel: CreateChannel | None = None

    def set_channel_creator(self, create: CreateChannel) -> None:
        """Enable messages.migrateChat: ``create`` makes the supergroup."""
        self._create_channel = create

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        m = functions.messages
        dispatcher.add(m.CreateChat, self.create_chat)
        dispatcher.add(m.AddChatUser, self.add_chat_user)
        dispatcher.add(m.DeleteChatUser, self.delete_chat_user)
        dispatcher.add(m.EditChatTitle, self.edit_chat_title)
        dispatcher.add(m.EditChatAdmin, self.edit_chat_admin)
        dispatcher.add(m.GetFullChat, self.get_full_chat)
        dispatcher.add(m.GetChats, self.get_chats)
        dispatcher.add(m.MigrateChat, self.migrate_chat)

    async def _service_updates(self, me: int, result: ChatSendResult) -> types.Updates:
        """The answer to a change told by a service message: its ``updateNewMessage``."""
        mine = result.message
        update = types.UpdateNewMessage(message=tl_message(mine), pts=mine.pts, pts_count=1)
        return await self._answers.updates(
            me, [update], [mine], date=mine.date, peer_keys=[mine.peer_id]
        )

    async def create_chat(
        self, ctx: RequestContext, request: functions.messages.CreateChat
    ) -> types.messages.InvitedUsers:
        """messages.createChat: the group with its first service message."""
        me = require_user(ctx)
        if len(request.users) + 1 > 200:
            raise bad_request(USERS_TOO_MUCH)
        user_ids = [await input_user_id(self._users, me, u) for u in request.users]
        created = await self._chats.create(me, request.title, user_ids, origin=_origin(ctx))
        updates = await self._service_updates(me, created.message)
        return types.messages.InvitedUsers(updates=updates, missing_invitees=[])

    async def add_chat_user(
        self, ctx: RequestContext, request: functions.messages.AddChatUser
    ) -> types.messages.InvitedUsers:
        """messages.addChatUser: everyone gets ``messageActionChatAddUser``."""
        me = require_user(ctx)
        user_id = await input_user_id(self._users, me, request.user_id)
        result = await self._chats.add_user(me, request.chat_id, user_id, origin=_origin(ctx))
        updates = await self._service_updates(me, result)
        return types.messages.InvitedUsers(updates=updates, missing_invitees=[])

    async def delete_chat_user(
        self, ctx: RequestContext, request: functions.messages.DeleteChatUser
    ) -> types.Updates:
        """messages.deleteChatUser (oneself: leave); ``revoke_history`` also deletes the
        removed user's own copies of the group."""
        me = require_user(ctx)
        user_id = await input_user_id(self._users, me, request.user_id)
        result = await self._chats.delete_user(me, request.chat_id, user_id, origin=_origin(ctx))
        if request.revoke_history and user_id == me:
            page = await self._chats.messages.get_history(me, chat_key(request.chat_id), limit=100)
            ids = [m.id for m in page.messages if m.id != result.message.id]
            if ids:
                await self._services.messaging.delete(me, ids, revoke=False, origin=_origin(ctx))
        return await self._service_updates(me, result)

    async def edit_chat_title(
        self, ctx: RequestContext, request: functions.messages.EditChatTitle
    ) -> types.Updates:
        """messages.editChatTitle: everyone gets ``messageActionChatEditTitle``."""
        me = require_user(ctx)
        result = await self._chats.edit_title(
            me, request.chat_id, request.title, origin=_origin(ctx)
        )
        return await self._service_updates(me, result)

    async def edit_chat_admin(
        self, ctx: RequestContext, request: functions.messages.EditChatAdmin
    ) -> bytes:
        """messages.editChatAdmin (the creator only)."""
        me = require_user(ctx)
        user_id = await input_user_id(self._users, me, request.user_id)
        await self._chats.edit_admin(
            me, request.chat_id, user_id, bool(request.is_admin), origin=_origin(ctx)
        )
        return pack_bool(True)

    async def get_full_chat(
        self, ctx: RequestContext, request: functions.messages.GetFullChat
    ) -> types.messages.ChatFull:
        """messages.getFullChat: the chat, its participants and their users."""
        me = require_user(ctx)
        view = await self._chats.view(me, request.chat_id)
        chat = view.chat
        participants: types.TypeChatParticipants
        if view.participant is None:
            participants = types.ChatParticipantsForbidden(chat_id=chat.id)
            members: tuple[ChatParticipant, ...] = ()
        else:
            members = await self._chats.store.get_participants(chat.id)
            participants = tl_chat_participants(chat.id, chat.version, chat.creator_id, members)
        keys = [chat_key(chat.id)]
        if chat.migrated_to is not None:
            keys.append(channel_key(chat.migrated_to))
        users, chats = await self._answers.mentioned(
            me, [], user_ids=[p.user_id for p in members], peer_keys=keys
        )
        full = types.ChatFull(
            id=chat.id,
            about="",
            participants=participants,
            notify_settings=types.PeerNotifySettings(),
        )
        return types.messages.ChatFull(full_chat=full, chats=chats, users=users)

    async def get_chats(
        self, ctx: RequestContext, request: functions.messages.GetChats
    ) -> types.messages.Chats:
        """messages.getChats: the chats the user is or was in (others are left out)."""
        me = require_user(ctx)
        if len(request.id) > MAX_GET_CHATS:
            raise bad_request("LIMIT_INVALID")
        keys = [chat_key(i) for i in request.id if 0 < i < 10**12]
        return types.messages.Chats(chats=await self._answers.chats.chats_for(me, keys))

    async def migrate_chat(
        self, ctx: RequestContext, request: functions.messages.MigrateChat
    ) -> TLObject:
        """messages.migrateChat (the creator only): a supergroup with the same members; the
        group gets ``messageActionChatMigrateTo`` and is deactivated."""
        me = require_user(ctx)
        if self._create_channel is None:
            raise bad_request(CHAT_ID_INVALID)
        chat, result = await self._chats.migrate(
            me, request.chat_id, self._create_channel, origin=_origin(ctx)
        )
        mine = result.message
        update = types.UpdateNewMessage(message=tl_message(mine), pts=mine.pts, pts_count=1)
        keys = [chat_key(chat.id)]
        if chat.migrated_to is not None:
            keys.append(channel_key(chat.migrated_to))
        return await self._answers.updates(me, [update], [mine], date=mine.date, peer_keys=keys)
