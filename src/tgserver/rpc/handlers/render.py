"""Message-store records as TL: messages, updates, dialogs, and the peers they mention.

Dialogs are named by peer keys (:mod:`tgserver.peerids`): :func:`tl_peer` turns one into
``peerUser`` / ``peerChat`` / ``peerChannel``; a record with an ``action`` is a
``messageService``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from tgcore.tl import Reader, TLObject, pack_object_vector, types
from tgserver.media import render_media
from tgserver.peerids import PeerKind, channel_key, split_key
from tgserver.rpc.handlers.peers import tl_user
from tgserver.services import UsersService
from tgserver.store.messages import DialogRecord, MessageRecord, UpdateEntry, UpdateKind

__all__ = [
    "decode_object",
    "decode_objects",
    "encode_objects",
    "referenced_peers",
    "referenced_users",
    "tl_dialog",
    "tl_message",
    "tl_peer",
    "tl_update",
    "users_for",
]


def encode_objects(values: Sequence[TLObject] | None) -> bytes | None:
    """A vector of TL objects as stored bytes (None for none)."""
    return pack_object_vector(list(values)) if values else None


def decode_objects(data: bytes | None) -> list[TLObject]:
    """What :func:`encode_objects` stored."""
    if not data:
        return []
    return Reader(data).read_vector(Reader.read_object)


def decode_object(data: bytes | None) -> TLObject | None:
    """One stored TL object (None for none)."""
    return Reader(data).read_object() if data else None


def tl_peer(key: int) -> types.TypePeer:
    """The ``Peer`` a peer key (:mod:`tgserver.peerids`) names."""
    kind, peer_id = split_key(key)
    if kind is PeerKind.USER:
        return types.PeerUser(user_id=peer_id)
    if kind is PeerKind.CHAT:
        return types.PeerChat(chat_id=peer_id)
    return types.PeerChannel(channel_id=peer_id)


def _reply_markup(record: MessageRecord) -> types.TypeReplyMarkup | None:
    markup = decode_object(record.reply_markup)
    if markup is None or markup.SUBCLASS_OF_ID != types.ReplyKeyboardHide.SUBCLASS_OF_ID:
        return None
    return cast(types.TypeReplyMarkup, markup)


def tl_message(record: MessageRecord) -> types.TypeMessage:
    """The ``message`` (``messageService`` for a record with an ``action``) of a stored
    copy, as its box owner sees it."""
    if record.action is not None:
        action = decode_object(record.action)
        if action is not None and action.SUBCLASS_OF_ID == types.MessageActionEmpty.SUBCLASS_OF_ID:
            return types.MessageService(
                out=record.out,
                id=record.id,
                from_id=types.PeerUser(user_id=record.from_id),
                peer_id=tl_peer(record.peer_id),
                date=record.date,
                action=cast(types.TypeMessageAction, action),
            )
    fwd = decode_object(record.fwd_from)
    return types.Message(
        out=record.out,
        id=record.id,
        from_id=types.PeerUser(user_id=record.from_id),
        peer_id=tl_peer(record.peer_id),
        fwd_from=fwd if isinstance(fwd, types.MessageFwdHeader) else None,
        reply_to=(
            types.MessageReplyHeader(reply_to_msg_id=record.reply_to)
            if record.reply_to is not None
            else None
        ),
        date=record.date,
        message=record.text,
        entities=decode_objects(record.entities) or None,  # type: ignore[arg-type]
        media=render_media(record.media, record.user_id),
        edit_date=record.edit_date,
        reply_markup=_reply_markup(record),
        grouped_id=record.grouped_id,
    )


def tl_update(entry: UpdateEntry, messages: dict[int, MessageRecord]) -> types.TypeUpdate | None:
    """The TL update of a log entry (None when its message is gone or the kind is unknown)."""
    kind = entry.kind
    if kind in (UpdateKind.NEW_MESSAGE, UpdateKind.EDIT_MESSAGE):
        record = messages.get(entry.ids[0]) if entry.ids else None
        if record is None:
            return None
        if kind == UpdateKind.NEW_MESSAGE:
            return types.UpdateNewMessage(
                message=tl_message(record), pts=entry.pts, pts_count=entry.pts_count
            )
        return types.UpdateEditMessage(
            message=tl_message(record), pts=entry.pts, pts_count=entry.pts_count
        )
    if kind == UpdateKind.DELETE_MESSAGES:
        return types.UpdateDeleteMessages(
            messages=list(entry.ids), pts=entry.pts, pts_count=entry.pts_count
        )
    if kind == UpdateKind.READ_HISTORY_INBOX:
        return types.UpdateReadHistoryInbox(
            peer=tl_peer(entry.peer_id),
            max_id=entry.max_id,
            still_unread_count=entry.still_unread,
            pts=entry.pts,
            pts_count=entry.pts_count,
        )
    if kind == UpdateKind.READ_HISTORY_OUTBOX:
        return types.UpdateReadHistoryOutbox(
            peer=tl_peer(entry.peer_id),
            max_id=entry.max_id,
            pts=entry.pts,
            pts_count=entry.pts_count,
        )
    return None


def tl_dialog(dialog: DialogRecord) -> types.Dialog:
    """The ``dialog`` constructor of a dialog record."""
    return types.Dialog(
        pinned=dialog.pinned,
        peer=tl_peer(dialog.peer_id),
        top_message=dialog.top_message,
        read_inbox_max_id=dialog.read_inbox_max_id,
        read_outbox_max_id=dialog.read_outbox_max_id,
        unread_count=dialog.unread_count,
        unread_mentions_count=0,
        unread_reactions_count=0,
        unread_poll_votes_count=0,
        notify_settings=types.PeerNotifySettings(),
    )


def _action_users(record: MessageRecord) -> list[int]:
    """The users a service message's action names (added, removed, the first members)."""
    action = decode_object(record.action)
    if isinstance(action, types.MessageActionChatCreate | types.MessageActionChatAddUser):
        return list(action.users)
    if isinstance(action, types.MessageActionChatDeleteUser):
        return [action.user_id]
    return []


