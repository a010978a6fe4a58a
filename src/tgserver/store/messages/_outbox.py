"""Cross-shard operations: what one box asks of another, and how the outbox stores it.

A private chat touches two boxes, which the SQLite backend may keep in different database
files. The box that acts commits its own change together with an outbox row holding one of
these operations; the operation is then applied to the other box's shard. Every operation
is idempotent at its target, so applying it again after a crash changes nothing:

* :class:`Put` creates the recipient's copy (``create``) or edits it: keyed by the message
  origin, a copy that exists is only updated by a newer ``version``; a deleted copy leaves a
  tombstone so a re-delivery does not bring it back. A basic-group message is one ``Put``
  per member, each naming the group (``peer``) as the dialog of the copy.
* :class:`Delete` removes copies by origin; deleting what is gone is a no-op.
* :class:`ReadOutbox` raises ``read_outbox_max_id``; it never moves backwards.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import attrs

__all__: list[str] = []

Key = tuple[int, int]


@attrs.frozen
class Put:
    """Create or update the copy of message ``(origin_user, origin_id)`` in ``target``'s box."""

    target: int
    origin_user: int
    origin_id: int
    version: int
    create: bool
    from_id: int
    date: int
    text: str
    entities: bytes | None
    media: bytes | None
    fwd_from: bytes | None
    reply_key: Key | None
    edit_date: int | None
    reply_markup: bytes | None = None
    action: bytes | None = None
    #: The album id (``MessageRecord.grouped_id``), None outside an album.
    grouped_id: int | None = None
    #: The dialog of the copy in the target box: None for a private message (the sender),
    #: the group's peer key (``-chat_id``) for a basic-group message.
    peer: int | None = None

    @property
    def dialog(self) -> int:
        """The peer key the target's copy is filed under."""
        return self.origin_user if self.peer is None else self.peer


@attrs.frozen
class Delete:
    """Delete ``target``'s copies of the messages with these origins."""

    target: int
    keys: tuple[Key, ...]
    date: int


@attrs.frozen
class ReadOutbox:
    """``reader`` read ``target``'s messages up to ``max_id`` (an id in ``target``'s box)."""

    target: int
    reader: int
    max_id: int
    date: int


Op = Put | Delete | ReadOutbox


@attrs.frozen
class Pending:
    """An outbox row: an operation committed at its origin, maybe not yet applied."""

    seq: int
    op: Op


def _blob(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def _unblob(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def encode(op: Op) -> bytes:
    """Serialize an operation for the outbox table (JSON: readable, versionable)."""
    data: dict[str, Any]
    if isinstance(op, Put):
        data = {
            "op": "put",
            "target": op.target,
            "origin": [op.origin_user, op.origin_id],
            "version": op.version,
            "create": op.create,
            "from": op.from_id,
            "date": op.date,
            "text": op.text,
            "entities": _blob(op.entities),
            "media": _blob(op.media),
            "fwd_from": _blob(op.fwd_from),
            "reply": None if op.reply_key is None else list(op.reply_key),
            "edit_date": op.edit_date,
        }
        # Written only when set: rows of version 1 (without them) decode the same way.
        for name, blob in (("reply_markup", op.reply_markup), ("action", op.action)):
            if blob is not None:
                data[name] = _blob(blob)
        if op.grouped_id is not None:
            data["grouped_id"] = op.grouped_id
        if op.peer is not None:
            data["peer"] = op.peer
    elif isinstance(op, Delete):
        data = {"op": "delete", "target": op.target, "keys": [list(k) for k in op.keys]}
        data["date"] = op.date
    else:
        data = {"op": "read", "target": op.target, "reader": op.reader, "max_id": op.max_id}
        data["date"] = op.date
    return json.dumps(data, separators=(",", ":")).encode()


def decode(raw: bytes) -> Op:
    """Read back what :func:`encode` wrote.

    Raises:
        ValueError: not an operation this version wrote.
    """
    data = json.loads(raw)
    kind = data.get("op")
    if kind == "put":
        reply = data["reply"]
        return Put(
            target=data["target"],
            origin_user=data["origin"][0],
            origin_id=data["origin"][1],
            version=data["version"],
            create=data["create"],
            from_id=data["from"],
            date=data["date"],
            text=data["text"],
            entities=_unblob(data["entities"]),
            media=_unblob(data["media"]),
            fwd_from=_unblob(data["fwd_from"]),
            reply_key=None if reply is None else (reply[0], reply[1]),
            edit_date=data["edit_date"],
            reply_markup=_unblob(data.get("reply_markup")),
            action=_unblob(data.get("action")),
            grouped_id=data.get("grouped_id"),
            peer=data.get("peer"),
        )
    if kind == "delete":
        keys = tuple((k[0], k[1]) for k in data["keys"])
        return Delete(target=data["target"], keys=keys, date=data["date"])
    if kind == "read":
        return ReadOutbox(
            target=data["target"], reader=data["reader"], max_id=data["max_id"], date=data["date"]
        )
    raise ValueError(f"unknown outbox operation {kind!r}")
