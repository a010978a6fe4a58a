"""Helpers shared by the account-service tests (a module name unique in the suite)."""

from __future__ import annotations

from tgserver.services import AccountServices, UserView
from tgserver.services.sms import SmsError


class RecordingSms:
    """An SMS provider that remembers what it was asked to send (or fails on demand)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail: SmsError | None = None

    async def send_code(self, phone: str, code: str) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append((phone, code))


async def sign_up(
    services: AccountServices, phone: str, first_name: str, key: int, last_name: str = ""
) -> UserView:
    """Sign a test number (code 22222) up, or in if it has an account, with auth key ``key``."""
    sent = await services.auth.send_code(phone, key)
    result = await services.auth.sign_in(phone, sent.phone_code_hash, "22222", key)
    if result.user is not None:
        return result.user
    return await services.auth.sign_up(phone, sent.phone_code_hash, first_name, last_name, key)
