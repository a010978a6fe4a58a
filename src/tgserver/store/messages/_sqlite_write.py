"""The store's write operations as run in the acting user's shard (blocking).

Each function runs inside the shard's batch transaction. What it changes in the acting box
commits together with either the change to the other box (same shard) or an outbox row
(other shard), which the caller then applies there: ``pending`` in the results.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

import attrs

from tgserver.store._history import unique_ids
from tgserver.store.messages import _sqlite_rows as rows
from tgserver.store.messages._outbox import Delete, Pending, Put, ReadOutbox, decode
from tgserver.store.messages._paging import own_copy, pinned_orders
from tgserver.store.messages._sqlite_apply import (
    Applied,
    Placement,
    add_message,
    log,
    remove_messages,
    send_or_apply,
)
from tgserver.store.messages.records import (
    BoxUpdate,
    CopyChange,
    MessageRecord,
    NewMessage,
    UpdateEntry,
    UpdateKind,
)

__all__: list[str] = []


@attrs.frozen
class LocalSend:
    """``send``'s outcome in the sender's shard."""

    message: MessageRecord
    peer_message: MessageRecord | None
    duplicate: bool
    pending: tuple[Pending, ...] = ()


@attrs.frozen
class LocalChatSend:
    """``send_to_chat``'s outcome in the sender's shard: copies made here, deliveries queued."""

    message: MessageRecord
    copies: tuple[MessageRecord, ...]
    duplicate: bool
    pending: tuple[Pending, ...] = ()


@attrs.frozen
class LocalEdit:
    """``edit``'s outcome in the editor's shard."""

    message: MessageRecord
    entry: UpdateEntry
    peer: Applied
    pending: tuple[Pending, ...] = ()
    copies: tuple[CopyChange, ...] = ()


@attrs.frozen
class LocalChange:
    """A delete or read in the acting shard: own entry, same-shard peer entries, pending."""

    pts: int
    entry: UpdateEntry | None
    peers: tuple[BoxUpdate, ...] = ()
    pending: tuple[Pending, ...] = ()
    max_id: int = 0
    still_unread: int = 0


def delivery(message: MessageRecord, conn: sqlite3.Connection, *, version: int = 0) -> Put:
    """The operation that creates (or refreshes) the recipient's copy of ``message``."""
    reply_key = None
    if message.reply_to is not None:
        replied = rows.find_message(conn, message.user_id, message.reply_to)
        if replied is not None:
            reply_key = (replied[0].origin_user_id, replied[0].origin_id)
    return Put(
        target=message.peer_id,
        origin_user=message.origin_user_id,
        origin_id=message.origin_id,
        version=version,
        create=True,
        from_id=message.from_id,
        date=message.date,
        text=message.text,
        entities=message.entities,
        media=message.media,
        fwd_from=message.fwd_from,
        reply_key=reply_key,
        edit_date=message.edit_date,
        reply_markup=message.reply_markup,
        action=message.action,
        grouped_id=message.grouped_id,
    )


def pending_for(conn: sqlite3.Connection, origin_user: int, origin_id: int) -> list[Pending]:
    """Outbox rows still held for the message with this origin, oldest first."""
    found = conn.execute(
        "SELECT seq, op FROM outbox WHERE origin_user = ? AND origin_id = ? ORDER BY seq",
        (origin_user, origin_id),
    ).fetchall()
    return [Pending(seq, decode(op)) for seq, op in found]


def _first_send(conn: sqlite3.Connection, new: NewMessage) -> MessageRecord | None:
    """The sender's earlier message with the same random_id, if any."""
    if new.random_id is None:
        return None
    row = conn.execute(
        f"{rows.SELECT_MESSAGE} WHERE owner = ? AND random_id = ?",
        (new.sender_id, new.random_id),
    ).fetchone()
    return None if row is None else rows.message(row)


def _changed(applied: Applied) -> CopyChange | None:
    if applied.message is None or applied.update is None:
        return None
    return CopyChange(applied.message, applied.update.entry)


def send_to_chat(
    conn: sqlite3.Connection, new: NewMessage, members: Sequence[int], place: Placement
) -> LocalChatSend:
    """Store the sender's copy of a group message; copy it to the members here or queue
    the deliveries to other shards (one outbox row per member)."""
    first = _first_send(conn, new)
    if first is not None:
        # Deliveries a failure left behind go out again (the caller applies them).
        return LocalChatSend(first, (), True, tuple(pending_for(conn, first.user_id, first.id)))
    own, _ = add_message(conn, own_copy(new, reply_to=new.reply_to), 0)
    made: list[MessageRecord] = []
    queued: list[Pending] = []
    base = delivery(own, conn)
    for member in sorted(members):
        applied = send_or_apply(conn, attrs.evolve(base, target=member, peer=new.peer_id), place,
                                queued)  # fmt: skip
        if applied.message is not None:
            made.append(applied.message)
    return LocalChatSend(own, tuple(made), False, tuple(queued))


