"""AuthService: codes, expiry, attempts, floods, sign-in/sign-up, logout, sessions."""

from __future__ import annotations

import pytest
from account_support import RecordingSms, sign_up

from tgcore.errors import FloodWait, RpcError
from tgcore.testing import FakeClock, SeededRandom
from tgserver.services import (
    CODE_TTL,
    MAX_CODE_ATTEMPTS,
    AccountServices,
    RateLimits,
    code_of_test_number,
    create_account,
)
from tgserver.services.sms import SmsError
from tgserver.store.accounts import AccountStores

PHONE = "15550001"
KEY = 1111


def error_name(info: pytest.ExceptionInfo[RpcError]) -> str:
    return info.value.name


async def test_real_number_gets_an_sms_then_signs_up(
    services: AccountServices, sms: RecordingSms
) -> None:
    sent = await services.auth.send_code("+1 555 0001", KEY)
    assert (sent.length, sent.timeout) == (5, 60)
    assert len(sent.phone_code_hash) == 16
    [(phone, code)] = sms.sent
    assert phone == PHONE and len(code) == 5 and code.isdigit()
    result = await services.auth.sign_in(PHONE, sent.phone_code_hash, code, KEY)
    assert result.user is None  # sign-up required
    assert await services.lookup_user(KEY) is None
    user = await services.auth.sign_up(PHONE, sent.phone_code_hash, " Ann ", "Lee", KEY)
    assert (user.first_name, user.last_name, user.phone, user.is_self) == (
        "Ann",
        "Lee",
        PHONE,
        True,
    )
    assert await services.lookup_user(KEY) == user.id
    # The code is used up.
    with pytest.raises(RpcError) as info:
        await services.auth.sign_up(PHONE, sent.phone_code_hash, "Ann", "", KEY)
    assert error_name(info) == "PHONE_CODE_EXPIRED"


async def test_existing_account_signs_in_directly(services: AccountServices) -> None:
    ann = await sign_up(services, "9996621234", "Ann", KEY)
    other = 2222
    again = await sign_up(services, "9996621234", "ignored", other)
    assert again.id == ann.id and again.first_name == "Ann"
    assert await services.lookup_user(other) == ann.id


def test_test_numbers() -> None:
    assert code_of_test_number("9996621234", 2) == "22222"
    assert code_of_test_number("9996641234", 4) == "44444"
    assert code_of_test_number("15550001", 2) is None
    assert code_of_test_number("99966212345", 2) is None  # 11 digits: not a test number
    with pytest.raises(RpcError, match="PHONE_NUMBER_INVALID"):
        code_of_test_number("9996631234", 2)


async def test_test_number_sends_nothing(services: AccountServices, sms: RecordingSms) -> None:
    sent = await services.auth.send_code("9996625555", KEY)
    assert sms.sent == []
    with pytest.raises(RpcError) as info:
        await services.auth.sign_in("9996625555", sent.phone_code_hash, "12345", KEY)
    assert error_name(info) == "PHONE_CODE_INVALID"
    result = await services.auth.sign_in("9996625555", sent.phone_code_hash, "22222", KEY)
    assert result.user is None
    with pytest.raises(RpcError) as info:
        await services.auth.send_code("9996635555", KEY)  # DC 3's test number
    assert error_name(info) == "PHONE_NUMBER_INVALID"


async def test_test_numbers_can_be_turned_off(clock: FakeClock, sms: RecordingSms) -> None:
    services = await AccountServices.create(
        AccountStores.memory(), dc_id=2, sms=sms, test_numbers=False, clock=clock
    )
    await services.auth.send_code("9996625555", KEY)
    assert [p for p, _ in sms.sent] == ["9996625555"]


@pytest.mark.parametrize(
    ("phone", "code_hash", "code", "name"),
    [
        ("abc", "h", "1", "PHONE_NUMBER_INVALID"),
        ("+1", "h", "1", "PHONE_NUMBER_INVALID"),
        (PHONE, "", "1", "PHONE_CODE_HASH_EMPTY"),
        (PHONE, "h", "", "PHONE_CODE_EMPTY"),
        (PHONE, "h", None, "PHONE_CODE_EMPTY"),
        (PHONE, "unknown", "12345", "PHONE_CODE_EXPIRED"),
    ],
)
async def test_sign_in_bad_arguments(
    services: AccountServices, phone: str, code_hash: str, code: str | None, name: str
) -> None:
    with pytest.raises(RpcError) as info:
        await services.auth.sign_in(phone, code_hash, code, KEY)
    assert (info.value.code, info.value.name) == (400, name)


async def test_code_expires(services: AccountServices, clock: FakeClock) -> None:
    sent = await services.auth.send_code("9996621234", KEY)
    clock.advance(CODE_TTL)
    with pytest.raises(RpcError) as info:
        await services.auth.sign_in("9996621234", sent.phone_code_hash, "22222", KEY)
    assert error_name(info) == "PHONE_CODE_EXPIRED"


