"""Channel records as TL: ``channel``, channel messages, participants, ``channelFull``,
dialogs and the pts-carrying channel updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from tgcore.tl import Reader, types
from tgserver.media import render_media
from tgserver.rpc.handlers.render import decode_object, decode_objects
from tgserver.services.channels import ChannelAccess, ChannelDialogView, ChannelFullView
from tgserver.store.channels import ChannelMessage, ChannelRecord, MemberRecord, MemberRole

__all__ = [
    "ADMIN_RIGHT_FLAGS",
    "BANNED_RIGHT_FLAGS",
    "admin_rights_bits",
    "banned_rights_bits",
    "channel_peer",
    "tl_admin_rights",
    "tl_banned_rights",
    "tl_channel",
    "tl_channel_dialog",
    "tl_channel_full",
    "tl_channel_message",
    "tl_participant",
    "users_of_messages",
]

#: ``chatAdminRights`` flag names and their bits.
ADMIN_RIGHT_FLAGS: Final = {
    "change_info": 0,
    "post_messages": 1,
    "edit_messages": 2,
    "delete_messages": 3,
    "ban_users": 4,
    "invite_users": 5,
    "pin_messages": 7,
    "add_admins": 9,
    "anonymous": 10,
    "manage_call": 11,
    "other": 12,
}
#: ``chatBannedRights`` flag names and their bits.
BANNED_RIGHT_FLAGS: Final = {
    "view_messages": 0,
    "send_messages": 1,
    "send_media": 2,
    "send_stickers": 3,
    "send_gifs": 4,
    "send_games": 5,
    "send_inline": 6,
    "embed_links": 7,
    "send_polls": 8,
    "change_info": 10,
    "invite_users": 15,
    "pin_messages": 17,
    "send_photos": 19,
    "send_videos": 20,
    "send_audios": 22,
    "send_voices": 23,
    "send_docs": 24,
    "send_plain": 25,
}


def admin_rights_bits(rights: types.TypeChatAdminRights) -> int:
    """The bit set of a ``chatAdminRights``."""
    return sum(1 << bit for name, bit in ADMIN_RIGHT_FLAGS.items() if getattr(rights, name))


def banned_rights_bits(rights: types.TypeChatBannedRights) -> int:
    """The bit set of a ``chatBannedRights`` (``until_date`` apart)."""
    return sum(1 << bit for name, bit in BANNED_RIGHT_FLAGS.items() if getattr(rights, name))


def tl_admin_rights(bits: int) -> types.ChatAdminRights:
    """The ``chatAdminRights`` of a bit set."""
    return types.ChatAdminRights(
        **{name: bool(bits >> bit & 1) for name, bit in ADMIN_RIGHT_FLAGS.items()}
    )


def tl_banned_rights(bits: int, until_date: int = 0) -> types.ChatBannedRights:
    """The ``chatBannedRights`` of a bit set."""
    return types.ChatBannedRights(
        until_date=until_date,
        **{name: bool(bits >> bit & 1) for name, bit in BANNED_RIGHT_FLAGS.items()},
    )


def channel_peer(channel_id: int) -> types.PeerChannel:
    """``peerChannel``."""
    return types.PeerChannel(channel_id=channel_id)


def tl_channel(
    access: ChannelAccess, viewer_id: int, channel: ChannelRecord, member: MemberRecord | None
) -> types.Channel:
    """The ``channel`` constructor as ``viewer_id`` (with ``member`` as its row) sees it."""
    active = member is not None and member.active
    admin_rights = None
    banned_rights = None
    if member is not None and member.role == MemberRole.CREATOR:
        admin_rights = tl_admin_rights((1 << 13) - 1)
    elif member is not None and member.role == MemberRole.ADMIN:
        admin_rights = tl_admin_rights(member.admin_rights)
    elif member is not None and member.role in (MemberRole.RESTRICTED, MemberRole.KICKED):
        banned_rights = tl_banned_rights(member.banned_rights, member.until_date)
    return types.Channel(
        creator=member is not None and member.role == MemberRole.CREATOR,
        left=not active,
        broadcast=not channel.megagroup,
        megagroup=channel.megagroup,
        id=channel.id,
        access_hash=access.hash_for(viewer_id, channel.id),
        title=channel.title,
        username=channel.username,
        photo=types.ChatPhotoEmpty(),
        date=member.date if active and member is not None else channel.date,
        admin_rights=admin_rights,
        banned_rights=banned_rights,
        participants_count=channel.participants_count,
    )


def tl_channel_message(message: ChannelMessage, viewer_id: int) -> types.TypeMessage:
    """A channel message (``message`` or ``messageService``) as ``viewer_id`` sees it."""
    peer = channel_peer(message.channel_id)
    author: types.TypePeer | None = (
        None if message.post else types.PeerUser(user_id=message.from_id)
    )
    out = message.from_id == viewer_id
    if message.action is not None:
        action = Reader(message.action).read_object()
        return types.MessageService(
            out=out,
            post=message.post,
            id=message.id,
            from_id=author,
            peer_id=peer,
            date=message.date,
            action=action,  # type: ignore[arg-type]
        )
    fwd = decode_object(message.fwd_from)
    return types.Message(
        out=out,
        post=message.post,
        id=message.id,
        from_id=author,
        peer_id=peer,
        fwd_from=fwd if isinstance(fwd, types.MessageFwdHeader) else None,
        reply_to=(
            types.MessageReplyHeader(reply_to_msg_id=message.reply_to)
            if message.reply_to is not None
            else None
        ),
        date=message.date,
        message=message.text,
        media=render_media(message.media, viewer_id),
        entities=decode_objects(message.entities) or None,  # type: ignore[arg-type]
        edit_date=message.edit_date,
        reply_markup=decode_object(message.reply_markup),  # type: ignore[arg-type]
    )


def users_of_messages(messages: Iterable[ChannelMessage]) -> list[int]:
    """The user ids channel messages mention (authors of non-posts, users in actions)."""
    ids: dict[int, None] = {}
    for m in messages:
        if not m.post:
            ids[m.from_id] = None
        if m.action is not None:
            action = Reader(m.action).read_object()
            if isinstance(action, types.MessageActionChatAddUser):
                ids.update(dict.fromkeys(action.users))
            elif isinstance(action, types.MessageActionChatDeleteUser):
                ids[action.user_id] = None
        fwd = decode_object(m.fwd_from)
        if isinstance(fwd, types.MessageFwdHeader) and isinstance(fwd.from_id, types.PeerUser):
            ids[fwd.from_id.user_id] = None
    return list(ids)


def tl_participant(member: MemberRecord, viewer_id: int) -> types.TypeChannelParticipant:
    """A member row as a ``ChannelParticipant``."""
    if member.role == MemberRole.CREATOR:
        return types.ChannelParticipantCreator(
            user_id=member.user_id, admin_rights=tl_admin_rights((1 << 13) - 1), rank=member.rank
        )
    if member.role == MemberRole.ADMIN:
        return types.ChannelParticipantAdmin(
            self=member.user_id == viewer_id,
            can_edit=True,
            user_id=member.user_id,
            inviter_id=member.inviter_id if member.user_id == viewer_id else None,
            promoted_by=member.inviter_id,
            date=member.date,
            admin_rights=tl_admin_rights(member.admin_rights),
            rank=member.rank,
        )
    if member.role in (MemberRole.RESTRICTED, MemberRole.KICKED):
        return types.ChannelParticipantBanned(
            left=member.role == MemberRole.KICKED,
            peer=types.PeerUser(user_id=member.user_id),
            kicked_by=member.inviter_id,
            date=member.date,
            banned_rights=tl_banned_rights(member.banned_rights, member.until_date),
        )
    if member.role == MemberRole.LEFT:
        return types.ChannelParticipantLeft(peer=types.PeerUser(user_id=member.user_id))
    if member.user_id == viewer_id:
        return types.ChannelParticipantSelf(
            user_id=member.user_id, inviter_id=member.inviter_id, date=member.date
        )
    return types.ChannelParticipant(user_id=member.user_id, date=member.date)


def tl_channel_full(full: ChannelFullView) -> types.ChannelFull:
    """``channelFull`` of a full view."""
    channel = full.channel
    member = full.member
    admin = member is not None and member.role in (MemberRole.CREATOR, MemberRole.ADMIN)
    return types.ChannelFull(
        can_view_participants=channel.megagroup or admin,
        can_set_username=admin,
        id=channel.id,
        about=channel.about,
        participants_count=channel.participants_count,
        admins_count=full.admins_count,
        kicked_count=full.kicked_count if admin else None,
        banned_count=full.banned_count if admin else None,
        read_inbox_max_id=member.read_inbox_max_id if member is not None else channel.top_message,
        read_outbox_max_id=channel.read_max_id,
        unread_count=full.unread_count,
        chat_photo=types.PhotoEmpty(id=0),
        notify_settings=types.PeerNotifySettings(),
        bot_info=[],
        migrated_from_chat_id=channel.migrated_from_chat_id or None,
        migrated_from_max_id=channel.migrated_from_max_id
        if channel.migrated_from_chat_id
        else None,
        pts=channel.pts,
    )


def tl_channel_dialog(view: ChannelDialogView) -> types.Dialog:
    """A member's ``dialog`` with a channel (``pts`` set, as Telegram does for channels)."""
    channel = view.channel
    return types.Dialog(
        peer=channel_peer(channel.id),
        top_message=view.top.id if view.top is not None else 0,
        read_inbox_max_id=view.member.read_inbox_max_id,
        read_outbox_max_id=channel.read_max_id,
        unread_count=view.unread_count,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        notify_settings=types.PeerNotifySettings(),
        pts=channel.pts,
    )
