"""Checks on what users type: phone numbers, names, bios, usernames."""

from __future__ import annotations

import re
from typing import Final

from tgserver.services.errors import (
    ABOUT_TOO_LONG,
    FIRSTNAME_INVALID,
    LASTNAME_INVALID,
    PHONE_NUMBER_INVALID,
    USERNAME_INVALID,
    bad_request,
)

__all__ = [
    "MAX_ABOUT_LENGTH",
    "MAX_NAME_LENGTH",
    "check_about",
    "check_first_name",
    "check_last_name",
    "check_username",
    "clean_name",
    "is_valid_username",
    "normalize_phone",
]

#: Longest first or last name Telegram accepts.
MAX_NAME_LENGTH: Final = 64
#: Longest bio of a non-premium account.
MAX_ABOUT_LENGTH: Final = 70

_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]")
# E.164 allows at most 15 digits; no country code plus subscriber number is shorter than 5.
_PHONE = re.compile(r"[1-9][0-9]{4,14}")
_PHONE_PUNCTUATION = str.maketrans("", "", " -().")


def normalize_phone(text: str) -> str:
    """The digits of a phone number as accounts store it (``+1 555-0001`` -> ``15550001``).

    Raises:
        RpcError: ``400 PHONE_NUMBER_INVALID`` when it is not 5-15 digits with an optional
            leading ``+`` and the usual punctuation.
    """
    digits = text.strip().translate(_PHONE_PUNCTUATION).removeprefix("+")
    if not _PHONE.fullmatch(digits):
        raise bad_request(PHONE_NUMBER_INVALID)
    return digits


def clean_name(text: str) -> str:
    """``text`` on one line: control characters (newlines included, which would break every
    client's layout) become spaces, and runs of whitespace one space."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def check_first_name(text: str) -> str:
    """A first name trimmed of surrounding and repeated whitespace.

    Raises:
        RpcError: ``400 FIRSTNAME_INVALID`` when empty or longer than 64 characters.
    """
    name = clean_name(text)
    if not name or len(name) > MAX_NAME_LENGTH:
        raise bad_request(FIRSTNAME_INVALID)
    return name


def check_last_name(text: str) -> str:
    """A last name trimmed like a first name; it may be empty.

    Raises:
        RpcError: ``400 LASTNAME_INVALID`` when longer than 64 characters.
    """
    name = clean_name(text)
    if len(name) > MAX_NAME_LENGTH:
        raise bad_request(LASTNAME_INVALID)
    return name


def check_about(text: str) -> str:
    """A bio trimmed of surrounding whitespace.

    Raises:
        RpcError: ``400 ABOUT_TOO_LONG`` when longer than 70 characters.
    """
    about = text.strip()
    if len(about) > MAX_ABOUT_LENGTH:
        raise bad_request(ABOUT_TOO_LONG)
    return about


def is_valid_username(username: str) -> bool:
    """Telegram's username rules: 5-32 characters of ``a-z``, ``A-Z``, ``0-9`` and ``_``,
    starting with a letter and not ending with ``_``."""
    return _USERNAME.fullmatch(username) is not None


def check_username(text: str) -> str:
    """A username without a leading ``@``.

    Raises:
        RpcError: ``400 USERNAME_INVALID`` when it breaks :func:`is_valid_username`'s rules.
    """
    username = text.strip().removeprefix("@")
    if not is_valid_username(username):
        raise bad_request(USERNAME_INVALID)
    return username