def referenced_users(
    messages: Iterable[MessageRecord], entries: Iterable[UpdateEntry] = ()
) -> list[int]:
    """Every user id the messages and entries mention, in first-seen order."""
    ids: dict[int, None] = {}
    for record in messages:
        if record.peer_id > 0:
            ids[record.peer_id] = None
        ids[record.from_id] = None
        fwd = decode_object(record.fwd_from)
        if isinstance(fwd, types.MessageFwdHeader) and isinstance(fwd.from_id, types.PeerUser):
            ids[fwd.from_id.user_id] = None
        if record.action is not None:
            ids.update(dict.fromkeys(_action_users(record)))
    for entry in entries:
        if entry.peer_id > 0:
            ids[entry.peer_id] = None
    return list(ids)


def referenced_peers(
    messages: Iterable[MessageRecord], entries: Iterable[UpdateEntry] = ()
) -> list[int]:
    """Every group or channel peer key (negative) the messages and entries mention (their
    dialogs, forward origins), in first-seen order: what a ``chats`` vector must hold."""
    keys: dict[int, None] = {}
    for record in messages:
        if record.peer_id < 0:
            keys[record.peer_id] = None
        fwd = decode_object(record.fwd_from)
        if isinstance(fwd, types.MessageFwdHeader) and isinstance(fwd.from_id, types.PeerChannel):
            keys[channel_key(fwd.from_id.channel_id)] = None
        if record.action is not None:
            action = decode_object(record.action)
            if isinstance(action, types.MessageActionChatMigrateTo):
                keys[channel_key(action.channel_id)] = None
    for entry in entries:
        if entry.peer_id < 0:
            keys[entry.peer_id] = None
    return list(keys)


async def users_for(
    users: UsersService, viewer_id: int, user_ids: Sequence[int]
) -> list[types.TypeUser]:
    """The users (as ``viewer_id`` sees them, with its access hashes) of ``user_ids``."""
    return [tl_user(v) for v in await users.views(viewer_id, list(user_ids))]
