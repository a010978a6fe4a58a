"""``channels.*``: supergroups and broadcast channels (TL <-> the channel services)."""

from __future__ import annotations

from typing import Any, Final

from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.channel_common import (
    ChannelRendering,
    accepting_input_peers,
    input_channel_id,
)
from tgserver.rpc.handlers.channel_render import (
    admin_rights_bits,
    banned_rights_bits,
    channel_peer,
    tl_channel_full,
    tl_channel_message,
    tl_participant,
)
from tgserver.rpc.handlers.messages import origin_of
from tgserver.rpc.handlers.peers import input_peer_user_id, input_user_id
from tgserver.services import bad_request
from tgserver.services.channels import ChannelServices
from tgserver.store.channels import ChannelMessage, ChannelRecord, MemberFilter

__all__ = ["MAX_GET_CHANNELS", "ChannelHandlers"]

#: Channels one ``channels.getChannels`` may name.
MAX_GET_CHANNELS: Final = 200

_FILTERS: Final = {
    types.ChannelParticipantsRecent: MemberFilter.RECENT,
    types.ChannelParticipantsAdmins: MemberFilter.ADMINS,
    types.ChannelParticipantsKicked: MemberFilter.KICKED,
    types.ChannelParticipantsBanned: MemberFilter.BANNED,
    types.ChannelParticipantsSearch: MemberFilter.RECENT,
}


