"""The narrow interfaces the account services use; every backend implements all four.

Each Protocol has one conformance suite (``tests/tgserver/store/accounts/``) that the memory
and SQLite backends both pass. Every method is async (a backend may do I/O), and a write is
durable when it returns.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from tgserver.store.accounts.records import (
    AuthorizationRecord,
    BlockRecord,
    ContactRecord,
    LoginCode,
    NewUser,
    Relation,
    UserRecord,
)

__all__ = ["AuthorizationStore", "ContactStore", "LoginCodeStore", "UserStore"]


class UserStore(Protocol):
    """Accounts: profiles, phone numbers, usernames, a server secret."""

    async def create_user(self, user: NewUser) -> UserRecord:
        """Create an account with the next free id.

        Raises:
            AccountConflict: the phone or (case-insensitively) the username is taken.
        """
        ...

    async def get_user(self, user_id: int) -> UserRecord | None:
        """The account with this id, or None."""
        ...

    async def get_users(self, user_ids: Collection[int]) -> dict[int, UserRecord]:
        """The accounts among ``user_ids`` that exist, by id."""
        ...

    async def user_by_phone(self, phone: str) -> UserRecord | None:
        """The account with this phone number (digits only), or None."""
        ...

    async def user_by_username(self, username: str) -> UserRecord | None:
        """The account with this username, compared case-insensitively, or None."""
        ...

    async def search_usernames(self, prefix: str, limit: int) -> list[UserRecord]:
        """Up to ``limit`` accounts whose username starts with ``prefix`` (case-insensitive),
        ordered by username."""
        ...

    async def list_users(self, after_id: int = 0, limit: int = 100) -> list[UserRecord]:
        """Up to ``limit`` accounts with ids above ``after_id``, by id."""
        ...

    async def update_profile(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        about: str | None = None,
    ) -> UserRecord | None:
        """Change the given fields (None: unchanged); the updated account, or None if unknown."""
        ...

    async def set_username(self, user_id: int, username: str | None) -> UserRecord | None:
        """Set or (None) remove the username; the updated account, or None if unknown.

        Raises:
            AccountConflict: another account has this username (in any case).
        """
        ...

    async def server_secret(self, candidate: bytes) -> bytes:
        """The server's secret: the stored one, or ``candidate`` after storing it."""
        ...

    async def aclose(self) -> None:
        """Release the backend's resources; later calls raise StorageError."""
        ...


class AuthorizationStore(Protocol):
    """Which account each auth key is logged in to."""

    async def bind(self, record: AuthorizationRecord) -> None:
        """Log ``record.key_id`` in to ``record.user_id`` (replacing an earlier login)."""
        ...

    async def unbind(self, key_id: int) -> AuthorizationRecord | None:
        """Log a key out; the authorization it had, or None."""
        ...

    async def user_for_key(self, key_id: int) -> int | None:
        """The account the key is logged in to, or None."""
        ...

    async def authorizations(self, user_id: int) -> list[AuthorizationRecord]:
        """Every key logged in to the account, oldest first."""
        ...

    async def aclose(self) -> None:
        """Release the backend's resources; later calls raise StorageError."""
        ...


class LoginCodeStore(Protocol):
    """Codes sent by ``auth.sendCode`` until they are used, cancelled or expire."""

    async def save_code(self, code: LoginCode) -> None:
        """Store a code (replacing one with the same phone and hash)."""
        ...

    async def get_code(self, phone: str, phone_code_hash: str) -> LoginCode | None:
        """The code with this phone and hash, or None."""
        ...

    async def delete_code(self, phone: str, phone_code_hash: str) -> bool:
        """Forget a code; False if there was none."""
        ...

    async def delete_expired_codes(self, now: float) -> int:
        """Forget codes whose ``expires_at`` is at or before ``now``; how many."""
        ...

    async def aclose(self) -> None:
        """Release the backend's resources; later calls raise StorageError."""
        ...


class ContactStore(Protocol):
    """Contact lists and block lists."""

    async def add_contacts(self, contacts: Sequence[ContactRecord]) -> None:
        """Add contacts, or rename those already in their owner's list."""
        ...

    async def delete_contacts(self, owner_id: int, user_ids: Collection[int]) -> list[int]:
        """Remove users from a contact list; the ids that were in it, sorted."""
        ...

    async def contacts(self, owner_id: int) -> list[ContactRecord]:
        """The whole contact list, by user id."""
        ...

    async def count_contacts(self, owner_id: int) -> int:
        """How many contacts the owner has."""
        ...

    async def relations(self, viewer_id: int, user_ids: Collection[int]) -> dict[int, Relation]:
        """For each of ``user_ids`` that the viewer has as a contact or that has the viewer
        as one, how they are related (users related in neither way are left out)."""
        ...

    async def block(self, record: BlockRecord) -> bool:
        """Block a peer; False (and the original date kept) if it was blocked already."""
        ...

    async def unblock(self, owner_id: int, peer_id: int) -> bool:
        """Unblock a peer; False if it was not blocked."""
        ...

    async def blocked(self, owner_id: int, offset: int, limit: int) -> list[BlockRecord]:
        """A page of the block list, most recent first (ties by peer id)."""
        ...

    async def count_blocked(self, owner_id: int) -> int:
        """How many peers the owner blocked."""
        ...

    async def blocked_among(self, owner_id: int, peer_ids: Collection[int]) -> set[int]:
        """Which of ``peer_ids`` the owner blocked."""
        ...

    async def aclose(self) -> None:
        """Release the backend's resources; later calls raise StorageError."""
        ...