async def test_code_belongs_to_its_auth_key(services: AccountServices) -> None:
    sent = await services.auth.send_code("9996621234", KEY)
    with pytest.raises(RpcError) as info:
        await services.auth.sign_in("9996621234", sent.phone_code_hash, "22222", KEY + 1)
    assert error_name(info) == "PHONE_CODE_EXPIRED"


async def test_wrong_attempts_use_the_code_up(services: AccountServices) -> None:
    sent = await services.auth.send_code("9996621234", KEY)
    for _ in range(MAX_CODE_ATTEMPTS):
        with pytest.raises(RpcError) as info:
            await services.auth.sign_in("9996621234", sent.phone_code_hash, "00000", KEY)
        assert error_name(info) == "PHONE_CODE_INVALID"
    with pytest.raises(RpcError) as info:
        await services.auth.sign_in("9996621234", sent.phone_code_hash, "22222", KEY)
    assert error_name(info) == "PHONE_CODE_EXPIRED"


@pytest.fixture
def tight() -> RateLimits:
    return RateLimits(
        send_code_per_phone=(2, 600.0), send_code_per_key=(3, 600.0), sign_in_per_key=(4, 60.0)
    )


async def test_send_code_flood_per_phone(
    clock: FakeClock, sms: RecordingSms, tight: RateLimits
) -> None:
    services = await AccountServices.create(
        AccountStores.memory(), dc_id=2, sms=sms, limits=tight, clock=clock
    )
    await services.auth.send_code(PHONE, 1)
    clock.advance(100)
    await services.auth.send_code(PHONE, 2)
    with pytest.raises(FloodWait) as info:
        await services.auth.send_code(PHONE, 3)
    assert (info.value.code, info.value.name, info.value.seconds) == (420, "FLOOD_WAIT_500", 500)
    clock.advance(500)
    await services.auth.send_code(PHONE, 3)
    assert len(sms.sent) == 3


async def test_send_code_flood_per_key(
    clock: FakeClock, sms: RecordingSms, tight: RateLimits
) -> None:
    services = await AccountServices.create(
        AccountStores.memory(), dc_id=2, sms=sms, limits=tight, clock=clock
    )
    for i in range(3):
        await services.auth.send_code(f"1555000{i}", KEY)
    with pytest.raises(FloodWait):
        await services.auth.send_code("15559999", KEY)
    # The refused call counted for neither limit: the phone is still fresh for another key.
    await services.auth.send_code("15559999", KEY + 1)


async def test_sign_in_flood_per_key(clock: FakeClock, tight: RateLimits) -> None:
    services = await AccountServices.create(
        AccountStores.memory(), dc_id=2, limits=tight, clock=clock
    )
    sent = await services.auth.send_code("9996621234", KEY)
    for _ in range(4):
        with pytest.raises(RpcError, match=r"PHONE_CODE_INVALID|PHONE_CODE_EXPIRED"):
            await services.auth.sign_in("9996621234", sent.phone_code_hash, "1", KEY)
    with pytest.raises(FloodWait) as info:
        await services.auth.sign_in("9996621234", sent.phone_code_hash, "22222", KEY)
    assert info.value.seconds == 60


async def test_sign_up_needs_a_verified_code(services: AccountServices) -> None:
    sent = await services.auth.send_code("9996621234", KEY)
    with pytest.raises(RpcError) as info:
        await services.auth.sign_up("9996621234", sent.phone_code_hash, "Ann", "", KEY)
    assert error_name(info) == "PHONE_CODE_INVALID"
    with pytest.raises(RpcError) as info:
        await services.auth.sign_up("9996621234", "", "Ann", "", KEY)
    assert error_name(info) == "PHONE_CODE_HASH_EMPTY"


@pytest.mark.parametrize(
    ("first", "last", "name"),
    [
        ("", "", "FIRSTNAME_INVALID"),
        ("  \n ", "", "FIRSTNAME_INVALID"),
        ("x" * 65, "", "FIRSTNAME_INVALID"),
        ("Ann", "y" * 65, "LASTNAME_INVALID"),
    ],
)
async def test_sign_up_checks_names(
    services: AccountServices, first: str, last: str, name: str
) -> None:
    sent = await services.auth.send_code("9996621234", KEY)
    await services.auth.sign_in("9996621234", sent.phone_code_hash, "22222", KEY)
    with pytest.raises(RpcError) as info:
        await services.auth.sign_up("9996621234", sent.phone_code_hash, first, last, KEY)
    assert error_name(info) == name
    # The verified code survives a rejected name.
    user = await services.auth.sign_up("9996621234", sent.phone_code_hash, "Ann", "", KEY)
    assert user.first_name == "Ann"