class ChannelHandlers:
    """createChannel, inviteToChannel, joinChannel, leaveChannel, getParticipants,
    getParticipant, getFullChannel, getChannels, editAdmin, editBanned, editTitle,
    checkUsername, updateUsername, deleteMessages, readHistory, getMessages."""

    def __init__(self, services: ChannelServices) -> None:
        self._services = services
        self._channels = services.channels
        self._messaging = services.messaging
        self._users = services.accounts.users
        self.render = ChannelRendering(services)

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        c = functions.channels
        add = self._add(dispatcher)
        add(c.CreateChannel, self.create_channel)
        add(c.InviteToChannel, self.invite_to_channel)
        add(c.JoinChannel, self.join_channel)
        add(c.LeaveChannel, self.leave_channel)
        add(c.GetParticipants, self.get_participants)
        add(c.GetParticipant, self.get_participant)
        add(c.GetFullChannel, self.get_full_channel)
        add(c.GetChannels, self.get_channels)
        add(c.EditAdmin, self.edit_admin)
        add(c.EditBanned, self.edit_banned)
        add(c.EditTitle, self.edit_title)
        add(c.CheckUsername, self.check_username)
        add(c.UpdateUsername, self.update_username)
        add(c.DeleteMessages, self.delete_messages)
        add(c.ReadHistory, self.read_history)
        add(c.GetMessages, self.get_messages)

    async def resolve_username(self, me: int, username: str) -> types.contacts.ResolvedPeer | None:
        """contacts.resolveUsername's channel branch: the channel with this public username."""
        channel = await self._channels.resolve(username)
        if channel is None:
            return None
        return types.contacts.ResolvedPeer(
            peer=channel_peer(channel.id),
            chats=[await self.render.chat(me, channel)],
            users=[],
        )

    @staticmethod
    def _add(dispatcher: Dispatcher) -> Any:
        def add(request_type: Any, handler: Any) -> None:
            dispatcher.add(accepting_input_peers(request_type), handler)

        return add

    def _id(self, me: int, channel: types.TypeInputChannel | types.TypeInputPeer) -> int:
        return input_channel_id(self._services, me, channel)

    async def updates(
        self,
        me: int,
        channel: ChannelRecord,
        updates: list[types.TypeUpdate],
        messages: list[ChannelMessage],
        extra_users: tuple[int, ...] = (),
    ) -> types.Updates:
        """An ``updates`` envelope with the channel and users as ``me`` sees them."""
        return types.Updates(
            updates=updates,
            users=await self.render.message_users(me, messages, [me, *extra_users]),
            chats=[await self.render.chat(me, channel)],
            date=self._messaging.now(),
            seq=0,
        )

    async def message_updates(
        self,
        me: int,
        channel: ChannelRecord,
        message: ChannelMessage | None,
        extra_users: tuple[int, ...] = (),
    ) -> types.Updates:
        """``updateChannel`` plus ``updateNewChannelMessage`` of ``message`` (if any)."""
        updates: list[types.TypeUpdate] = [types.UpdateChannel(channel_id=channel.id)]
        messages: list[ChannelMessage] = []
        if message is not None:
            messages.append(message)
            updates.append(
                types.UpdateNewChannelMessage(
                    message=tl_channel_message(message, me), pts=message.pts, pts_count=1
                )
            )
        return await self.updates(me, channel, updates, messages, extra_users)

    # -- lifecycle and membership ----------------------------------------------------------------

    async def create_channel(
        self, ctx: RequestContext, request: functions.channels.CreateChannel
    ) -> types.Updates:
        """channels.createChannel (``megagroup``: a supergroup; else a broadcast channel)."""
        me = require_user(ctx)
        created = await self._channels.create(
            me,
            request.title,
            request.about,
            megagroup=bool(request.megagroup) or not request.broadcast,
            origin=origin_of(ctx),
        )
        return await self.message_updates(me, created.channel, created.message)

    async def invite_to_channel(
        self, ctx: RequestContext, request: functions.channels.InviteToChannel
    ) -> types.messages.InvitedUsers:
        """channels.inviteToChannel."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        ids = [await input_user_id(self._users, me, u) for u in request.users]
        channel, added, message = await self._channels.invite(
            me, channel_id, ids, origin=origin_of(ctx)
        )
        updates = await self.message_updates(me, channel, message, added)
        return types.messages.InvitedUsers(updates=updates, missing_invitees=[])

    async def join_channel(
        self, ctx: RequestContext, request: functions.channels.JoinChannel
    ) -> types.messages.ChatInviteJoinResultOk:
        """channels.joinChannel of a public channel."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        channel, message = await self._channels.join(me, channel_id, origin=origin_of(ctx))
        updates = await self.message_updates(me, channel, message)
        return types.messages.ChatInviteJoinResultOk(updates=updates)

    async def leave_channel(
        self, ctx: RequestContext, request: functions.channels.LeaveChannel
    ) -> types.Updates:
        """channels.leaveChannel."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        channel, message = await self._channels.leave(me, channel_id, origin=origin_of(ctx))
        return await self.message_updates(me, channel, message)

    async def edit_admin(
        self, ctx: RequestContext, request: functions.channels.EditAdmin
    ) -> types.Updates:
        """channels.editAdmin (empty rights: demote)."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        target = await input_user_id(self._users, me, request.user_id)
        await self._channels.edit_admin(
            me,
            channel_id,
            target,
            admin_rights_bits(request.admin_rights),
            rank=request.rank,
            origin=origin_of(ctx),
        )
        channel = await self._services.access.get(channel_id)
        return await self.message_updates(me, channel, None, (target,))

    async def edit_banned(
        self, ctx: RequestContext, request: functions.channels.EditBanned
    ) -> types.Updates:
        """channels.editBanned (``view_messages``: ban; other rights: restrict; none: free)."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        target = await input_peer_user_id(self._users, me, request.participant)
        _, message = await self._channels.edit_banned(
            me,
            channel_id,
            target,
            banned_rights_bits(request.banned_rights),
            until_date=request.banned_rights.until_date,
            origin=origin_of(ctx),
        )
        channel = await self._services.access.get(channel_id)
        return await self.message_updates(me, channel, message, (target,))

    async def edit_title(
        self, ctx: RequestContext, request: functions.channels.EditTitle
    ) -> types.Updates:
        """channels.editTitle."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        channel, message = await self._channels.edit_title(
            me, channel_id, request.title, origin=origin_of(ctx)
        )
        return await self.message_updates(me, channel, message)

    async def check_username(
        self, ctx: RequestContext, request: functions.channels.CheckUsername
    ) -> bytes:
        """channels.checkUsername."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        return pack_bool(await self._channels.check_username(me, channel_id, request.username))

    async def update_username(
        self, ctx: RequestContext, request: functions.channels.UpdateUsername
    ) -> bytes:
        """channels.updateUsername (empty: the channel becomes private)."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        await self._channels.update_username(
            me, channel_id, request.username, origin=origin_of(ctx)
        )
        return pack_bool(True)

    # -- reading ---------------------------------------------------------------------------------

    async def get_participants(
        self, ctx: RequestContext, request: functions.channels.GetParticipants
    ) -> TLObject:
        """channels.getParticipants: recent, admins, kicked, banned, search (paged)."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        member_filter = _FILTERS.get(type(request.filter))
        if member_filter is None:
            # Bots, contacts, mentions: nobody matches (there are no bots in channels yet).
            channel = await self._services.access.get(channel_id)
            return types.channels.ChannelParticipants(
                count=0, participants=[], chats=[await self.render.chat(me, channel)], users=[]
            )
        query = getattr(request.filter, "q", "") or ""
        page = await self._services.members.participants(
            me,
            channel_id,
            member_filter,
            query=query,
            offset=request.offset,
            limit=request.limit,
        )
        channel = await self._services.access.get(channel_id)
        return types.channels.ChannelParticipants(
            count=page.count,
            participants=[tl_participant(m, me) for m in page.members],
            chats=[await self.render.chat(me, channel)],
            users=await self.render.users(me, [m.user_id for m in page.members]),
        )

    async def get_participant(
        self, ctx: RequestContext, request: functions.channels.GetParticipant
    ) -> types.channels.ChannelParticipant:
        """channels.getParticipant."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        target = await input_peer_user_id(self._users, me, request.participant)
        row = await self._services.members.participant(me, channel_id, target)
        channel = await self._services.access.get(channel_id)
        return types.channels.ChannelParticipant(
            participant=tl_participant(row, me),
            chats=[await self.render.chat(me, channel)],
            users=await self.render.users(me, [target]),
        )

    async def get_full_channel(
        self, ctx: RequestContext, request: functions.channels.GetFullChannel
    ) -> types.messages.ChatFull:
        """channels.getFullChannel."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        full = await self._services.members.full(me, channel_id)
        return types.messages.ChatFull(
            full_chat=tl_channel_full(full),
            chats=[await self.render.chat(me, full.channel)],
            users=await self.render.users(me, [me]),
        )

    async def get_channels(
        self, ctx: RequestContext, request: functions.channels.GetChannels
    ) -> types.messages.Chats:
        """channels.getChannels: the named channels (unknown or wrong hashes left out)."""
        me = require_user(ctx)
        if len(request.id) > MAX_GET_CHANNELS:
            raise bad_request("LIMIT_INVALID")
        ids: list[int] = []
        for item in request.id:
            if isinstance(item, types.InputChannel) and self._services.access.check(
                me, item.channel_id, item.access_hash
            ):
                ids.append(item.channel_id)
        found = await self._services.access.store.get_channels(ids)
        return types.messages.Chats(
            chats=await self.render.chats(me, [found[i] for i in ids if i in found])
        )

    async def get_messages(
        self, ctx: RequestContext, request: functions.channels.GetMessages
    ) -> types.messages.ChannelMessages:
        """channels.getMessages: the asked ids in order, ``messageEmpty`` for missing ones."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        ids = [m.id for m in request.id if isinstance(m, types.InputMessageID)]
        channel, found = await self._messaging.get_messages(me, channel_id, ids)
        by_id = {m.id: m for m in found}
        return types.messages.ChannelMessages(
            pts=channel.pts,
            count=len(found),
            messages=[
                tl_channel_message(by_id[i], me)
                if i in by_id
                else types.MessageEmpty(id=i, peer_id=channel_peer(channel_id))
                for i in ids
            ],
            topics=[],
            chats=[await self.render.chat(me, channel)],
            users=await self.render.message_users(me, found),
        )

    # -- changing messages -----------------------------------------------------------------------

    async def delete_messages(
        self, ctx: RequestContext, request: functions.channels.DeleteMessages
    ) -> types.messages.AffectedMessages:
        """channels.deleteMessages (for everyone); the answer carries the channel's pts."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        result = await self._messaging.delete(me, channel_id, request.id, origin=origin_of(ctx))
        count = 0 if result.entry is None else result.entry.pts_count
        return types.messages.AffectedMessages(pts=result.pts, pts_count=count)

    async def read_history(
        self, ctx: RequestContext, request: functions.channels.ReadHistory
    ) -> bytes:
        """channels.readHistory: the member's read pointer moves up."""
        me = require_user(ctx)
        channel_id = self._id(me, request.channel)
        await self._messaging.read(me, channel_id, request.max_id, origin=origin_of(ctx))
        return pack_bool(True)
