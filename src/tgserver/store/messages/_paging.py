"""Argument checks and paging arithmetic both backends share (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from tgserver.peerids import CHANNEL_OFFSET
from tgserver.store.messages.protocol import DEFAULT_LIMIT, MAX_LIMIT
from tgserver.store.messages.records import DialogRecord, NewMessage

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


def page_limit(limit: int) -> int:
    """Telegram's page size rule: 0 or less means the default, and there is a cap."""
    if limit <= 0:
        return DEFAULT_LIMIT
    return min(limit, MAX_LIMIT)


def unique_ids(ids: Iterable[int]) -> list[int]:
    """Ids in first-seen order without repeats."""
    return list(dict.fromkeys(ids))


@attrs.frozen
class Window:
    """``count`` consecutive messages starting ``offset`` away from the history split."""

    offset: int
    count: int


def history_windows(add_offset: int, limit: int) -> tuple[Window | None, Window | None]:
    """Where a history page lies relative to the split (offset_id or offset_date).

    The page covers positions ``add_offset`` to ``add_offset + limit - 1`` of the history
    read newest first, position 0 being the first message after the split. Negative
    positions are newer messages: counted from the split upwards they form the ``newer``
    window (ascending ids); the others form the ``older`` window (descending ids). A window
    that would be empty is None. Positions before the newest message simply do not exist,
    so a page reaching past it is shorter.
    """
    end = add_offset + limit
    newer = None
    if add_offset < 0:
        # Newer message j (0 = oldest above the split) sits at position -(j + 1).
        first = max(0, -end)
        newer = Window(first, -add_offset - first)
    older = None
    start = max(add_offset, 0)
    if end > start:
        older = Window(start, end - start)
    return newer, older


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
