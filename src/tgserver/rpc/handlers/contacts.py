"""``contacts.*``: import, list, delete, resolve, search, block (TL <-> ContactsService)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Final, Protocol

from tgcore.errors import RpcError
from tgcore.tl import TLObject, functions, pack_bool, pack_int_vector, pack_object_vector, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.peers import input_peer_user_id, input_user_id, tl_status, tl_users
from tgserver.services import (
    AccountServices,
    ContactEntry,
    UserView,
    bad_request,
    normalize_phone,
)

__all__ = ["MAX_DELETE_CONTACTS", "ChannelResolver", "ContactHandlers"]


class ChannelResolver(Protocol):
    """``async def resolve(viewer_id, username) -> contacts.resolvedPeer | None``: a channel's
    public username (None: no channel has it)."""

    def __call__(
        self, viewer_id: int, username: str, /
    ) -> Awaitable[types.contacts.ResolvedPeer | None]: ...


#: Contacts one contacts.deleteContacts may name.
MAX_DELETE_CONTACTS: Final = 1000
_INT32_MAX = 2**31 - 1


def _resolved(view: UserView) -> types.contacts.ResolvedPeer:
    return types.contacts.ResolvedPeer(
        peer=types.PeerUser(user_id=view.id), chats=[], users=tl_users([view])
    )


class ContactHandlers:
    """The ``contacts.*`` methods over the account services."""

    def __init__(
        self, services: AccountServices, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._services = services
        self._users = services.users
        self._contacts = services.contacts
        self._clock = clock
        self._channel_resolver: ChannelResolver | None = None

    def set_channel_resolver(self, resolver: ChannelResolver) -> None:
        """Resolve channel usernames too (the channel handlers install this)."""
        self._channel_resolver = resolver

    def register(self, dispatcher: Dispatcher) -> None:
        """Install the handlers of this class."""
        dispatcher.add(functions.contacts.GetContacts, self.get_contacts)
        dispatcher.add(functions.contacts.GetContactIDs, self.get_contact_ids)
        dispatcher.add(functions.contacts.GetStatuses, self.get_statuses)
        dispatcher.add(functions.contacts.ImportContacts, self.import_contacts)
        dispatcher.add(functions.contacts.DeleteContacts, self.delete_contacts)
        dispatcher.add(functions.contacts.DeleteByPhones, self.delete_by_phones)
        dispatcher.add(functions.contacts.ResolveUsername, self.resolve_username)
        dispatcher.add(functions.contacts.ResolvePhone, self.resolve_phone)
        dispatcher.add(functions.contacts.Search, self.search)
        dispatcher.add(functions.contacts.Block, self.block)
        dispatcher.add(functions.contacts.Unblock, self.unblock)
        dispatcher.add(functions.contacts.GetBlocked, self.get_blocked)

    async def get_contacts(
        self, ctx: RequestContext, request: functions.contacts.GetContacts
    ) -> TLObject:
        """contacts.getContacts: the list, or contactsNotModified for a matching hash."""
        me = require_user(ctx)
        found = await self._contacts.get_contacts(me, request.hash)
        if found is None:
            return types.contacts.ContactsNotModified()
        return types.contacts.Contacts(
            contacts=[types.Contact(user_id=i, mutual=m) for i, m in found.contacts],
            saved_count=0,
            users=tl_users(found.users),
        )

    async def get_contact_ids(
        self, ctx: RequestContext, request: functions.contacts.GetContactIDs
    ) -> bytes:
        """contacts.getContactIDs: the ids (as 32-bit ints, as the method is declared)."""
        me = require_user(ctx)
        found = await self._contacts.get_contacts(me)
        ids = [] if found is None else [i for i, _ in found.contacts if i <= _INT32_MAX]
        return pack_int_vector(ids)

    async def get_statuses(
        self, ctx: RequestContext, request: functions.contacts.GetStatuses
    ) -> bytes:
        """contacts.getStatuses: the online status of each contact."""
        me = require_user(ctx)
        found = await self._contacts.get_contacts(me)
        users = () if found is None else found.users
        statuses = [
            types.ContactStatus(user_id=u.id, status=tl_status(u.status) or types.UserStatusEmpty())
            for u in users
        ]
        return pack_object_vector(statuses)

    async def import_contacts(
        self, ctx: RequestContext, request: functions.contacts.ImportContacts
    ) -> types.contacts.ImportedContacts:
        """contacts.importContacts: phones with an account become contacts."""
        me = require_user(ctx)
        entries = [
            ContactEntry(
                client_id=c.client_id, phone=c.phone, first_name=c.first_name, last_name=c.last_name
            )
            for c in request.contacts
        ]
        result = await self._contacts.import_contacts(me, entries)
        return types.contacts.ImportedContacts(
            imported=[types.ImportedContact(user_id=u, client_id=c) for u, c in result.imported],
            popular_invites=[],
            retry_contacts=list(result.retry),
            users=tl_users(result.users),
        )

    async def delete_contacts(
        self, ctx: RequestContext, request: functions.contacts.DeleteContacts
    ) -> types.Updates:
        """contacts.deleteContacts: the users removed, in an ``updates`` envelope."""
        me = require_user(ctx)
        if len(request.id) > MAX_DELETE_CONTACTS:
            raise bad_request("LIMIT_INVALID")
        ids = [await input_user_id(self._users, me, peer) for peer in request.id]
        removed = await self._contacts.delete_contacts(me, ids)
        return types.Updates(
            updates=[], users=tl_users(removed), chats=[], date=int(self._clock()), seq=0
        )

    async def delete_by_phones(
        self, ctx: RequestContext, request: functions.contacts.DeleteByPhones
    ) -> bytes:
        """contacts.deleteByPhones: remove the contacts with these numbers."""
        me = require_user(ctx)
        ids: list[int] = []
        for phone in request.phones[:MAX_DELETE_CONTACTS]:
            try:
                number = normalize_phone(phone)
            except RpcError:
                continue  # not a phone number: no contact has it
            user = await self._users.store.user_by_phone(number)
            if user is not None:
                ids.append(user.id)
        await self._contacts.delete_contacts(me, ids)
        return pack_bool(True)

    async def resolve_username(
        self, ctx: RequestContext, request: functions.contacts.ResolveUsername
    ) -> types.contacts.ResolvedPeer:
        """contacts.resolveUsername: the user with this username."""
        me = require_user(ctx)
        if self._channel_resolver is not None:
            channel = await self._channel_resolver(me, request.username)
            if channel is not None:
                return channel
        return _resolved(await self._contacts.resolve_username(me, request.username))

    async def resolve_phone(
        self, ctx: RequestContext, request: functions.contacts.ResolvePhone
    ) -> types.contacts.ResolvedPeer:
        """contacts.resolvePhone: the user with this number."""
        me = require_user(ctx)
        return _resolved(await self._contacts.resolve_phone(me, request.phone))

    async def search(
        self, ctx: RequestContext, request: functions.contacts.Search
    ) -> types.contacts.Found:
        """contacts.search: matching contacts (my_results) and usernames (results)."""
        me = require_user(ctx)
        mine, others = await self._contacts.search(me, request.q, request.limit)
        return types.contacts.Found(
            my_results=[types.PeerUser(user_id=u.id) for u in mine],
            results=[types.PeerUser(user_id=u.id) for u in others],
            chats=[],
            users=tl_users(mine + others),
        )

    async def block(self, ctx: RequestContext, request: functions.contacts.Block) -> bytes:
        """contacts.block: block a user."""
        me = require_user(ctx)
        user_id = await input_peer_user_id(self._users, me, request.id)
        await self._contacts.block(me, user_id)
        return pack_bool(True)

    async def unblock(self, ctx: RequestContext, request: functions.contacts.Unblock) -> bytes:
        """contacts.unblock: unblock a user."""
        me = require_user(ctx)
        user_id = await input_peer_user_id(self._users, me, request.id)
        await self._contacts.unblock(me, user_id)
        return pack_bool(True)

    async def get_blocked(
        self, ctx: RequestContext, request: functions.contacts.GetBlocked
    ) -> TLObject:
        """contacts.getBlocked: a page of the block list (blockedSlice when partial)."""
        me = require_user(ctx)
        total, page = await self._contacts.blocked(me, request.offset, request.limit)
        blocked = [types.PeerBlocked(peer_id=types.PeerUser(user_id=u.id), date=d) for u, d in page]
        users = tl_users([u for u, _ in page])
        if request.offset <= 0 and len(page) >= total:
            return types.contacts.Blocked(blocked=blocked, chats=[], users=users)
        return types.contacts.BlockedSlice(count=total, blocked=blocked, chats=[], users=users)
