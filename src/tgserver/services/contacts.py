"""Contacts: import by phone, list, delete, find by username, search, block lists."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs

from tgcore.errors import RpcError
from tgserver.services.errors import (
    CONTACT_ID_INVALID,
    PHONE_NOT_OCCUPIED,
    QUERY_TOO_SHORT,
    USERNAME_NOT_OCCUPIED,
    bad_request,
)
from tgserver.services.hashing import vector_hash
from tgserver.services.ratelimit import RateLimiter, RateLimits
from tgserver.services.users import UsersService
from tgserver.services.validation import (
    MAX_NAME_LENGTH,
    check_username,
    clean_name,
    normalize_phone,
)
from tgserver.services.views import ContactsList, ImportResult, UserView
from tgserver.store.accounts import BlockRecord, ContactRecord, ContactStore

__all__ = [
    "MAX_CONTACTS",
    "MAX_IMPORT_PER_CALL",
    "MIN_GLOBAL_SEARCH",
    "ContactEntry",
    "ContactsService",
]

#: Entries of one contacts.importContacts handled at most; the rest go to ``retry_contacts``.
MAX_IMPORT_PER_CALL = 500
#: Contacts one account may have.
MAX_CONTACTS = 5000
#: Shortest query that searches every username (shorter ones search the contacts only).
MIN_GLOBAL_SEARCH = 3
_MAX_SEARCH = 100


@attrs.frozen
class ContactEntry:
    """One phone-book entry to import.

    Attributes:
        client_id: The client's id for the entry (echoed back).
        phone: The phone number as the user typed it.
        first_name: The name to save the contact under.
        last_name: Likewise.
    """

    client_id: int
    phone: str
    first_name: str
    last_name: str = ""


def _clip(name: str) -> str:
    return clean_name(name)[:MAX_NAME_LENGTH]


def _matches(query: str, *texts: str | None) -> bool:
    """Whether any word of ``texts`` starts with ``query`` (case-insensitive)."""
    for text in texts:
        if text and any(word.startswith(query) for word in text.casefold().split()):
            return True
    return False


class ContactsService:
    """Contact lists and block lists.

    Args:
        users: Builds the user views.
        contacts: The contact store.
        limits: Rate limits (imports and username look-ups per account).
        clock: Unix time.
    """

    def __init__(
        self,
        users: UsersService,
        contacts: ContactStore,
        *,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        limits = limits or RateLimits()
        self._users = users
        self._store = contacts
        self._clock = clock
        self._imports = RateLimiter.of(limits.import_per_user, clock=clock)
        self._lookups = RateLimiter.of(limits.resolve_per_user, clock=clock)

    async def import_contacts(self, owner_id: int, entries: Sequence[ContactEntry]) -> ImportResult:
        """Save the entries whose phone has an account; the others are left out.

        Raises:
            FloodWait: too many imports in a short time.
        """
        self._imports.hit(owner_id)
        room = max(0, MAX_CONTACTS - await self._store.count_contacts(owner_id))
        take = min(room, MAX_IMPORT_PER_CALL)
        handled, retry = entries[:take], tuple(e.client_id for e in entries[take:])
        now = self._clock()
        saved: dict[int, ContactRecord] = {}
        imported: list[tuple[int, int]] = []
        for entry in handled:
            try:
                phone = normalize_phone(entry.phone)
            except RpcError:
                continue  # not a phone number: nobody to import
            user = await self._users.store.user_by_phone(phone)
            if user is None:
                continue
            first = _clip(entry.first_name) or user.first_name
            saved[user.id] = ContactRecord(
                owner_id=owner_id,
                user_id=user.id,
                first_name=first,
                last_name=_clip(entry.last_name),
                added_at=now,
            )
            imported.append((user.id, entry.client_id))
        await self._store.add_contacts(list(saved.values()))
        users = await self._users.views(owner_id, list(saved))
        return ImportResult(imported=tuple(imported), retry=retry, users=tuple(users))

    async def get_contacts(self, owner_id: int, known_hash: int = 0) -> ContactsList | None:
        """The contact list; None ("not modified") when ``known_hash`` is its current hash."""
        records = await self._store.contacts(owner_id)
        ids = [r.user_id for r in records]
        # saved_count (always 0 here) first, then the sorted ids, as Telegram hashes it.
        list_hash = vector_hash([0, *ids])
        if known_hash and known_hash == list_hash:
            return None
        users = await self._users.views(owner_id, ids)
        return ContactsList(
            contacts=tuple((u.id, u.mutual_contact) for u in users),
            users=tuple(users),
            hash=list_hash,
        )

    async def delete_contacts(self, owner_id: int, user_ids: Sequence[int]) -> list[UserView]:
        """Remove users from the contact list; the removed users as the owner now sees them."""
        deleted = await self._store.delete_contacts(owner_id, user_ids)
        return await self._users.views(owner_id, deleted)

    async def resolve_username(self, viewer_id: int, username: str) -> UserView:
        """The user with this username.

        Raises:
            RpcError: ``USERNAME_INVALID`` or ``USERNAME_NOT_OCCUPIED`` (400).
            FloodWait: too many look-ups in a short time.
        """
        name = check_username(username)
        self._lookups.hit(viewer_id)
        user = await self._users.store.user_by_username(name)
        view = None if user is None else await self._users.view(viewer_id, user.id)
        if view is None:
            raise bad_request(USERNAME_NOT_OCCUPIED)
        return view

    async def resolve_phone(self, viewer_id: int, phone: str) -> UserView:
        """The user with this phone number (Telegram's default lets everybody find anybody
        by number).

        Raises:
            RpcError: ``PHONE_NUMBER_INVALID`` or ``PHONE_NOT_OCCUPIED`` (400).
            FloodWait: too many look-ups in a short time.
        """
        number = normalize_phone(phone)
        self._lookups.hit(viewer_id)
        user = await self._users.store.user_by_phone(number)
        view = None if user is None else await self._users.view(viewer_id, user.id)
        if view is None:
            raise bad_request(PHONE_NOT_OCCUPIED)
        return view

    async def search(
        self, viewer_id: int, query: str, limit: int
    ) -> tuple[list[UserView], list[UserView]]:
        """Contacts matching ``query`` by name or username, and other users whose username
        starts with it (``my_results``, ``results``).

        Raises:
            RpcError: ``400 QUERY_TOO_SHORT`` for an empty query.
            FloodWait: too many searches in a short time.
        """
        q = query.strip().removeprefix("@").casefold()
        if not q:
            raise bad_request(QUERY_TOO_SHORT)
        self._lookups.hit(viewer_id)
        limit = min(max(limit, 1), _MAX_SEARCH)
        contacts = await self._users.views(
            viewer_id, [c.user_id for c in await self._store.contacts(viewer_id)]
        )
        mine = [
            u
            for u in contacts
            if _matches(q, u.first_name, u.last_name, f"{u.first_name} {u.last_name}")
            or (u.username is not None and u.username.casefold().startswith(q))
        ][:limit]
        others: list[UserView] = []
        if len(q) >= MIN_GLOBAL_SEARCH:
            seen = {u.id for u in mine}
            found = await self._users.store.search_usernames(q, limit + len(seen))
            ids = [u.id for u in found if u.id not in seen][:limit]
            others = await self._users.views(viewer_id, ids)
        return mine, others

    async def block(self, owner_id: int, user_id: int) -> bool:
        """Block a user; False if it was blocked already.

        Raises:
            RpcError: ``400 CONTACT_ID_INVALID`` for the account itself.
        """
        if user_id == owner_id:
            raise bad_request(CONTACT_ID_INVALID)
        record = BlockRecord(owner_id=owner_id, peer_id=user_id, date=int(self._clock()))
        return await self._store.block(record)

    async def unblock(self, owner_id: int, user_id: int) -> bool:
        """Unblock a user; False if it was not blocked."""
        if user_id == owner_id:
            raise bad_request(CONTACT_ID_INVALID)
        return await self._store.unblock(owner_id, user_id)

    async def blocked(
        self, owner_id: int, offset: int, limit: int
    ) -> tuple[int, list[tuple[UserView, int]]]:
        """How many users the owner blocked, and one page of them with the dates."""
        limit = min(max(limit, 0), _MAX_SEARCH)
        total = await self._store.count_blocked(owner_id)
        page = await self._store.blocked(owner_id, offset, limit)
        views = {u.id: u for u in await self._users.views(owner_id, [b.peer_id for b in page])}
        return total, [(views[b.peer_id], b.date) for b in page if b.peer_id in views]
