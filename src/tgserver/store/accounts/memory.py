"""In-memory account and contact stores: for tests and servers that need no persistence."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import attrs

from tgcore.errors import StorageError
from tgserver.store.accounts.records import (
    FIRST_USER_ID,
    AccountConflict,
    AuthorizationRecord,
    BlockRecord,
    ContactRecord,
    LoginCode,
    NewUser,
    Relation,
    UserRecord,
    username_key,
)

__all__ = [
    "MemoryAuthorizationStore",
    "MemoryContactStore",
    "MemoryLoginCodeStore",
    "MemoryUserStore",
]


class _Closable:
    _what = "store"

    def __init__(self) -> None:
        self._closed = False

    def _check(self) -> None:
        if self._closed:
            raise StorageError(f"the {self._what} is closed")

    async def aclose(self) -> None:
        """Forget everything; later calls raise StorageError."""
        self._closed = True


class MemoryUserStore(_Closable):
    """Accounts in dicts; everything is lost with the process."""

    _what = "user store"

    def __init__(self) -> None:
        super().__init__()
        self._users: dict[int, UserRecord] = {}
        self._by_phone: dict[str, int] = {}
        self._by_username: dict[str, int] = {}
        self._secret: bytes | None = None

    async def create_user(self, user: NewUser) -> UserRecord:
        """Create an account with the next free id (AccountConflict if phone/username taken)."""
        self._check()
        if user.phone in self._by_phone:
            raise AccountConflict("phone")
        if user.username is not None and username_key(user.username) in self._by_username:
            raise AccountConflict("username")
        user_id = max(self._users, default=FIRST_USER_ID - 1) + 1
        record = UserRecord(id=user_id, **attrs.asdict(user))
        self._users[user_id] = record
        self._by_phone[user.phone] = user_id
        if user.username is not None:
            self._by_username[username_key(user.username)] = user_id
        return record

    async def get_user(self, user_id: int) -> UserRecord | None:
        """The account with this id, or None."""
        self._check()
        return self._users.get(user_id)

    async def get_users(self, user_ids: Collection[int]) -> dict[int, UserRecord]:
        """The existing accounts among ``user_ids``."""
        self._check()
        return {i: self._users[i] for i in user_ids if i in self._users}

    async def user_by_phone(self, phone: str) -> UserRecord | None:
        """The account with this phone, or None."""
        self._check()
        user_id = self._by_phone.get(phone)
        return None if user_id is None else self._users[user_id]

    async def user_by_username(self, username: str) -> UserRecord | None:
        """The account with this username (any case), or None."""
        self._check()
        user_id = self._by_username.get(username_key(username))
        return None if user_id is None else self._users[user_id]

    async def search_usernames(self, prefix: str, limit: int) -> list[UserRecord]:
        """Accounts whose username starts with ``prefix`` (any case), by username."""
        self._check()
        key = username_key(prefix)
        found = sorted(k for k in self._by_username if k.startswith(key))
        return [self._users[self._by_username[k]] for k in found[: max(limit, 0)]]

    async def list_users(self, after_id: int = 0, limit: int = 100) -> list[UserRecord]:
        """Accounts with ids above ``after_id``, by id."""
        self._check()
        ids = sorted(i for i in self._users if i > after_id)[: max(limit, 0)]
        return [self._users[i] for i in ids]

    async def update_profile(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        about: str | None = None,
    ) -> UserRecord | None:
        """Change the given profile fields."""
        self._check()
        record = self._users.get(user_id)
        if record is None:
            return None
        record = attrs.evolve(
            record,
            first_name=record.first_name if first_name is None else first_name,
            last_name=record.last_name if last_name is None else last_name,
            about=record.about if about is None else about,
        )
        self._users[user_id] = record
        return record

    async def set_username(self, user_id: int, username: str | None) -> UserRecord | None:
        """Set or remove the username (AccountConflict if another account has it)."""
        self._check()
        record = self._users.get(user_id)
        if record is None:
            return None
        if username is not None:
            owner = self._by_username.get(username_key(username))
            if owner is not None and owner != user_id:
                raise AccountConflict("username")
        if record.username is not None:
            del self._by_username[username_key(record.username)]
        if username is not None:
            self._by_username[username_key(username)] = user_id
        record = attrs.evolve(record, username=username)
        self._users[user_id] = record
        return record

    async def server_secret(self, candidate: bytes) -> bytes:
        """The stored secret, or ``candidate`` once stored."""
        self._check()
        if self._secret is None:
            self._secret = candidate
        return self._secret


class MemoryAuthorizationStore(_Closable):
    """Auth key -> account bindings in a dict."""

    _what = "authorization store"

    def __init__(self) -> None:
        super().__init__()
        self._records: dict[int, AuthorizationRecord] = {}

    async def bind(self, record: AuthorizationRecord) -> None:
        """Log a key in (replacing an earlier login of it)."""
        self._check()
        self._records.pop(record.key_id, None)  # a re-login counts as the newest
        self._records[record.key_id] = record

    async def unbind(self, key_id: int) -> AuthorizationRecord | None:
        """Log a key out; the authorization it had."""
        self._check()
        return self._records.pop(key_id, None)

    async def user_for_key(self, key_id: int) -> int | None:
        """The account of a key, or None."""
        self._check()
        record = self._records.get(key_id)
        return None if record is None else record.user_id

    async def authorizations(self, user_id: int) -> list[AuthorizationRecord]:
        """The keys logged in to an account, oldest first."""
        self._check()
        found = [r for r in self._records.values() if r.user_id == user_id]
        return sorted(found, key=lambda r: (r.created_at, r.key_id))


class MemoryLoginCodeStore(_Closable):
    """Login codes in a dict keyed by (phone, hash)."""

    _what = "login code store"

    def __init__(self) -> None:
        super().__init__()
        self._codes: dict[tuple[str, str], LoginCode] = {}

    async def save_code(self, code: LoginCode) -> None:
        """Store or replace a code."""
        self._check()
        self._codes[code.phone, code.phone_code_hash] = code

    async def get_code(self, phone: str, phone_code_hash: str) -> LoginCode | None:
        """The code, or None."""
        self._check()
        return self._codes.get((phone, phone_code_hash))

    async def delete_code(self, phone: str, phone_code_hash: str) -> bool:
        """Forget a code."""
        self._check()
        return self._codes.pop((phone, phone_code_hash), None) is not None

    async def delete_expired_codes(self, now: float) -> int:
        """Forget expired codes."""
        self._check()
        expired = [key for key, code in self._codes.items() if code.expires_at <= now]
        for key in expired:
            del self._codes[key]
        return len(expired)


class MemoryContactStore(_Closable):
    """Contact and block lists in dicts."""

    _what = "contact store"

    def __init__(self) -> None:
        super().__init__()
        self._contacts: dict[int, dict[int, ContactRecord]] = {}
        self._blocked: dict[int, dict[int, BlockRecord]] = {}

    async def add_contacts(self, contacts: Sequence[ContactRecord]) -> None:
        """Add or rename contacts."""
        self._check()
        for contact in contacts:
            book = self._contacts.setdefault(contact.owner_id, {})
            old = book.get(contact.user_id)
            if old is not None:
                contact = attrs.evolve(contact, added_at=old.added_at)
            book[contact.user_id] = contact

    async def delete_contacts(self, owner_id: int, user_ids: Collection[int]) -> list[int]:
        """Remove contacts; the ids that were there."""
        self._check()
        book = self._contacts.get(owner_id, {})
        return sorted(i for i in set(user_ids) if book.pop(i, None) is not None)

    async def contacts(self, owner_id: int) -> list[ContactRecord]:
        """The contact list, by user id."""
        self._check()
        book = self._contacts.get(owner_id, {})
        return [book[i] for i in sorted(book)]

    async def count_contacts(self, owner_id: int) -> int:
        """How many contacts."""
        self._check()
        return len(self._contacts.get(owner_id, {}))

    async def relations(self, viewer_id: int, user_ids: Collection[int]) -> dict[int, Relation]:
        """How the viewer and each user are related (unrelated users left out)."""
        self._check()
        book = self._contacts.get(viewer_id, {})
        found: dict[int, Relation] = {}
        for user_id in set(user_ids):
            contact = book.get(user_id)
            reverse = viewer_id in self._contacts.get(user_id, {})
            if contact is not None or reverse:
                found[user_id] = Relation(contact=contact, reverse=reverse)
        return found

    async def block(self, record: BlockRecord) -> bool:
        """Block a peer (False if already blocked)."""
        self._check()
        blocked = self._blocked.setdefault(record.owner_id, {})
        if record.peer_id in blocked:
            return False
        blocked[record.peer_id] = record
        return True

    async def unblock(self, owner_id: int, peer_id: int) -> bool:
        """Unblock a peer (False if it was not blocked)."""
        self._check()
        return self._blocked.get(owner_id, {}).pop(peer_id, None) is not None

    async def blocked(self, owner_id: int, offset: int, limit: int) -> list[BlockRecord]:
        """A page of the block list, most recent first."""
        self._check()
        records = sorted(
            self._blocked.get(owner_id, {}).values(), key=lambda r: (-r.date, r.peer_id)
        )
        offset = max(offset, 0)
        return records[offset : offset + max(limit, 0)]

    async def count_blocked(self, owner_id: int) -> int:
        """How many peers are blocked."""
        self._check()
        return len(self._blocked.get(owner_id, {}))

    async def blocked_among(self, owner_id: int, peer_ids: Collection[int]) -> set[int]:
        """Which of ``peer_ids`` are blocked."""
        self._check()
        blocked = self._blocked.get(owner_id, {})
        return {i for i in peer_ids if i in blocked}
