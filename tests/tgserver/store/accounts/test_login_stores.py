"""AuthorizationStore and LoginCodeStore conformance: every backend must pass all of it."""

from __future__ import annotations

import pytest

from tgcore.errors import StorageError
from tgserver.store.accounts import AccountStores, AuthorizationRecord, LoginCode


def auth(key_id: int, user_id: int, created_at: float = 1.0, **kw: object) -> AuthorizationRecord:
    fields: dict[str, object] = {
        "hash": key_id % 1000 + 1,
        "active_at": created_at,
        "ip": "127.0.0.1",
    }
    fields.update(kw)
    return AuthorizationRecord(key_id=key_id, user_id=user_id, created_at=created_at, **fields)  # type: ignore[arg-type]


def code(phone: str = "15550001", code_hash: str = "h1", **kw: object) -> LoginCode:
    fields: dict[str, object] = {
        "code": "12345",
        "auth_key_id": -9,
        "created_at": 100.0,
        "expires_at": 400.0,
    }
    fields.update(kw)
    return LoginCode(phone=phone, phone_code_hash=code_hash, **fields)  # type: ignore[arg-type]


async def test_bind_and_lookup(stores: AccountStores) -> None:
    store = stores.authorizations
    assert await store.user_for_key(-(2**63)) is None
    first = auth(-(2**63), 10, created_at=5.0)
    await store.bind(first)
    await store.bind(auth(2**63 - 1, 10, created_at=3.0))
    await store.bind(auth(3, 11))
    assert await store.user_for_key(-(2**63)) == 10
    assert [a.key_id for a in await store.authorizations(10)] == [2**63 - 1, -(2**63)]
    assert (await store.authorizations(10))[1] == first
    assert await store.authorizations(12) == []


async def test_rebinding_moves_the_key(stores: AccountStores) -> None:
    store = stores.authorizations
    await store.bind(auth(1, 10))
    await store.bind(auth(1, 11, created_at=9.0, ip="::1"))
    assert await store.user_for_key(1) == 11
    assert await store.authorizations(10) == []
    assert await store.authorizations(11) == [auth(1, 11, created_at=9.0, ip="::1")]


async def test_unbind(stores: AccountStores) -> None:
    store = stores.authorizations
    await store.bind(auth(1, 10))
    assert await store.unbind(1) == auth(1, 10)
    assert await store.unbind(1) is None
    assert await store.user_for_key(1) is None


async def test_codes(stores: AccountStores) -> None:
    codes = stores.codes
    assert await codes.get_code("15550001", "h1") is None
    await codes.save_code(code())
    await codes.save_code(code(code_hash="h2", code="55555"))
    got = await codes.get_code("15550001", "h1")
    assert got == code()
    assert "12345" not in repr(got)
    await codes.save_code(code(attempts=3, verified=True))
    assert await codes.get_code("15550001", "h1") == code(attempts=3, verified=True)
    assert await codes.delete_code("15550001", "h1")
    assert not await codes.delete_code("15550001", "h1")
    assert await codes.get_code("15550001", "h2") is not None


async def test_expired_codes(stores: AccountStores) -> None:
    codes = stores.codes
    await codes.save_code(code(code_hash="a", expires_at=100.0))
    await codes.save_code(code(code_hash="b", expires_at=200.0))
    assert await codes.delete_expired_codes(100.0) == 1
    assert await codes.get_code("15550001", "a") is None
    assert await codes.get_code("15550001", "b") is not None
    assert await codes.delete_expired_codes(1e12) == 1


async def test_closed_stores_raise(stores: AccountStores) -> None:
    await stores.aclose()
    with pytest.raises(StorageError):
        await stores.authorizations.user_for_key(1)
    with pytest.raises(StorageError):
        await stores.codes.get_code("1", "2")
