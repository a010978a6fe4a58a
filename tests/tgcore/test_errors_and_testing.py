"""The error hierarchy and the deterministic test doubles."""

from __future__ import annotations

import pytest

from tgcore import errors
from tgcore.testing import FakeClock, SeededRandom


def test_hierarchy_is_rooted_at_tgerror() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.TgError)
    assert issubclass(errors.SecurityError, errors.ProtocolError)
    assert issubclass(errors.FloodWait, errors.RpcError)


def test_rpc_error_and_flood_wait_carry_their_fields() -> None:
    err = errors.RpcError(400, "PHONE_CODE_INVALID")
    assert (err.code, err.name, str(err)) == (400, "PHONE_CODE_INVALID", "400 PHONE_CODE_INVALID")
    flood = errors.FloodWait(17)
    assert (flood.code, flood.name, flood.seconds) == (420, "FLOOD_WAIT_17", 17)
    with pytest.raises(errors.RpcError):
        raise flood


def test_transport_error_message() -> None:
    assert errors.TransportError(-404).code == -404
    assert str(errors.TransportError(-404)) == "transport error -404"
    assert str(errors.TransportError(-429, "too many")) == "too many"


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(100.0)
    assert clock() == 100.0
    clock.advance(2.5)
    assert clock() == 102.5


def test_seeded_random_is_reproducible() -> None:
    assert SeededRandom(7)(32) == SeededRandom(7)(32)
    assert SeededRandom(7)(32) != SeededRandom(8)(32)
    assert len(SeededRandom()(5)) == 5
