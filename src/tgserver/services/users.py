"""Accounts and profiles as viewers see them: users.getUsers/getFullUser, account.update*.

Every user reaches a client as a :class:`~tgserver.services.views.UserView` built for that
viewer: its own access hash, its phone only where privacy allows (its own; its contacts'; or
that of a user who saved the viewer as a contact, Telegram's default "My contacts" rule), and
the viewer's contact name in place of the profile's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from tgserver.services.access import AccessHashes
from tgserver.services.errors import (
    PHONE_NUMBER_OCCUPIED,
    USER_ID_INVALID,
    USERNAME_NOT_MODIFIED,
    USERNAME_OCCUPIED,
    bad_request,
)
from tgserver.services.presence import Presence
from tgserver.services.validation import (
    check_about,
    check_first_name,
    check_last_name,
    check_username,
    normalize_phone,
)
from tgserver.services.views import FullUserView, UserView
from tgserver.store.accounts import (
    AccountConflict,
    ContactStore,
    NewUser,
    Relation,
    UserRecord,
    UserStore,
)

__all__ = ["UsersService", "create_account"]


async def create_account(
    users: UserStore,
    *,
    phone: str,
    first_name: str,
    last_name: str = "",
    username: str | None = None,
    now: float,
) -> UserRecord:
    """Validate and create an account (sign-up and ``tgserver users add`` both use this).

    Raises:
        RpcError: ``PHONE_NUMBER_INVALID``, ``FIRSTNAME_INVALID``, ``LASTNAME_INVALID``,
            ``USERNAME_INVALID``, ``PHONE_NUMBER_OCCUPIED`` or ``USERNAME_OCCUPIED`` (400).
    """
    new = NewUser(
        phone=normalize_phone(phone),
        first_name=check_first_name(first_name),
        last_name=check_last_name(last_name),
        username=None if username is None else check_username(username),
        created_at=now,
    )
    try:
        return await users.create_user(new)
    except AccountConflict as exc:
        taken = PHONE_NUMBER_OCCUPIED if exc.field == "phone" else USERNAME_OCCUPIED
        raise bad_request(taken) from None


class UsersService:
    """Users and profiles.

    Args:
        users: The account store.
        contacts: Contact lists (for names, phone privacy and contact flags).
        access: Access hashes.
        presence: Online status.
        clock: Unix time.
    """

    def __init__(
        self,
        users: UserStore,
        contacts: ContactStore,
        access: AccessHashes,
        presence: Presence,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = users
        self._contacts = contacts
        self.access = access
        self.presence = presence
        self._clock = clock

    async def register(
        self, phone: str, first_name: str, last_name: str = "", username: str | None = None
    ) -> UserRecord:
        """Create an account (see :func:`create_account`)."""
        return await create_account(
            self.store,
            phone=phone,
            first_name=first_name,
            last_name=last_name,
            username=username,
            now=self._clock(),
        )

    # -- views -----------------------------------------------------------------------------------

    def view_of(self, viewer_id: int, user: UserRecord, relation: Relation | None) -> UserView:
        """``user`` as ``viewer_id`` sees it, given how the two are related."""
        is_self = user.id == viewer_id
        contact = relation.contact if relation is not None else None
        reverse = relation is not None and relation.reverse
        first, last = user.first_name, user.last_name
        if contact is not None and not is_self:
            first, last = contact.first_name, contact.last_name
        return UserView(
            id=user.id,
            access_hash=self.access.user(viewer_id, user.id),
            first_name=first,
            last_name=last,
            username=user.username,
            # A bot's phone is a placeholder nobody may see.
            phone=(
                user.phone if not user.bot and (is_self or contact is not None or reverse) else None
            ),
            is_self=is_self,
            contact=contact is not None,
            mutual_contact=contact is not None and reverse,
            status=None if user.bot else self.presence.status(user.id),
            bot=user.bot,
        )

    async def views(self, viewer_id: int, user_ids: Sequence[int]) -> list[UserView]:
        """The users that exist among ``user_ids`` as ``viewer_id`` sees them, in order,
        without duplicates."""
        ordered = list(dict.fromkeys(user_ids))
        records = await self.store.get_users(ordered)
        relations = await self._contacts.relations(viewer_id, list(records))
        return [
            self.view_of(viewer_id, records[i], relations.get(i)) for i in ordered if i in records
        ]

    async def view(self, viewer_id: int, user_id: int) -> UserView | None:
        """One user as ``viewer_id`` sees it, or None if it does not exist."""
        found = await self.views(viewer_id, [user_id])
        return found[0] if found else None

    async def me(self, user_id: int) -> UserView:
        """The account itself (``inputUserSelf``).

        Raises:
            RpcError: ``400 USER_ID_INVALID`` if the account vanished.
        """
        view = await self.view(user_id, user_id)
        if view is None:
            raise bad_request(USER_ID_INVALID)
        return view

    def check_access(self, viewer_id: int, user_id: int, access_hash: int) -> bool:
        """Whether ``access_hash`` is ``viewer_id``'s hash for ``user_id``."""
        return self.access.check_user(viewer_id, user_id, access_hash)

    async def resolve(
        self, viewer_id: int, user_id: int, access_hash: int, *, error: str = USER_ID_INVALID
    ) -> UserRecord:
        """The user an input peer names, after checking the viewer's access hash.

        Raises:
            RpcError: ``400 <error>`` for a wrong hash or an unknown user.
        """
        if not self.check_access(viewer_id, user_id, access_hash):
            raise bad_request(error)
        user = await self.store.get_user(user_id)
        if user is None:
            raise bad_request(error)
        return user

    async def full(self, viewer_id: int, user_id: int) -> FullUserView:
        """The full profile of a user.

        Raises:
            RpcError: ``400 USER_ID_INVALID`` if the user does not exist.
        """
        records = await self.store.get_users([user_id])
        user = records.get(user_id)
        if user is None:
            raise bad_request(USER_ID_INVALID)
        relations = await self._contacts.relations(viewer_id, [user_id])
        blocked = await self._contacts.blocked_among(viewer_id, [user_id])
        return FullUserView(
            user=self.view_of(viewer_id, user, relations.get(user_id)),
            about=user.about,
            blocked=user_id in blocked,
        )

    # -- changes ---------------------------------------------------------------------------------

    async def update_profile(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        about: str | None = None,
    ) -> UserView:
        """Change the account's names and bio (None: unchanged).

        Raises:
            RpcError: ``FIRSTNAME_INVALID``, ``LASTNAME_INVALID``, ``ABOUT_TOO_LONG``.
        """
        changed = await self.store.update_profile(
            user_id,
            first_name=None if first_name is None else check_first_name(first_name),
            last_name=None if last_name is None else check_last_name(last_name),
            about=None if about is None else check_about(about),
        )
        if changed is None:
            raise bad_request(USER_ID_INVALID)
        return await self.me(user_id)

    async def check_username(self, user_id: int, username: str) -> bool:
        """Whether the account could take ``username`` (free, or already its own).

        Raises:
            RpcError: ``400 USERNAME_INVALID``.
        """
        owner = await self.store.user_by_username(check_username(username))
        return owner is None or owner.id == user_id

    async def update_username(self, user_id: int, username: str) -> UserView:
        """Set the account's username; an empty one removes it.

        Raises:
            RpcError: ``USERNAME_INVALID``, ``USERNAME_OCCUPIED``, ``USERNAME_NOT_MODIFIED``.
        """
        new = check_username(username) if username.strip() else None
        current = await self.store.get_user(user_id)
        if current is None:
            raise bad_request(USER_ID_INVALID)
        if current.username == new:
            raise bad_request(USERNAME_NOT_MODIFIED)
        try:
            await self.store.set_username(user_id, new)
        except AccountConflict:
            raise bad_request(USERNAME_OCCUPIED) from None
        return await self.me(user_id)
