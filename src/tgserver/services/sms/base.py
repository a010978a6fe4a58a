"""The interface SMS providers implement, and the text of a login-code message."""

from __future__ import annotations

from typing import Protocol

from tgcore.errors import TgError

__all__ = ["SmsError", "SmsProvider", "code_text"]


class SmsError(TgError):
    """A provider could not send a message.

    Attributes:
        invalid_number: The provider says the recipient's number cannot receive SMS (the
            client then gets ``PHONE_NUMBER_INVALID`` rather than a generic failure).
    """

    def __init__(self, message: str, *, invalid_number: bool = False) -> None:
        self.invalid_number = invalid_number
        super().__init__(message)


class SmsProvider(Protocol):
    """Delivers login codes to phones."""

    async def send_code(self, phone: str, code: str) -> None:
        """Send ``code`` to ``phone`` (digits with country code, no ``+``).

        Raises:
            SmsError: the message could not be handed over for delivery.
        """
        ...


def code_text(code: str) -> str:
    """The text of the message carrying a login code."""
    return f"Your login code: {code}. Do not give it to anyone."