async def test_account_created_meanwhile_signs_in(services: AccountServices) -> None:
    """A number verified for sign-up that got an account meanwhile (``tgserver users add``)."""
    sent = await services.auth.send_code("9996621234", KEY)
    assert (
        await services.auth.sign_in("9996621234", sent.phone_code_hash, "22222", KEY)
    ).user is None
    await create_account(services.stores.users, phone="9996621234", first_name="Pre", now=1.0)
    with pytest.raises(RpcError) as info:
        await services.auth.sign_up("9996621234", sent.phone_code_hash, "Ann", "", KEY)
    assert error_name(info) == "PHONE_NUMBER_OCCUPIED"
    result = await services.auth.sign_in("9996621234", sent.phone_code_hash, "22222", KEY)
    assert result.user is not None and result.user.first_name == "Pre"


async def test_resend_and_cancel(
    services: AccountServices, sms: RecordingSms, clock: FakeClock
) -> None:
    sent = await services.auth.send_code(PHONE, KEY)
    clock.advance(CODE_TTL - 1)
    again = await services.auth.resend_code(PHONE, sent.phone_code_hash, KEY)
    assert again.phone_code_hash == sent.phone_code_hash
    assert sms.sent[0] == sms.sent[1]  # the same code, sent again
    clock.advance(CODE_TTL - 1)  # the resend gave it five more minutes
    code = sms.sent[0][1]
    assert (await services.auth.sign_in(PHONE, sent.phone_code_hash, code, KEY)).user is None
    assert await services.auth.cancel_code(PHONE, sent.phone_code_hash, KEY)
    assert await services.auth.cancel_code(PHONE, sent.phone_code_hash, KEY)  # idempotent
    with pytest.raises(RpcError, match="PHONE_CODE_EXPIRED"):
        await services.auth.sign_in(PHONE, sent.phone_code_hash, code, KEY)
    with pytest.raises(RpcError, match="PHONE_CODE_EXPIRED"):
        await services.auth.resend_code(PHONE, sent.phone_code_hash, KEY)
    with pytest.raises(RpcError, match="PHONE_CODE_HASH_EMPTY"):
        await services.auth.cancel_code(PHONE, "", KEY)


@pytest.mark.parametrize(
    ("invalid_number", "name"), [(False, "SMS_CODE_CREATE_FAILED"), (True, "PHONE_NUMBER_INVALID")]
)
async def test_sms_failure(
    services: AccountServices, sms: RecordingSms, invalid_number: bool, name: str
) -> None:
    sms.fail = SmsError("down", invalid_number=invalid_number)
    with pytest.raises(RpcError) as info:
        await services.auth.send_code(PHONE, KEY)
    assert (info.value.code, info.value.name) == (400, name)
    assert await services.stores.codes.delete_expired_codes(1e12) == 0  # nothing left behind


async def test_expired_codes_are_purged(services: AccountServices, clock: FakeClock) -> None:
    await services.auth.send_code("9996621234", KEY)
    clock.advance(CODE_TTL + 60)
    await services.auth.send_code("9996621235", KEY)  # purges on its way
    assert await services.stores.codes.delete_expired_codes(1e12) == 1


async def test_log_out(services: AccountServices) -> None:
    user = await sign_up(services, "9996621234", "Ann", KEY)
    assert await services.lookup_user(KEY) == user.id
    assert await services.auth.log_out(KEY)
    assert await services.lookup_user(KEY) is None
    assert not await services.auth.log_out(KEY)
    assert await services.stores.authorizations.user_for_key(KEY) is None


async def test_authorizations(services: AccountServices, clock: FakeClock) -> None:
    ann = await sign_up(services, "9996621234", "Ann", 1)
    clock.advance(10)
    await sign_up(services, "9996621234", "Ann", 2)
    await sign_up(services, "9996621235", "Bob", 3)
    clock.advance(10)
    await services.lookup_user(1)  # key 1 is active now
    sessions = await services.authorizations.list(ann.id, 2)
    assert [(s.current, s.hash == 0) for s in sessions] == [(True, True), (False, False)]
    other = sessions[1]
    assert other.active_at == int(clock()) and other.created_at == int(clock()) - 20
    with pytest.raises(RpcError, match="HASH_INVALID"):
        await services.authorizations.reset(ann.id, 0, 2)
    with pytest.raises(RpcError, match="HASH_INVALID"):
        await services.authorizations.reset(ann.id, 12345, 2)
    await services.authorizations.reset(ann.id, other.hash, 2)
    assert await services.lookup_user(1) is None
    assert await services.lookup_user(2) == ann.id
    await sign_up(services, "9996621234", "Ann", 4)
    assert await services.authorizations.reset_others(ann.id, 2) == 1
    assert [s.current for s in await services.authorizations.list(ann.id, 2)] == [True]


async def test_lookup_cache_follows_logins(services: AccountServices) -> None:
    assert await services.lookup_user(KEY) is None  # cached as "not logged in"
    user = await sign_up(services, "9996621234", "Ann", KEY)
    assert await services.lookup_user(KEY) == user.id
    # A fresh service over the same stores (a restart) reads the binding back.
    again = await AccountServices.create(services.stores, dc_id=2, rng=SeededRandom(2))
    assert await again.lookup_user(KEY) == user.id
