"""What the account services answer: users as one viewer may see them.

These are transport-free values; the MTProto handlers turn them into TL objects
(:mod:`tgserver.rpc.handlers.peers`), the Bot API into JSON.
"""

from __future__ import annotations

import attrs

from tgserver.services.presence import Status

__all__ = [
    "AuthorizationView",
    "ContactsList",
    "FullUserView",
    "ImportResult",
    "SentCode",
    "SignInResult",
    "UserView",
]


@attrs.frozen
class UserView:
    """A user as one viewer sees it.

    Attributes:
        id: The user id.
        access_hash: The viewer's own access hash for this user.
        first_name: The viewer's contact name for it if it is the viewer's contact, else the
            profile's.
        last_name: Likewise.
        username: The username, if any.
        phone: The phone number (digits), only where the viewer may see it: its own, a
            contact's, or that of a user who has the viewer as a contact.
        is_self: The viewer itself.
        contact: The viewer has it as a contact.
        mutual_contact: Each has the other as a contact.
        status: Online / last seen.
        bot: A bot account.
    """

    id: int
    access_hash: int
    first_name: str
    last_name: str = ""
    username: str | None = None
    phone: str | None = None
    is_self: bool = False
    contact: bool = False
    mutual_contact: bool = False
    status: Status | None = None
    bot: bool = False


@attrs.frozen
class FullUserView:
    """The full profile (``users.getFullUser``).

    Attributes:
        user: The user itself.
        about: The bio.
        blocked: The viewer blocked this user.
        common_chats_count: Groups both are in (0 until groups exist).
    """

    user: UserView
    about: str = ""
    blocked: bool = False
    common_chats_count: int = 0


@attrs.frozen
class SentCode:
    """A login code on its way (``auth.sentCode``).

    Attributes:
        phone_code_hash: The handle the client passes back with the code.
        length: Digits in the code.
        timeout: Seconds before ``auth.resendCode`` makes sense.
    """

    phone_code_hash: str
    length: int
    timeout: int


@attrs.frozen
class SignInResult:
    """The outcome of a correct code.

    Attributes:
        user: The account now logged in, or None: the number has no account yet and
            ``auth.signUp`` must follow.
    """

    user: UserView | None


@attrs.frozen
class AuthorizationView:
    """One logged-in session of an account (``account.getAuthorizations``).

    Attributes:
        hash: 0 for the current session, else what ``account.resetAuthorization`` takes.
        current: The session asking.
        api_id: From ``initConnection`` (0 when the key never sent it).
        device_model: Likewise.
        system_version: Likewise.
        app_version: Likewise.
        created_at: Unix time of the login.
        active_at: Unix time of the last request seen.
        ip: The address at login.
    """

    hash: int
    current: bool
    api_id: int
    device_model: str
    system_version: str
    app_version: str
    created_at: int
    active_at: int
    ip: str


@attrs.frozen
class ContactsList:
    """An account's contacts (``contacts.getContacts``).

    Attributes:
        contacts: ``(user_id, mutual)`` by user id.
        users: The contacts themselves.
        hash: Telegram's list hash; a client sending it back gets "not modified".
    """

    contacts: tuple[tuple[int, bool], ...]
    users: tuple[UserView, ...]
    hash: int


@attrs.frozen
class ImportResult:
    """What ``contacts.importContacts`` did.

    Attributes:
        imported: ``(user_id, client_id)`` of each phone that has an account.
        retry: ``client_id`` of entries left out (over the per-call or total limit).
        users: The imported users.
    """

    imported: tuple[tuple[int, int], ...]
    retry: tuple[int, ...]
    users: tuple[UserView, ...]
