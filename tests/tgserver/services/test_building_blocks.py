"""The small parts: rate limiter, validation, access hashes, list hash, key bindings."""

from __future__ import annotations

import ctypes

import pytest
import trio

from tgcore.errors import FloodWait, RpcError
from tgcore.testing import FakeClock
from tgserver.services import (
    AccessHashes,
    KeyBindings,
    RateLimiter,
    check_about,
    check_first_name,
    check_last_name,
    check_username,
    is_valid_username,
    normalize_phone,
    vector_hash,
)
from tgserver.store.accounts import AuthorizationRecord, MemoryAuthorizationStore


def test_rate_limiter_window(clock: FakeClock) -> None:
    limiter = RateLimiter(2, 10.0, clock=clock)
    limiter.hit("a")
    clock.advance(3)
    limiter.hit("a")
    limiter.hit("b")
    with pytest.raises(FloodWait) as info:
        limiter.hit("a")
    assert info.value.seconds == 7
    assert limiter.wait_time("a") == 7
    clock.advance(7)  # the first hit leaves the window
    assert limiter.wait_time("a") == 0
    limiter.hit("a")
    with pytest.raises(FloodWait) as info:
        limiter.hit("a")
    assert info.value.seconds == 3
    limiter.reset("a")
    limiter.hit("a")


def test_rate_limiter_fractional_wait_is_at_least_one_second(clock: FakeClock) -> None:
    limiter = RateLimiter(1, 1.0, clock=clock)
    limiter.hit(1)
    clock.advance(0.9999)
    with pytest.raises(FloodWait) as info:
        limiter.hit(1)
    assert info.value.seconds == 1


def test_rate_limiter_memory_is_bounded(clock: FakeClock) -> None:
    limiter = RateLimiter(1, 10.0, clock=clock, max_keys=100)
    for key in range(1000):
        limiter.hit(key)
    assert len(limiter) <= 100
    clock.advance(11)
    limiter.hit("new")  # idle keys are swept
    assert len(limiter) == 1
    with pytest.raises(ValueError):
        RateLimiter(0, 1.0)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("+1 555 0001", "15550001"),
        ("15550001", "15550001"),
        ("+44 (20) 7946-0958", "442079460958"),
        ("9996621234", "9996621234"),
    ],
)
def test_normalize_phone(text: str, digits: str) -> None:
    assert normalize_phone(text) == digits


@pytest.mark.parametrize("text", ["", "+", "1234", "0123456", "1" * 16, "+1 555 abc", "++15550001"])
def test_bad_phones(text: str) -> None:
    with pytest.raises(RpcError, match="PHONE_NUMBER_INVALID"):
        normalize_phone(text)


def test_names() -> None:
    assert check_first_name("  Ann \t Marie\n") == "Ann Marie"
    assert check_first_name("a\x00b") == "a b"
    assert check_first_name("x" * 64) == "x" * 64
    assert check_last_name("") == ""
    assert check_about("  hi  ") == "hi"
    for fn, text, name in [
        (check_first_name, "", "FIRSTNAME_INVALID"),
        (check_first_name, "\u200b" * 0 + "\n\n", "FIRSTNAME_INVALID"),
        (check_first_name, "é" * 65, "FIRSTNAME_INVALID"),
        (check_last_name, "x" * 65, "LASTNAME_INVALID"),
        (check_about, "x" * 71, "ABOUT_TOO_LONG"),
    ]:
        with pytest.raises(RpcError) as info:
            fn(text)
        assert (info.value.code, info.value.name) == (400, name)


def test_username_rules() -> None:
    for good in ["abcde", "Ann_Lee", "a1234", "a" * 32, "a_b_c", "a__bc"]:
        assert is_valid_username(good), good
        assert check_username("@" + good) == good
    for bad in ["abcd", "a" * 33, "1abcd", "_abcd", "abcd_", "ab cd", "abçde", "abc-d", "ab.cd"]:
        assert not is_valid_username(bad), bad


def test_access_hashes() -> None:
    hashes = AccessHashes(b"k" * 32)
    other = AccessHashes(b"j" * 32)
    h = hashes.user(1, 2)
    assert -(2**63) <= h < 2**63
    assert h == hashes.user(1, 2) != hashes.user(2, 1)
    assert h != other.user(1, 2)
    assert hashes.check_user(1, 2, h)
    assert not hashes.check_user(1, 2, h ^ 1)
    assert not hashes.check_user(1, 2, 2**64)
    assert "k" not in repr(hashes)
    with pytest.raises(ValueError):
        AccessHashes(b"short")


def _reference_hash(ids: list[int]) -> int:
    h = ctypes.c_uint64(0)
    for value in ids:
        h.value ^= h.value >> 21
        h.value ^= h.value << 35
        h.value ^= h.value >> 4
        h.value += value
    return ctypes.c_int64(h.value).value


@pytest.mark.parametrize(
    "ids", [[], [0], [1], [0, 1000001, 1000002], list(range(1000)), [2**63 - 1, 2**62, 5]]
)
def test_vector_hash(ids: list[int]) -> None:
    assert vector_hash(ids) == _reference_hash(ids)


async def test_bindings_lookup_racing_a_login() -> None:
    """A lookup that read "not logged in" before a login finished must not cache it."""
    store = MemoryAuthorizationStore()
    bindings = KeyBindings(store)
    record = AuthorizationRecord(key_id=1, user_id=7, hash=3, created_at=0.0, active_at=0.0)
    read = trio.Event()
    release = trio.Event()
    original = store.user_for_key

    async def slow_read(key_id: int) -> int | None:
        found = await original(key_id)
        read.set()
        await release.wait()
        return found

    store.user_for_key = slow_read  # type: ignore[method-assign]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(bindings.user_for_key, 1)
        await read.wait()
        await bindings.bind(record)
        release.set()
    store.user_for_key = original  # type: ignore[method-assign]
    assert await bindings.user_for_key(1) == 7


async def test_bindings_cache_is_bounded() -> None:
    store = MemoryAuthorizationStore()
    bindings = KeyBindings(store, cache_size=3)
    for key in range(10):
        await store.bind(
            AuthorizationRecord(key_id=key, user_id=100 + key, hash=1, created_at=0, active_at=0)
        )
        assert await bindings.user_for_key(key) == 100 + key
    assert len(bindings._cache) == 3
    assert bindings.last_active(0) is None and bindings.last_active(9) is not None


async def test_peeking_at_a_binding_is_not_activity() -> None:
    store = MemoryAuthorizationStore()
    bindings = KeyBindings(store)
    await store.bind(AuthorizationRecord(key_id=5, user_id=105, hash=1, created_at=0, active_at=0))
    assert await bindings.peek_user(5) == 105 and await bindings.peek_user(6) is None
    assert bindings.last_active(5) is None
    assert await bindings.user_for_key(5) == 105
    assert bindings.last_active(5) is not None
