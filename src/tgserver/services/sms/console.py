"""The default SMS provider: writes codes to the server log instead of sending them."""

from __future__ import annotations

import logging

__all__ = ["ConsoleSmsProvider"]

_log = logging.getLogger("tgserver.sms")


class ConsoleSmsProvider:
    """Logs ``code for +PHONE: CODE`` at INFO (for development and self-hosting without an
    SMS gateway: whoever reads the log can log in as anyone who asks for a code).

    Args:
        logger: Where the line goes (``tgserver.sms`` by default).
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or _log

    async def send_code(self, phone: str, code: str) -> None:
        """Log the code."""
        self._log.info("code for +%s: %s", phone, code)
