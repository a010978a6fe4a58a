"""Basic groups: creating them, who is in them, their title and admins, migration.

A basic group's metadata lives in a :class:`~tgserver.store.chats.ChatStore`; its messages
are copies in every member's box of the message store (as in Telegram), made by
:meth:`MessageStore.send_to_chat`. Every membership or title change is told to the members
by a service message (``messageService`` with a ``MessageAction``, serialized TL in
``NewMessage.action``) that goes through the same path as any group message. Services know
no transport: the MTProto handlers and the Bot API call these methods.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import attrs

from tgcore.errors import RpcError
from tgcore.tl import types
from tgserver.bus import EventBus
from tgserver.peerids import chat_key
from tgserver.services.chats_events import ChatChangedEvent
from tgserver.services.errors import USER_ID_INVALID, bad_request
from tgserver.services.events import BoxEvent, Origin
from tgserver.services.messages import new_message_entry
from tgserver.store.accounts import UserStore
from tgserver.store.chats import (
    ChatChange,
    ChatParticipant,
    ChatRecord,
    ChatStore,
    Membership,
)
from tgserver.store.messages import ChatSendResult, MessageStore, NewMessage

__all__ = [
    "CHAT_ADMIN_REQUIRED",
    "CHAT_ID_INVALID",
    "CHAT_NOT_MODIFIED",
    "CHAT_TITLE_EMPTY",
    "CHAT_WRITE_FORBIDDEN",
    "MAX_CHAT_MEMBERS",
    "MAX_CHAT_TITLE",
    "USERS_TOO_FEW",
    "USERS_TOO_MUCH",
    "USER_ALREADY_PARTICIPANT",
    "USER_NOT_PARTICIPANT",
    "ChatCreated",
    "ChatService",
    "ChatView",
]

#: Participants a basic group holds at most (Telegram's limit; beyond: migrate).
MAX_CHAT_MEMBERS: Final = 200
#: The longest title, in characters (longer ones are cut, as Telegram does).
MAX_CHAT_TITLE: Final = 128

CHAT_ID_INVALID: Final = "CHAT_ID_INVALID"
CHAT_ADMIN_REQUIRED: Final = "CHAT_ADMIN_REQUIRED"
CHAT_NOT_MODIFIED: Final = "CHAT_NOT_MODIFIED"
CHAT_TITLE_EMPTY: Final = "CHAT_TITLE_EMPTY"
CHAT_WRITE_FORBIDDEN: Final = "CHAT_WRITE_FORBIDDEN"
USERS_TOO_FEW: Final = "USERS_TOO_FEW"
USERS_TOO_MUCH: Final = "USERS_TOO_MUCH"
USER_ALREADY_PARTICIPANT: Final = "USER_ALREADY_PARTICIPANT"
USER_NOT_PARTICIPANT: Final = "USER_NOT_PARTICIPANT"


@attrs.frozen
class ChatView:
    """A chat as one user sees it.

    Attributes:
        chat: The chat.
        participant: The viewer's participation, None when it is not in the chat.
    """

    chat: ChatRecord
    participant: ChatParticipant | None

    @property
    def is_creator(self) -> bool:
        """Whether the viewer created the chat and is still in it."""
        return self.participant is not None and self.chat.creator_id == self.participant.user_id

    @property
    def is_admin(self) -> bool:
        """Whether the viewer is in the chat with admin rights (the creator always is)."""
        return self.participant is not None and (self.participant.admin or self.is_creator)


@attrs.frozen
class ChatCreated:
    """The outcome of :meth:`ChatService.create`: the chat and its first service message."""

    chat: ChatRecord
    participants: tuple[ChatParticipant, ...]
    message: ChatSendResult


def _failed(change: ChatChange) -> RpcError:
    """The error of a store change that was not made."""
    outcome = change.outcome
    if outcome is Membership.ALREADY_PARTICIPANT:
        return bad_request(USER_ALREADY_PARTICIPANT)
    if outcome is Membership.NOT_PARTICIPANT:
        return bad_request(USER_NOT_PARTICIPANT)
    if outcome is Membership.FULL:
        return bad_request(USERS_TOO_MUCH)
    if outcome is Membership.UNCHANGED:
        return bad_request(CHAT_NOT_MODIFIED)
    return bad_request(CHAT_ID_INVALID)


class ChatService:
    """Basic groups over a chat store and the message store, publishing to an event bus.

    Args:
        chats: Chat metadata and participants.
        messages: The message store (group messages are copies in the members' boxes).
        users: Accounts (do the invited users exist).
        bus: Where changes are published after they are stored.
        clock: Unix time.
    """

    def __init__(
        self,
        chats: ChatStore,
        messages: MessageStore,
        users: UserStore,
        bus: EventBus,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = chats
        self.messages = messages
        self._users = users
        self.bus = bus
        self._clock = clock

    def now(self) -> int:
        """Unix time now, in whole seconds."""
        return int(self._clock())

    # -- looking chats up ------------------------------------------------------------------

    async def view(self, viewer_id: int, chat_id: int) -> ChatView:
        """The chat as ``viewer_id`` sees it.

        Raises:
            RpcError: ``CHAT_ID_INVALID`` for a chat that does not exist, or one the viewer
                was never in (nothing of it is in its box).
        """
        chat = await self.store.get_chat(chat_id)
        if chat is None:
            raise bad_request(CHAT_ID_INVALID)
        participant = await self.store.get_participant(chat_id, viewer_id)
        if participant is None and await self.messages.get_dialog(viewer_id, -chat_id) is None:
            raise bad_request(CHAT_ID_INVALID)
        return ChatView(chat, participant)

    async def views(self, viewer_id: int, chat_ids: Sequence[int]) -> list[ChatView]:
        """The chats among ``chat_ids`` the viewer is or was in, in the order asked."""
        found = []
        for chat in await self.store.get_chats(chat_ids):
            participant = await self.store.get_participant(chat.id, viewer_id)
            if participant is None and await self.messages.get_dialog(viewer_id, -chat.id) is None:
                continue
            found.append(ChatView(chat, participant))
        return found

    async def participant_view(self, viewer_id: int, chat_id: int) -> ChatView:
        """The chat of a participant that may act in it.

        Raises:
            RpcError: ``CHAT_ID_INVALID`` (no such chat, or migrated), ``CHAT_WRITE_FORBIDDEN``
                (403: the viewer is not in it).
        """
        view = await self.view(viewer_id, chat_id)
        if view.chat.deactivated:
            raise bad_request(CHAT_ID_INVALID)
        if view.participant is None:
            raise RpcError(403, CHAT_WRITE_FORBIDDEN)
        return view

    async def member_ids(self, chat_id: int) -> list[int]:
        """The user ids of the chat's participants, in joining order."""
        return [p.user_id for p in await self.store.get_participants(chat_id)]

    async def participants(self, viewer_id: int, chat_id: int) -> tuple[ChatParticipant, ...]:
        """The participants, for a participant (``CHAT_ID_INVALID`` / 403 otherwise)."""
        await self.participant_view(viewer_id, chat_id)
        return await self.store.get_participants(chat_id)

    # -- changing chats ----------------------------------------------------------------------

    async def _check_users(self, user_ids: Sequence[int]) -> None:
        for user_id in user_ids:
            if await self._users.get_user(user_id) is None:
                raise bad_request(USER_ID_INVALID)

    async def post_service(
        self,
        sender_id: int,
        chat_id: int,
        action: types.TypeMessageAction,
        members: Sequence[int],
        *,
        origin: Origin | None = None,
    ) -> ChatSendResult:
        """Post a service message to the boxes of ``members`` (and the sender) and publish it."""
        result = await self.messages.send_to_chat(
            NewMessage(
                sender_id=sender_id,
                peer_id=chat_key(chat_id),
                date=self.now(),
                text="",
                action=action.to_bytes(),
            ),
            members,
        )
        await self.publish_send(result, origin)
        return result

    async def publish_send(self, result: ChatSendResult, origin: Origin | None) -> None:
        """Publish a group message: every box that got a copy is told."""
        if result.duplicate:
            return
        mine = result.message
        await self.bus.publish(
            [mine.user_id], BoxEvent(mine.user_id, new_message_entry(mine), (mine,), origin)
        )
        for copy in result.copies:
            await self.bus.publish(
                [copy.user_id], BoxEvent(copy.user_id, new_message_entry(copy), (copy,))
            )

    async def create(
        self,
        creator_id: int,
        title: str,
        user_ids: Sequence[int],
        *,
        origin: Origin | None = None,
    ) -> ChatCreated:
        """Create a basic group with ``user_ids`` (``messages.createChat``) and post
        ``messageActionChatCreate`` to everyone in it.

        Raises:
            RpcError: ``CHAT_TITLE_EMPTY``, ``USERS_TOO_FEW`` (nobody but the creator),
                ``USERS_TOO_MUCH`` (over :data:`MAX_CHAT_MEMBERS`), ``USER_ID_INVALID``.
        """
        title = title.strip()[:MAX_CHAT_TITLE]
        if not title:
            raise bad_request(CHAT_TITLE_EMPTY)
        invited = [u for u in dict.fromkeys(user_ids) if u != creator_id]
        if not invited:
            raise bad_request(USERS_TOO_FEW)
        if len(invited) + 1 > MAX_CHAT_MEMBERS:
            raise bad_request(USERS_TOO_MUCH)
        await self._check_users(invited)
        chat, participants = await self.store.create_chat(
            creator_id, title, invited, date=self.now()
        )
        members = [p.user_id for p in participants]
        action = types.MessageActionChatCreate(title=title, users=members)
        message = await self.post_service(creator_id, chat.id, action, members, origin=origin)
        return ChatCreated(chat, participants, message)

    async def add_user(
        self, actor_id: int, chat_id: int, user_id: int, *, origin: Origin | None = None
    ) -> ChatSendResult:
        """Add ``user_id`` (``messages.addChatUser``); everyone, the new member included,
        gets ``messageActionChatAddUser``.

        Raises:
            RpcError: ``CHAT_ID_INVALID``, 403 ``CHAT_WRITE_FORBIDDEN`` (the actor is not in
                it), ``USER_ID_INVALID``, ``USER_ALREADY_PARTICIPANT``, ``USERS_TOO_MUCH``.
        """
        await self.participant_view(actor_id, chat_id)
        await self._check_users([user_id])
        change = await self.store.add_participant(
            chat_id, user_id, inviter_id=actor_id, date=self.now(), limit=MAX_CHAT_MEMBERS
        )
        if not change.done:
            raise _failed(change)
        action = types.MessageActionChatAddUser(users=[user_id])
        members = await self.member_ids(chat_id)
        return await self.post_service(actor_id, chat_id, action, members, origin=origin)

    async def delete_user(
        self, actor_id: int, chat_id: int, user_id: int, *, origin: Origin | None = None
    ) -> ChatSendResult:
        """Remove ``user_id`` (``messages.deleteChatUser``; ``user_id == actor_id``: leave).

        Everyone who was in the chat, the removed user included, gets
        ``messageActionChatDeleteUser``; the removed user keeps its history.

        Raises:
            RpcError: ``CHAT_ID_INVALID``, 403 ``CHAT_WRITE_FORBIDDEN``,
                ``USER_NOT_PARTICIPANT``, ``CHAT_ADMIN_REQUIRED`` (removing someone else
                without being an admin or the one who invited them; nobody removes the
                creator).
        """
        view = await self.participant_view(actor_id, chat_id)
        if user_id != actor_id:
            target = await self.store.get_participant(chat_id, user_id)
            if target is None:
                raise bad_request(USER_NOT_PARTICIPANT)
            allowed = view.is_admin or target.inviter_id == actor_id
            if not allowed or user_id == view.chat.creator_id:
                raise bad_request(CHAT_ADMIN_REQUIRED)
        members = await self.member_ids(chat_id)
        change = await self.store.remove_participant(chat_id, user_id)
        if not change.done:
            raise _failed(change)
        action = types.MessageActionChatDeleteUser(user_id=user_id)
        return await self.post_service(actor_id, chat_id, action, members, origin=origin)

    async def edit_title(
        self, actor_id: int, chat_id: int, title: str, *, origin: Origin | None = None
    ) -> ChatSendResult:
        """Rename the chat (``messages.editChatTitle``): ``messageActionChatEditTitle``.

        Raises:
            RpcError: ``CHAT_ID_INVALID``, 403 ``CHAT_WRITE_FORBIDDEN``, ``CHAT_TITLE_EMPTY``,
                ``CHAT_NOT_MODIFIED``.
        """
        await self.participant_view(actor_id, chat_id)
        title = title.strip()[:MAX_CHAT_TITLE]
        if not title:
            raise bad_request(CHAT_TITLE_EMPTY)
        change = await self.store.set_title(chat_id, title)
        if not change.done:
            raise _failed(change)
        action = types.MessageActionChatEditTitle(title=title)
        members = await self.member_ids(chat_id)
        return await self.post_service(actor_id, chat_id, action, members, origin=origin)

    async def edit_admin(
        self,
        actor_id: int,
        chat_id: int,
        user_id: int,
        is_admin: bool,
        *,
        origin: Origin | None = None,
    ) -> ChatRecord:
        """Grant or revoke admin rights (``messages.editChatAdmin``; the creator only).

        The members' sessions are told with ``updateChat`` (no service message, as in
        Telegram).

        Raises:
            RpcError: ``CHAT_ID_INVALID``, 403 ``CHAT_WRITE_FORBIDDEN``,
                ``CHAT_ADMIN_REQUIRED`` (not the creator), ``USER_NOT_PARTICIPANT``,
                ``CHAT_NOT_MODIFIED`` (the user has that right already).
        """
        view = await self.participant_view(actor_id, chat_id)
        if not view.is_creator:
            raise bad_request(CHAT_ADMIN_REQUIRED)
        change = await self.store.set_admin(chat_id, user_id, is_admin)
        if not change.done or change.chat is None:
            raise _failed(change)
        date = self.now()
        for member in await self.member_ids(chat_id):
            event = ChatChangedEvent(member, chat_id, date, origin if member == actor_id else None)
            await self.bus.publish([member], event)
        return change.chat

    async def migrate(
        self,
        actor_id: int,
        chat_id: int,
        create_channel: Callable[[ChatRecord, Sequence[ChatParticipant], int], Awaitable[int]],
        *,
        origin: Origin | None = None,
    ) -> tuple[ChatRecord, ChatSendResult]:
        """Move the group to a supergroup (``messages.migrateChat``; the creator only).

        ``create_channel(chat, participants, max_id)`` makes the supergroup (the channel
        services do) and returns its channel id; ``max_id`` is the creator's newest message
        id in the group. The group then gets ``messageActionChatMigrateTo`` and is
        deactivated. Returns the deactivated chat and that service message.

        Raises:
            RpcError: ``CHAT_ID_INVALID``, 403 ``CHAT_WRITE_FORBIDDEN``,
                ``CHAT_ADMIN_REQUIRED`` (not the creator).
        """
        view = await self.participant_view(actor_id, chat_id)
        if not view.is_creator:
            raise bad_request(CHAT_ADMIN_REQUIRED)
        participants = await self.store.get_participants(chat_id)
        dialog = await self.messages.get_dialog(actor_id, chat_key(chat_id))
        max_id = dialog.top_message if dialog is not None else 0
        channel_id = await create_channel(view.chat, participants, max_id)
        members = [p.user_id for p in participants]
        action = types.MessageActionChatMigrateTo(channel_id=channel_id)
        message = await self.post_service(actor_id, chat_id, action, members, origin=origin)
        change = await self.store.migrate(chat_id, channel_id)
        if change.chat is None:  # pragma: no cover - the chat was checked above
            raise _failed(change)
        return change.chat, message