def send(conn: sqlite3.Connection, new: NewMessage, place: Placement) -> LocalSend:
    """Store the sender's copy; deliver in the same shard or queue the delivery."""
    first = _first_send(conn, new)
    if first is not None:
        peer_message = None
        pending: list[Pending] = []
        if first.peer_id != first.user_id:
            if place.local(first.peer_id):
                found = rows.find_by_origin(conn, first.peer_id, first.user_id, first.id)
                peer_message = None if found is None else found[0]
            else:
                pending = pending_for(conn, first.user_id, first.id)
        return LocalSend(first, peer_message, True, tuple(pending))
    own, _ = add_message(conn, own_copy(new, reply_to=new.reply_to), 0)
    if new.peer_id == new.sender_id:
        return LocalSend(own, None, False)
    queued: list[Pending] = []
    applied = send_or_apply(conn, delivery(own, conn), place, queued)
    return LocalSend(own, applied.message, False, tuple(queued))


def edit(
    conn: sqlite3.Connection,
    owner: int,
    message_id: int,
    *,
    text: str,
    entities: bytes | None,
    edit_date: int,
    reply_markup: bytes | None = None,
    members: Sequence[int] = (),
    place: Placement,
) -> LocalEdit | None:
    """Edit an outgoing message; the peer's copy is updated here or through the outbox."""
    found = rows.find_message(conn, owner, message_id)
    if found is None or not found[0].out:
        return None
    current, version = found
    conn.execute(
        "UPDATE messages SET text = ?, entities = ?, edit_date = ?, reply_markup = ?, "
        "version = ? WHERE owner = ? AND id = ?",
        (text, entities, edit_date, reply_markup, version + 1, owner, message_id),
    )
    entry = log(
        conn, owner, UpdateKind.EDIT_MESSAGE, edit_date, peer_id=current.peer_id,
        ids=(message_id,),
    )  # fmt: skip
    edited = attrs.evolve(
        current, text=text, entities=entities, edit_date=edit_date, reply_markup=reply_markup
    )
    if current.peer_id == owner:
        return LocalEdit(edited, entry, Applied())
    op = attrs.evolve(delivery(edited, conn, version=version + 1), create=False)
    queued: list[Pending] = []
    if current.peer_id < 0:
        copies = []
        for member in sorted(set(members) - {owner}):
            member_op = attrs.evolve(op, target=member, peer=current.peer_id)
            change = _changed(send_or_apply(conn, member_op, place, queued))
            if change is not None:
                copies.append(change)
        return LocalEdit(edited, entry, Applied(), tuple(queued), tuple(copies))
    applied = send_or_apply(conn, op, place, queued)
    return LocalEdit(edited, entry, applied, tuple(queued))


def delete(
    conn: sqlite3.Connection,
    owner: int,
    message_ids: Sequence[int],
    *,
    revoke: bool,
    date: int,
    members: Mapping[int, Sequence[int]] | None = None,
    place: Placement,
) -> LocalChange:
    """Delete from ``owner``'s box; with ``revoke``, from the peers' (and the group
    members') boxes too."""
    doomed = []
    for message_id in unique_ids(message_ids):
        found = rows.find_message(conn, owner, message_id)
        if found is not None:
            doomed.append(found[0])
    if not doomed:
        return LocalChange(rows.box_pts(conn, owner), None)
    ids = remove_messages(conn, owner, doomed, place)
    entry = log(conn, owner, UpdateKind.DELETE_MESSAGES, date, pts_count=len(ids), ids=ids)
    peers: list[BoxUpdate] = []
    queued: list[Pending] = []
    if revoke:
        keys: dict[int, list[tuple[int, int]]] = {}
        for message in doomed:
            key = (message.origin_user_id, message.origin_id)
            if message.peer_id < 0:
                for member in (members or {}).get(message.peer_id, ()):
                    if member != owner:
                        keys.setdefault(member, []).append(key)
            elif message.peer_id != owner:
                keys.setdefault(message.peer_id, []).append(key)
        for peer_id in sorted(keys):
            op = Delete(target=peer_id, keys=tuple(keys[peer_id]), date=date)
            applied = send_or_apply(conn, op, place, queued)
            if applied.update is not None:
                peers.append(applied.update)
    return LocalChange(entry.pts, entry, tuple(peers), tuple(queued))


