"""What the send handlers of private, group and channel messages and of media share: the
entities of a request as the stores keep them, and the updates that answer a send."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from tgcore.errors import RpcError
from tgcore.tl import types
from tgserver.rpc.handlers.peers import input_user_id
from tgserver.rpc.handlers.render import tl_message
from tgserver.services import UsersService
from tgserver.store.messages import MessageRecord

__all__: list[str] = []


async def stored_entities(
    users: UsersService, me: int, entities: Sequence[types.TypeMessageEntity] | None
) -> list[types.TypeMessageEntity] | None:
    """The entities as stored: ``inputMessageEntityMentionName`` becomes
    ``messageEntityMentionName`` (a mention of a user the sender may not name is dropped);
    None when none are left."""
    if not entities:
        return None
    kept: list[types.TypeMessageEntity] = []
    for entity in entities:
        if isinstance(entity, types.InputMessageEntityMentionName):
            try:
                user_id = await input_user_id(users, me, entity.user_id)
            except RpcError:
                continue
            entity = types.MessageEntityMentionName(
                offset=entity.offset, length=entity.length, user_id=user_id
            )
        kept.append(entity)
    return kept or None


def new_grouped_id() -> int:
    """A fresh album id: random, positive, 63 bits (Telegram's ``grouped_id`` is a long)."""
    return secrets.randbelow((1 << 63) - 1) + 1


def sent_updates(sent: Iterable[tuple[MessageRecord, int | None]]) -> list[types.TypeUpdate]:
    """The updates that answer a send into the sender's box: ``updateMessageID`` (when the
    copy has a random_id) and ``updateNewMessage`` for each sent copy, in order."""
    updates: list[types.TypeUpdate] = []
    for record, random_id in sent:
        if random_id is not None:
            updates.append(types.UpdateMessageID(id=record.id, random_id=random_id))
        updates.append(
            types.UpdateNewMessage(message=tl_message(record), pts=record.pts, pts_count=1)
        )
    return updates
