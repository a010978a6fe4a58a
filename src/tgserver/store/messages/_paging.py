"""Argument checks, paging arithmetic and record building both backends share (pure
functions)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from tgserver.peerids import CHANNEL_OFFSET
from tgserver.store._history import unique_ids
from tgserver.store.messages.protocol import DEFAULT_LIMIT, MAX_LIMIT
from tgserver.store.messages.records import DialogRecord, MessageRecord, NewMessage

__all__: list[str] = []

#: Stands for "no bound" in a dialog cursor: above any date, id or peer id.
_NO_BOUND = 1 << 62


def check_user(user_id: int, what: str = "user_id") -> None:
    """Reject ids that cannot name a user (the services never pass them)."""
    if user_id <= 0:
        raise ValueError(f"{what} must be positive, got {user_id}")


def check_peer(peer_id: int) -> None:
    """Reject what is no dialog of a box: 0 and channel keys (channels have no box copies)."""
    if peer_id == 0 or peer_id <= -CHANNEL_OFFSET:
        raise ValueError(f"peer_id must name a user or a basic group, got {peer_id}")


def check_new_message(message: NewMessage) -> None:
    """Reject a private :class:`NewMessage` no service would build."""
    check_user(message.sender_id, "sender_id")
    check_user(message.peer_id, "peer_id")


def check_chat_message(message: NewMessage, members: Sequence[int]) -> list[int]:
    """Reject a basic-group message no service would build; the members to copy it to
    (without the sender and repeats)."""
    check_user(message.sender_id, "sender_id")
    check_peer(message.peer_id)
    if message.peer_id > 0:
        raise ValueError(f"a group message needs a basic group's peer key, got {message.peer_id}")
    for member in members:
        check_user(member, "member")
    return [m for m in unique_ids(members) if m != message.sender_id]


def own_copy(
    new: NewMessage, *, reply_to: int | None, message_id: int = 0, pts: int = 0
) -> MessageRecord:
    """The sender's copy of a new message, with the id (also its origin id) and pts its box
    gives it (0: not given yet) and ``reply_to`` as that box names the replied message."""
    return MessageRecord(
        user_id=new.sender_id,
        id=message_id,
        peer_id=new.peer_id,
        from_id=new.sender_id,
        out=True,
        date=new.date,
        text=new.text,
        entities=new.entities,
        media=new.media,
        reply_to=reply_to,
        fwd_from=new.fwd_from,
        edit_date=None,
        random_id=new.random_id,
        origin_user_id=new.sender_id,
        origin_id=message_id,
        pts=pts,
        reply_markup=new.reply_markup,
        action=new.action,
        grouped_id=new.grouped_id,
    )


def page_limit(limit: int) -> int:
    """Telegram's page size rule: 0 or less means the default, and there is a cap."""
    if limit <= 0:
        return DEFAULT_LIMIT
    return min(limit, MAX_LIMIT)


@attrs.frozen
class DialogCursor:
    """Where a dialogs page starts: dialogs whose ``columns`` compare below ``bound``."""

    columns: tuple[str, ...]
    bound: tuple[int, ...]

    def after(self, dialog: DialogRecord) -> bool:
        """Whether ``dialog`` comes after the cursor (in-memory form of the SQL test)."""
        return tuple(getattr(dialog, c) for c in self.columns) < self.bound


def dialog_cursor(offset_date: int, offset_id: int, offset_peer: int) -> DialogCursor | None:
    """The bound of a dialogs page after the first, or None for the first page.

    With a date, the bound is (date, top message, peer), a zero top message meaning no bound
    on it: dialogs at that date stay. Without a date, the top message id alone (then the
    peer) bounds the page: in a user's box ids rise with time. A peer alone is no cursor.
    """
    if offset_date:
        return DialogCursor(
            ("top_date", "top_message", "peer_id"),
            (offset_date, offset_id or _NO_BOUND, offset_peer),
        )
    if offset_id:
        return DialogCursor(("top_message", "peer_id"), (offset_id, offset_peer))
    return None


def pinned_orders(
    current: dict[int, int], peers: Sequence[int], force: bool
) -> dict[int, int | None]:
    """New pinned orders after ``reorder_pinned``: ``peers`` on top, first highest.

    ``current`` maps pinned peers to their order. Returns the changes (None = unpin).
    """
    peers = unique_ids(peers)
    changes: dict[int, int | None] = {}
    if force:
        changes.update({peer: None for peer in current if peer not in peers})
    kept = [p for p in sorted(current, key=current.__getitem__) if p not in peers and not force]
    # Lowest first: the kept pins stay below the reordered ones, in their old order.
    for order, peer in enumerate([*kept, *reversed(peers)], start=1):
        if current.get(peer) != order:
            changes[peer] = order
    return changes