def read(
    conn: sqlite3.Connection, owner: int, peer_id: int, max_id: int, *, date: int, place: Placement
) -> LocalChange:
    """Move ``read_inbox_max_id``; the peer's ``read_outbox_max_id`` follows."""
    dialog = rows.find_dialog(conn, owner, peer_id)
    pts = rows.box_pts(conn, owner)
    if dialog is None:
        return LocalChange(pts, None)
    target = dialog.top_message if max_id <= 0 else min(max_id, dialog.top_message)
    if target <= dialog.read_inbox_max_id:
        return LocalChange(
            pts, None, max_id=dialog.read_inbox_max_id, still_unread=dialog.unread_count
        )
    if peer_id < 0:
        return _read_group(conn, owner, peer_id, dialog.read_inbox_max_id, target, date, place)
    origin_max, unread = conn.execute(
        "SELECT COALESCE(MAX(CASE WHEN id <= :t THEN origin_id END), 0), "
        "COUNT(CASE WHEN id > :t THEN 1 END) "
        "FROM messages WHERE owner = :o AND peer = :p AND out = 0 AND id > :r",
        {"o": owner, "p": peer_id, "t": target, "r": dialog.read_inbox_max_id},
    ).fetchone()
    conn.execute(
        "UPDATE dialogs SET read_inbox_max_id = ?, unread_count = ? WHERE owner = ? AND peer = ?",
        (target, unread, owner, peer_id),
    )
    entry = log(
        conn, owner, UpdateKind.READ_HISTORY_INBOX, date, peer_id=peer_id, max_id=target,
        still_unread=unread,
    )  # fmt: skip
    peers: list[BoxUpdate] = []
    queued: list[Pending] = []
    if peer_id != owner and origin_max:
        op = ReadOutbox(target=peer_id, reader=owner, max_id=origin_max, date=date)
        applied = send_or_apply(conn, op, place, queued)
        if applied.update is not None:
            peers.append(applied.update)
    return LocalChange(entry.pts, entry, tuple(peers), tuple(queued), target, unread)


def _read_group(
    conn: sqlite3.Connection,
    owner: int,
    chat: int,
    read_before: int,
    target: int,
    date: int,
    place: Placement,
) -> LocalChange:
    """Read a basic group up to ``target``: each author hears of its newest message read."""
    newest = conn.execute(
        "SELECT origin_user, MAX(origin_id) FROM messages "
        "WHERE owner = ? AND peer = ? AND out = 0 AND id > ? AND id <= ? "
        "GROUP BY origin_user ORDER BY origin_user",
        (owner, chat, read_before, target),
    ).fetchall()
    unread = conn.execute(
        "SELECT count(*) FROM messages WHERE owner = ? AND peer = ? AND out = 0 AND id > ?",
        (owner, chat, target),
    ).fetchone()[0]
    conn.execute(
        "UPDATE dialogs SET read_inbox_max_id = ?, unread_count = ? WHERE owner = ? AND peer = ?",
        (target, unread, owner, chat),
    )
    entry = log(
        conn, owner, UpdateKind.READ_HISTORY_INBOX, date, peer_id=chat, max_id=target,
        still_unread=unread,
    )  # fmt: skip
    peers: list[BoxUpdate] = []
    queued: list[Pending] = []
    for author, max_id in newest:
        # ``reader`` names the dialog in the author's box: the group.
        op = ReadOutbox(target=author, reader=chat, max_id=max_id, date=date)
        applied = send_or_apply(conn, op, place, queued)
        if applied.update is not None:
            peers.append(applied.update)
    return LocalChange(entry.pts, entry, tuple(peers), tuple(queued), target, unread)


def pin(conn: sqlite3.Connection, owner: int, peer_id: int, pinned: bool) -> bool:
    """Pin (on top) or unpin a dialog; False when there is none."""
    dialog = rows.find_dialog(conn, owner, peer_id)
    if dialog is None:
        return False
    if not pinned:
        order = None
    elif dialog.pinned_order is None:
        top = conn.execute(
            "SELECT COALESCE(MAX(pinned_order), 0) FROM dialogs WHERE owner = ?", (owner,)
        ).fetchone()[0]
        order = top + 1
    else:
        return True
    conn.execute(
        "UPDATE dialogs SET pinned_order = ? WHERE owner = ? AND peer = ?",
        (order, owner, peer_id),
    )
    return True


def reorder(conn: sqlite3.Connection, owner: int, peer_ids: Sequence[int], force: bool) -> None:
    """Pin ``peer_ids`` in order on top (see ``_paging.pinned_orders``)."""
    current = dict(
        conn.execute(
            "SELECT peer, pinned_order FROM dialogs WHERE owner = ? AND pinned_order IS NOT NULL",
            (owner,),
        ).fetchall()
    )
    wanted = [p for p in peer_ids if rows.find_dialog(conn, owner, p) is not None]
    conn.executemany(
        "UPDATE dialogs SET pinned_order = ? WHERE owner = ? AND peer = ?",
        [(order, owner, peer) for peer, order in pinned_orders(current, wanted, force).items()],
    )


def refreshed(conn: sqlite3.Connection, op: Put) -> Put:
    """A delivery carrying the sender's copy as it is now (edits included), if it still is.

    Used when a delivery is applied late (recovery, a resend): an edit made meanwhile could
    not reach a copy that did not exist yet.
    """
    found = rows.find_message(conn, op.origin_user, op.origin_id)
    if found is None:
        return op
    fresh = delivery(found[0], conn, version=found[1])
    return attrs.evolve(fresh, target=op.target, peer=op.peer)
