"""Login: phone codes, sign-in, sign-up, logout.

The flow of current layers: ``auth.sendCode`` stores a 5-digit code (5 minutes) and hands it
to the SMS provider; ``auth.signIn`` with the right code logs the auth key in, or, for a
number without an account, marks the code verified and answers "sign-up required";
``auth.signUp`` then creates the account with that verified code. Five wrong codes use a code
up. Telegram's test numbers ``99966XYYYY`` (X = this DC's id) get the code ``XXXXX`` and no
SMS. Floods of codes (per phone, per key) and of sign-in attempts get ``FLOOD_WAIT_N``.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable
from typing import Final

import attrs

from tgcore.errors import FloodWait, RpcError
from tgserver.services.errors import (
    PHONE_CODE_EMPTY,
    PHONE_CODE_EXPIRED,
    PHONE_CODE_HASH_EMPTY,
    PHONE_CODE_INVALID,
    PHONE_NUMBER_INVALID,
    SMS_CODE_CREATE_FAILED,
    bad_request,
)
from tgserver.services.ratelimit import RateLimiter, RateLimits
from tgserver.services.sessions import KeyBindings
from tgserver.services.sms import SmsError, SmsProvider
from tgserver.services.users import UsersService
from tgserver.services.validation import normalize_phone
from tgserver.services.views import SentCode, SignInResult, UserView
from tgserver.store.accounts import AuthorizationRecord, LoginCode, LoginCodeStore

__all__ = [
    "AuthService",
    "CODE_LENGTH",
    "CODE_TTL",
    "MAX_CODE_ATTEMPTS",
    "RESEND_TIMEOUT",
    "code_of_test_number",
]

log = logging.getLogger(__name__)

#: Digits of a login code.
CODE_LENGTH: Final = 5
#: Seconds a login code stays valid.
CODE_TTL: Final = 300
#: Wrong codes tried before a code is used up.
MAX_CODE_ATTEMPTS: Final = 5
#: Seconds the client is told to wait before asking for the code again.
RESEND_TIMEOUT: Final = 60
_TEST_PREFIX = "99966"
_PURGE_EVERY = 60.0


def code_of_test_number(phone: str, dc_id: int) -> str | None:
    """The fixed code of a Telegram test number ``99966XYYYY`` (``XXXXX``), None for others.

    Raises:
        RpcError: ``400 PHONE_NUMBER_INVALID`` for a test number of another DC.
    """
    if len(phone) != 10 or not phone.startswith(_TEST_PREFIX):
        return None
    digit = phone[len(_TEST_PREFIX)]
    if str(dc_id) != digit:
        raise bad_request(PHONE_NUMBER_INVALID)
    return digit * CODE_LENGTH


def _client_ip(ip: str) -> str:
    return ip[:64]


class AuthService:
    """Phone-code login.

    Args:
        users: Accounts (sign-up creates them).
        codes: Where pending codes live.
        bindings: Auth key -> account.
        sms: Delivers codes.
        dc_id: This server's DC id (test numbers).
        test_numbers: Whether test numbers work (they let anyone in without an SMS).
        limits: Flood limits.
        clock: Unix time.
        rng: Randomness (codes, hashes).
    """

    def __init__(
        self,
        *,
        users: UsersService,
        codes: LoginCodeStore,
        bindings: KeyBindings,
        sms: SmsProvider,
        dc_id: int,
        test_numbers: bool = True,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        limits = limits or RateLimits()
        self._users = users
        self._codes = codes
        self.bindings = bindings
        self._sms = sms
        self._dc_id = dc_id
        self._test_numbers = test_numbers
        self._clock = clock
        self._rng = rng
        self._codes_per_phone = RateLimiter.of(limits.send_code_per_phone, clock=clock)
        self._codes_per_key = RateLimiter.of(limits.send_code_per_key, clock=clock)
        self._signins_per_key = RateLimiter.of(limits.sign_in_per_key, clock=clock)
        self._signins_per_phone = RateLimiter.of(limits.sign_in_per_phone, clock=clock)
        self._next_purge = 0.0

    # -- codes -----------------------------------------------------------------------------------

    def _test_code(self, phone: str) -> str | None:
        return code_of_test_number(phone, self._dc_id) if self._test_numbers else None

    def _new_code(self) -> str:
        value = int.from_bytes(self._rng(8), "little") % 10**CODE_LENGTH
        return str(value).zfill(CODE_LENGTH)

    @staticmethod
    def _hits(*pairs: tuple[RateLimiter, object]) -> None:
        """Count a hit on every limiter, or on none when one of them is exhausted."""
        wait = max(limiter.wait_time(key) for limiter, key in pairs)
        if wait:
            raise FloodWait(wait)
        for limiter, key in pairs:
            limiter.hit(key)

    async def _deliver(self, code: LoginCode) -> None:
        if self._test_code(code.phone) is not None:
            return  # test numbers: the code is known, nothing is sent
        try:
            await self._sms.send_code(code.phone, code.code)
        except SmsError as exc:
            log.warning("could not send a code to +%s: %s", code.phone, exc)
            name = PHONE_NUMBER_INVALID if exc.invalid_number else SMS_CODE_CREATE_FAILED
            raise bad_request(name) from None

    async def _purge(self, now: float) -> None:
        if now >= self._next_purge:
            self._next_purge = now + _PURGE_EVERY
            await self._codes.delete_expired_codes(now)

    async def send_code(self, phone: str, auth_key_id: int) -> SentCode:
        """Send a new login code to ``phone`` for this auth key.

        Raises:
            RpcError: ``PHONE_NUMBER_INVALID``, ``SMS_CODE_CREATE_FAILED`` (400).
            FloodWait: too many codes for this phone or this key.
        """
        phone = normalize_phone(phone)
        fixed = self._test_code(phone)
        self._hits((self._codes_per_phone, phone), (self._codes_per_key, auth_key_id))
        now = self._clock()
        await self._purge(now)
        code = LoginCode(
            phone=phone,
            phone_code_hash=self._rng(8).hex(),
            code=fixed or self._new_code(),
            auth_key_id=auth_key_id,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        await self._codes.save_code(code)
        try:
            await self._deliver(code)
        except RpcError:
            await self._codes.delete_code(code.phone, code.phone_code_hash)
            raise
        return SentCode(
            phone_code_hash=code.phone_code_hash, length=CODE_LENGTH, timeout=RESEND_TIMEOUT
        )

    async def _pending(self, phone: str, phone_code_hash: str, auth_key_id: int) -> LoginCode:
        """The live code for (phone, hash) that this key asked for."""
        if not phone_code_hash:
            raise bad_request(PHONE_CODE_HASH_EMPTY)
        code = await self._codes.get_code(phone, phone_code_hash)
        if code is None or code.auth_key_id != auth_key_id:
            raise bad_request(PHONE_CODE_EXPIRED)
        if code.expires_at <= self._clock():
            await self._codes.delete_code(phone, phone_code_hash)
            raise bad_request(PHONE_CODE_EXPIRED)
        return code

    async def resend_code(self, phone: str, phone_code_hash: str, auth_key_id: int) -> SentCode:
        """Send a pending code again (same hash, same code, five more minutes).

        Raises:
            RpcError: ``PHONE_CODE_HASH_EMPTY``, ``PHONE_CODE_EXPIRED``,
                ``SMS_CODE_CREATE_FAILED`` (400).
            FloodWait: too many codes for this phone or this key.
        """
        phone = normalize_phone(phone)
        code = await self._pending(phone, phone_code_hash, auth_key_id)
        self._hits((self._codes_per_phone, phone), (self._codes_per_key, auth_key_id))
        code = attrs.evolve(code, expires_at=self._clock() + CODE_TTL)
        await self._codes.save_code(code)
        await self._deliver(code)
        return SentCode(
            phone_code_hash=code.phone_code_hash, length=CODE_LENGTH, timeout=RESEND_TIMEOUT
        )

    async def cancel_code(self, phone: str, phone_code_hash: str, auth_key_id: int) -> bool:
        """Forget a pending code of this key; True even if it was gone already.

        Raises:
            RpcError: ``PHONE_NUMBER_INVALID``, ``PHONE_CODE_HASH_EMPTY`` (400).
        """
        phone = normalize_phone(phone)
        if not phone_code_hash:
            raise bad_request(PHONE_CODE_HASH_EMPTY)
        code = await self._codes.get_code(phone, phone_code_hash)
        if code is not None and code.auth_key_id == auth_key_id:
            await self._codes.delete_code(phone, phone_code_hash)
        return True

    # -- sign-in and sign-up ---------------------------------------------------------------------

    async def sign_in(
        self, phone: str, phone_code_hash: str, code: str | None, auth_key_id: int, *, ip: str = ""
    ) -> SignInResult:
        """Check a code; log the key in if the number has an account.

        Returns:
            The account, or ``user=None``: sign-up required (the code stays valid for
            :meth:`sign_up`).

        Raises:
            RpcError: ``PHONE_NUMBER_INVALID``, ``PHONE_CODE_HASH_EMPTY``,
                ``PHONE_CODE_EMPTY``, ``PHONE_CODE_INVALID``, ``PHONE_CODE_EXPIRED`` (400).
            FloodWait: too many attempts from this key or for this phone.
        """
        phone = normalize_phone(phone)
        if not phone_code_hash:
            raise bad_request(PHONE_CODE_HASH_EMPTY)
        if not code:
            raise bad_request(PHONE_CODE_EMPTY)
        self._hits((self._signins_per_key, auth_key_id), (self._signins_per_phone, phone))
        pending = await self._pending(phone, phone_code_hash, auth_key_id)
        if not hmac.compare_digest(code.strip().encode(), pending.code.encode()):
            attempts = pending.attempts + 1
            if attempts >= MAX_CODE_ATTEMPTS:
                await self._codes.delete_code(phone, phone_code_hash)
            else:
                await self._codes.save_code(attrs.evolve(pending, attempts=attempts))
            raise bad_request(PHONE_CODE_INVALID)
        user = await self._users.store.user_by_phone(phone)
        if user is None:
            if not pending.verified:
                await self._codes.save_code(attrs.evolve(pending, verified=True))
            return SignInResult(user=None)
        await self._login(auth_key_id, user.id, ip)
        await self._codes.delete_code(phone, phone_code_hash)
        return SignInResult(user=await self._users.me(user.id))

    async def sign_up(
        self,
        phone: str,
        phone_code_hash: str,
        first_name: str,
        last_name: str,
        auth_key_id: int,
        *,
        ip: str = "",
    ) -> UserView:
        """Create the account of a number whose code :meth:`sign_in` verified, and log in.

        Raises:
            RpcError: ``PHONE_NUMBER_INVALID``, ``PHONE_CODE_HASH_EMPTY``,
                ``PHONE_CODE_EXPIRED``, ``PHONE_CODE_INVALID`` (no verified code),
                ``FIRSTNAME_INVALID``, ``LASTNAME_INVALID``, ``PHONE_NUMBER_OCCUPIED`` (400).
            FloodWait: too many attempts from this key.
        """
        phone = normalize_phone(phone)
        if not phone_code_hash:
            raise bad_request(PHONE_CODE_HASH_EMPTY)
        self._hits((self._signins_per_key, auth_key_id))
        pending = await self._pending(phone, phone_code_hash, auth_key_id)
        if not pending.verified:
            raise bad_request(PHONE_CODE_INVALID)
        user = await self._users.register(phone, first_name, last_name)
        await self._login(auth_key_id, user.id, ip)
        await self._codes.delete_code(phone, phone_code_hash)
        return await self._users.me(user.id)

    async def _login(self, auth_key_id: int, user_id: int, ip: str) -> None:
        now = self._clock()
        hash_ = int.from_bytes(self._rng(8), "little", signed=True) or 1
        record = AuthorizationRecord(
            key_id=auth_key_id,
            user_id=user_id,
            hash=hash_,
            created_at=now,
            active_at=now,
            ip=_client_ip(ip),
        )
        await self.bindings.bind(record)
        log.info("user %d logged in", user_id)

    async def log_out(self, auth_key_id: int) -> bool:
        """Log the key out; False if it was not logged in."""
        record = await self.bindings.unbind(auth_key_id)
        if record is not None:
            log.info("user %d logged out", record.user_id)
        return record is not None
