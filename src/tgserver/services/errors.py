"""The errors the account services raise, with Telegram's names.

Services raise :class:`tgcore.errors.RpcError` (and :class:`tgcore.errors.FloodWait`) with the
names Telegram's own servers answer; the MTProto gateway sends them as ``rpc_error`` and the
Bot API turns them into its descriptions. :func:`bad_request` builds the 400 ones.
"""

from __future__ import annotations

from typing import Final

from tgcore.errors import RpcError

__all__ = [
    "ABOUT_TOO_LONG",
    "CONTACT_ID_INVALID",
    "FIRSTNAME_INVALID",
    "HASH_INVALID",
    "LASTNAME_INVALID",
    "PEER_ID_INVALID",
    "PHONE_CODE_EMPTY",
    "PHONE_CODE_EXPIRED",
    "PHONE_CODE_HASH_EMPTY",
    "PHONE_CODE_INVALID",
    "PHONE_NOT_OCCUPIED",
    "PHONE_NUMBER_INVALID",
    "PHONE_NUMBER_OCCUPIED",
    "PHONE_NUMBER_UNOCCUPIED",
    "QUERY_TOO_SHORT",
    "SMS_CODE_CREATE_FAILED",
    "USERNAME_INVALID",
    "USERNAME_NOT_MODIFIED",
    "USERNAME_NOT_OCCUPIED",
    "USERNAME_OCCUPIED",
    "USER_ID_INVALID",
    "bad_request",
]

PHONE_NUMBER_INVALID: Final = "PHONE_NUMBER_INVALID"
"""The phone number is not a phone number (or a test number of another DC)."""
PHONE_CODE_EMPTY: Final = "PHONE_CODE_EMPTY"
"""auth.signIn without a code."""
PHONE_CODE_INVALID: Final = "PHONE_CODE_INVALID"
"""A wrong code (the fifth wrong one also invalidates the code)."""
PHONE_CODE_EXPIRED: Final = "PHONE_CODE_EXPIRED"
"""The code is too old, was used up, cancelled, or never existed for this phone and key."""
PHONE_CODE_HASH_EMPTY: Final = "PHONE_CODE_HASH_EMPTY"
"""auth.signIn / signUp / resendCode / cancelCode without a phone_code_hash."""
PHONE_NUMBER_UNOCCUPIED: Final = "PHONE_NUMBER_UNOCCUPIED"
"""No account has this number (current layers answer auth.authorizationSignUpRequired)."""
PHONE_NUMBER_OCCUPIED: Final = "PHONE_NUMBER_OCCUPIED"
"""auth.signUp for a number that already has an account."""
FIRSTNAME_INVALID: Final = "FIRSTNAME_INVALID"
"""An empty first name, or one longer than 64 characters."""
LASTNAME_INVALID: Final = "LASTNAME_INVALID"
"""A last name longer than 64 characters."""
ABOUT_TOO_LONG: Final = "ABOUT_TOO_LONG"
"""A bio longer than 70 characters."""
USERNAME_INVALID: Final = "USERNAME_INVALID"
"""Not a valid username (5-32 of a-z, 0-9 and _, starting with a letter, not ending in _)."""
USERNAME_OCCUPIED: Final = "USERNAME_OCCUPIED"
"""Another account has this username."""
USERNAME_NOT_MODIFIED: Final = "USERNAME_NOT_MODIFIED"
"""account.updateUsername with the username the account already has."""
USERNAME_NOT_OCCUPIED: Final = "USERNAME_NOT_OCCUPIED"
"""contacts.resolveUsername for a username nobody has."""
USER_ID_INVALID: Final = "USER_ID_INVALID"
"""An InputUser naming an unknown user or carrying a wrong access_hash."""
PEER_ID_INVALID: Final = "PEER_ID_INVALID"
"""An InputPeer naming an unknown peer or carrying a wrong access_hash."""
CONTACT_ID_INVALID: Final = "CONTACT_ID_INVALID"
"""A contact operation on a user that cannot be one."""
HASH_INVALID: Final = "HASH_INVALID"
"""account.resetAuthorization with a hash that names no other session of the account."""
PHONE_NOT_OCCUPIED: Final = "PHONE_NOT_OCCUPIED"
"""contacts.resolvePhone for a number without an account."""
QUERY_TOO_SHORT: Final = "QUERY_TOO_SHORT"
"""contacts.search with an empty query."""
SMS_CODE_CREATE_FAILED: Final = "SMS_CODE_CREATE_FAILED"
"""The SMS provider could not deliver the code."""


def bad_request(name: str) -> RpcError:
    """``RpcError(400, name)``: a request the client must fix."""
    return RpcError(400, name)
