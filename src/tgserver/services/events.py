"""What the messaging services publish on the event bus (transport-free values).

A :class:`BoxEvent` is one pts-carrying change of one user's box (the same entry
``updates.getDifference`` replays); a :class:`TypingEvent` is not stored. The gateway turns
them into TL updates for each online session of the user, skipping :attr:`BoxEvent.origin`
(the session whose request caused it already has it in its answer). :class:`DialogPinEvent`
and :class:`PinnedDialogsEvent` change the user's pinned dialogs; like in Telegram, they carry
no pts (they are not replayed by ``updates.getDifference``).
"""

from __future__ import annotations

import attrs

from tgserver.store.messages import MessageRecord, UpdateEntry

__all__ = ["BoxEvent", "DialogPinEvent", "Origin", "PinnedDialogsEvent", "TypingEvent"]


@attrs.frozen
class Origin:
    """The client session a request came from (auth key and MTProto session id)."""

    auth_key_id: int
    session_id: int


@attrs.frozen
class BoxEvent:
    """A change of ``user_id``'s box.

    Attributes:
        user_id: Whose box changed.
        entry: The update-log entry (pts, kind, ids ...).
        messages: The new or edited message copies the entry refers to (``user_id``'s).
        origin: The session that caused the change and must not get it again, if any.
    """

    user_id: int
    entry: UpdateEntry
    messages: tuple[MessageRecord, ...] = ()
    origin: Origin | None = None


@attrs.frozen
class TypingEvent:
    """``from_id`` is typing to ``user_id``; ``action`` is the serialized action."""

    user_id: int
    from_id: int
    action: bytes
    date: int


@attrs.frozen
class DialogPinEvent:
    """``user_id`` pinned (or unpinned) its dialog with ``peer_id``.

    Attributes:
        user_id: Whose dialog list changed.
        peer_id: The dialog's peer.
        pinned: Pinned now (False: unpinned).
        date: Unix time of the change.
        origin: The session that asked for it and must not get it again, if any.
    """

    user_id: int
    peer_id: int
    pinned: bool
    date: int
    origin: Origin | None = None


@attrs.frozen
class PinnedDialogsEvent:
    """``user_id``'s pinned dialogs are now ``order`` (peer ids, the top one first).

    Attributes:
        user_id: Whose dialog list changed.
        order: The pinned dialogs' peers, in display order.
        date: Unix time of the change.
        origin: The session that asked for it and must not get it again, if any.
    """

    user_id: int
    order: tuple[int, ...]
    date: int
    origin: Origin | None = None
