"""Building the answers of ``messages.*``: message lists and ``updates`` with every user and
chat they mention, as the asking user sees them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tgcore.tl import TLObject, types
from tgserver.rpc.handlers.chats_render import ChatRenderer
from tgserver.rpc.handlers.render import referenced_peers, referenced_users, tl_message, users_for
from tgserver.services import UsersService
from tgserver.store.messages import MessageRecord, UpdateEntry

__all__ = ["Answers"]


class Answers:
    """Users and chats for the records an answer carries.

    Args:
        users: Renders users per viewer (access hashes).
        chats: Renders groups and channels per viewer.
    """

    def __init__(self, users: UsersService, chats: ChatRenderer) -> None:
        self.users = users
        self.chats = chats

    async def mentioned(
        self,
        me: int,
        records: Iterable[MessageRecord],
        entries: Iterable[UpdateEntry] = (),
        *,
        user_ids: Sequence[int] = (),
        peer_keys: Sequence[int] = (),
    ) -> tuple[list[types.TypeUser], list[types.TypeChat]]:
        """The users and chats that ``records`` and ``entries`` (and the extra ids) mention."""
        records = list(records)
        entries = list(entries)
        ids = [*user_ids, *referenced_users(records, entries)]
        keys = [*peer_keys, *referenced_peers(records, entries)]
        return await users_for(self.users, me, ids), await self.chats.chats_for(me, keys)

    async def messages(
        self, me: int, records: Sequence[MessageRecord], count: int | None = None
    ) -> TLObject:
        """``messages.messages`` (``messages.messagesSlice`` when ``count`` says more exist)."""
        users, chats = await self.mentioned(me, records)
        messages = [tl_message(r) for r in records]
        if count is not None and count > len(records):
            return types.messages.MessagesSlice(
                count=count, messages=messages, topics=[], chats=chats, users=users
            )
        return types.messages.Messages(messages=messages, topics=[], chats=chats, users=users)

    async def updates(
        self,
        me: int,
        updates: list[types.TypeUpdate],
        records: Sequence[MessageRecord],
        *,
        date: int,
        peer_keys: Sequence[int] = (),
    ) -> types.Updates:
        """An ``updates`` answer carrying what the records mention."""
        users, chats = await self.mentioned(me, records, peer_keys=peer_keys)
        return types.Updates(updates=updates, users=users, chats=chats, date=date, seq=0)
