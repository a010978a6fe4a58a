"""What the account and contact stores keep: users, authorizations, login codes, contacts."""

from __future__ import annotations

from typing import Final, Literal

import attrs

from tgcore.errors import TgError

__all__ = [
    "FIRST_USER_ID",
    "AccountConflict",
    "AuthorizationRecord",
    "BlockRecord",
    "ContactRecord",
    "LoginCode",
    "NewUser",
    "Relation",
    "UserRecord",
    "username_key",
]

#: The id of the first account a store creates; later ones count up from it. Telegram's own
#: service accounts (777000 and friends) stay below it.
FIRST_USER_ID: Final = 1_000_001


def username_key(username: str) -> str:
    """The form usernames are compared in: Telegram usernames are case-insensitive."""
    return username.lower()


class AccountConflict(TgError):
    """A write would give a phone number or a username to a second account.

    Attributes:
        field: ``"phone"`` or ``"username"``.
    """

    def __init__(self, field: Literal["phone", "username"]) -> None:
        self.field = field
        super().__init__(f"the {field} is taken by another account")


@attrs.frozen
class NewUser:
    """An account to create (the store assigns its id).

    Attributes:
        phone: Digits only, with the country code, no ``+``.
        first_name: Never empty.
        last_name: May be empty.
        username: Without ``@``; None for none.
        about: The profile's bio.
        created_at: Unix time.
        bot: A bot account (created by ``tgserver bots create``; its ``phone`` is a
            placeholder no client ever sees).
    """

    phone: str
    first_name: str
    last_name: str = ""
    username: str | None = None
    about: str = ""
    created_at: float = 0.0
    bot: bool = False


@attrs.frozen
class UserRecord:
    """An account as the store keeps it.

    Attributes:
        id: The user id (positive, from :data:`FIRST_USER_ID` up).
        phone: Digits only, with the country code.
        first_name: The profile's first name.
        last_name: The profile's last name (may be empty).
        username: The username as its owner spelled it, or None.
        about: The profile's bio (may be empty).
        created_at: Unix time of the sign-up.
        bot: A bot account.
    """

    id: int
    phone: str
    first_name: str
    last_name: str = ""
    username: str | None = None
    about: str = ""
    created_at: float = 0.0
    bot: bool = False


@attrs.frozen
class AuthorizationRecord:
    """An auth key logged in to an account (what ``account.getAuthorizations`` lists).

    Attributes:
        key_id: The auth key.
        user_id: The account.
        hash: The authorization's public id for ``account.resetAuthorization`` (random,
            never 0: clients never learn auth key ids).
        created_at: Unix time of the sign-in.
        active_at: Unix time the key was last seen in use (updated at sign-in; the services
            keep fresher values in memory).
        ip: The client's address at sign-in.
    """

    key_id: int
    user_id: int
    hash: int
    created_at: float
    active_at: float
    ip: str = ""


@attrs.frozen
class LoginCode:
    """A code sent to a phone by ``auth.sendCode``.

    Attributes:
        phone: The phone number (digits).
        phone_code_hash: The handle the client passes back with the code.
        code: The digits sent.
        auth_key_id: The auth key that asked for it (only it may use it).
        created_at: Unix time it was sent.
        expires_at: Unix time after which it is refused.
        attempts: Wrong codes tried so far.
        verified: ``auth.signIn`` checked the code, and the number had no account yet: only
            ``auth.signUp`` may follow.
    """

    phone: str
    phone_code_hash: str
    code: str = attrs.field(repr=False)
    auth_key_id: int
    created_at: float
    expires_at: float
    attempts: int = 0
    verified: bool = False


@attrs.frozen
class ContactRecord:
    """A user in someone's contact list, under the name its owner gave it.

    Attributes:
        owner_id: Whose contact list.
        user_id: The contact.
        first_name: The name the owner saved (shown to the owner instead of the profile's).
        last_name: Likewise.
        added_at: Unix time.
    """

    owner_id: int
    user_id: int
    first_name: str
    last_name: str = ""
    added_at: float = 0.0


@attrs.frozen
class Relation:
    """How a viewer and another user know each other.

    Attributes:
        contact: The viewer's contact entry for the user, if the viewer saved one.
        reverse: The user has the viewer in its own contacts.
    """

    contact: ContactRecord | None = None
    reverse: bool = False

    @property
    def mutual(self) -> bool:
        """Each has the other in its contacts."""
        return self.contact is not None and self.reverse


@attrs.frozen
class BlockRecord:
    """A peer someone blocked.

    Attributes:
        owner_id: Who blocked.
        peer_id: Whom (a user id for now).
        date: Unix time.
    """

    owner_id: int
    peer_id: int
    date: int
