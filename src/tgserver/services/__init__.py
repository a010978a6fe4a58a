"""The services: login, users, contacts, sessions, private chats and their updates.

Services know no transport: the MTProto handlers (:mod:`tgserver.rpc.handlers`) translate TL
to calls on them and their answers (:mod:`tgserver.services.views`) back to TL. They raise
:class:`tgcore.errors.RpcError` with Telegram's error names and
:class:`tgcore.errors.FloodWait` for rate limits. :class:`AccountServices` wires them together
over :class:`~tgserver.store.accounts.AccountStores`.
"""

from __future__ import annotations

from tgserver.services.access import KIND_USER, SECRET_SIZE, AccessHashes
from tgserver.services.auth import (
    CODE_LENGTH,
    CODE_TTL,
    MAX_CODE_ATTEMPTS,
    RESEND_TIMEOUT,
    AuthService,
    code_of_test_number,
)
from tgserver.services.authorizations import AuthorizationsService
from tgserver.services.bundle import AccountServices
from tgserver.services.contacts import (
    MAX_CONTACTS,
    MAX_IMPORT_PER_CALL,
    MIN_GLOBAL_SEARCH,
    ContactEntry,
    ContactsService,
)
from tgserver.services.difference import (
    MAX_DIFFERENCE_MESSAGES,
    MAX_DIFFERENCE_UPDATES,
    BoxDifference,
    DifferenceService,
)
from tgserver.services.errors import (
    ABOUT_TOO_LONG,
    CONTACT_ID_INVALID,
    FIRSTNAME_INVALID,
    HASH_INVALID,
    LASTNAME_INVALID,
    PEER_ID_INVALID,
    PHONE_CODE_EMPTY,
    PHONE_CODE_EXPIRED,
    PHONE_CODE_HASH_EMPTY,
    PHONE_CODE_INVALID,
    PHONE_NOT_OCCUPIED,
    PHONE_NUMBER_INVALID,
    PHONE_NUMBER_OCCUPIED,
    PHONE_NUMBER_UNOCCUPIED,
    QUERY_TOO_SHORT,
    SMS_CODE_CREATE_FAILED,
    USER_ID_INVALID,
    USERNAME_INVALID,
    USERNAME_NOT_MODIFIED,
    USERNAME_NOT_OCCUPIED,
    USERNAME_OCCUPIED,
    bad_request,
)
from tgserver.services.events import BoxEvent, Origin, TypingEvent
from tgserver.services.hashing import vector_hash
from tgserver.services.messages import (
    MAX_DELETE,
    MAX_MESSAGE_LENGTH,
    MESSAGE_AUTHOR_REQUIRED,
    MESSAGE_EMPTY,
    MESSAGE_ID_INVALID,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TOO_LONG,
    TYPING_INTERVAL,
    USER_IS_BLOCKED,
    YOU_BLOCKED_USER,
    MessagingService,
    new_message_entry,
    utf16_length,
)
from tgserver.services.messaging import MessagingServices
from tgserver.services.presence import Offline, Online, Presence, Recently, Status
from tgserver.services.ratelimit import RateLimiter, RateLimits
from tgserver.services.sessions import KeyBindings
from tgserver.services.updates import Difference, UpdatesService, UpdatesState
from tgserver.services.users import UsersService, create_account
from tgserver.services.validation import (
    MAX_ABOUT_LENGTH,
    MAX_NAME_LENGTH,
    check_about,
    check_first_name,
    check_last_name,
    check_username,
    clean_name,
    is_valid_username,
    normalize_phone,
)
from tgserver.services.views import (
    AuthorizationView,
    ContactsList,
    FullUserView,
    ImportResult,
    SentCode,
    SignInResult,
    UserView,
)

__all__ = [
    "ABOUT_TOO_LONG",
    "AccessHashes",
    "AccountServices",
    "AuthService",
    "AuthorizationView",
    "AuthorizationsService",
    "BoxDifference",
    "BoxEvent",
    "CODE_LENGTH",
    "CODE_TTL",
    "CONTACT_ID_INVALID",
    "ContactEntry",
    "ContactsList",
    "ContactsService",
    "Difference",
    "DifferenceService",
    "FIRSTNAME_INVALID",
    "FullUserView",
    "HASH_INVALID",
    "ImportResult",
    "KIND_USER",
    "KeyBindings",
    "LASTNAME_INVALID",
    "MAX_ABOUT_LENGTH",
    "MAX_CODE_ATTEMPTS",
    "MAX_CONTACTS",
    "MAX_DELETE",
    "MAX_DIFFERENCE_MESSAGES",
    "MAX_DIFFERENCE_UPDATES",
    "MAX_IMPORT_PER_CALL",
    "MAX_MESSAGE_LENGTH",
    "MAX_NAME_LENGTH",
    "MESSAGE_AUTHOR_REQUIRED",
    "MESSAGE_EMPTY",
    "MESSAGE_ID_INVALID",
    "MESSAGE_NOT_MODIFIED",
    "MESSAGE_TOO_LONG",
    "MIN_GLOBAL_SEARCH",
    "MessagingService",
    "MessagingServices",
    "Offline",
    "Online",
    "Origin",
    "PEER_ID_INVALID",
    "PHONE_CODE_EMPTY",
    "PHONE_CODE_EXPIRED",
    "PHONE_CODE_HASH_EMPTY",
    "PHONE_CODE_INVALID",
    "PHONE_NOT_OCCUPIED",
    "PHONE_NUMBER_INVALID",
    "PHONE_NUMBER_OCCUPIED",
    "PHONE_NUMBER_UNOCCUPIED",
    "Presence",
    "QUERY_TOO_SHORT",
    "RESEND_TIMEOUT",
    "RateLimiter",
    "RateLimits",
    "Recently",
    "SECRET_SIZE",
    "SMS_CODE_CREATE_FAILED",
    "SentCode",
    "SignInResult",
    "Status",
    "TYPING_INTERVAL",
    "TypingEvent",
    "USERNAME_INVALID",
    "USERNAME_NOT_MODIFIED",
    "USERNAME_NOT_OCCUPIED",
    "USERNAME_OCCUPIED",
    "USER_ID_INVALID",
    "USER_IS_BLOCKED",
    "UpdatesService",
    "UpdatesState",
    "UserView",
    "UsersService",
    "YOU_BLOCKED_USER",
    "bad_request",
    "check_about",
    "check_first_name",
    "check_last_name",
    "check_username",
    "clean_name",
    "code_of_test_number",
    "create_account",
    "is_valid_username",
    "new_message_entry",
    "normalize_phone",
    "utf16_length",
    "vector_hash",
]
