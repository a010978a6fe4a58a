"""The in-memory event bus."""

from __future__ import annotations

import logging

import pytest

from tgserver.bus import MemoryBus


async def test_publish_reaches_each_subscribed_user_once() -> None:
    bus = MemoryBus()
    got: list[tuple[str, int, object]] = []

    async def first(user_id: int, event: object) -> None:
        got.append(("first", user_id, event))

    async def second(user_id: int, event: object) -> None:
        got.append(("second", user_id, event))

    bus.subscribe(1, first)
    bus.subscribe(1, second)
    bus.subscribe(2, first)
    await bus.publish([1, 2, 1, 3], "hello")
    assert got == [("first", 1, "hello"), ("second", 1, "hello"), ("first", 2, "hello")]
    assert (bus.subscribers(1), bus.subscribers(3)) == (2, 0)


async def test_cancel_stops_deliveries_and_is_idempotent() -> None:
    bus = MemoryBus()
    got: list[object] = []

    async def listener(user_id: int, event: object) -> None:
        got.append(event)

    sub = bus.subscribe(7, listener)
    await bus.publish([7], 1)
    sub.cancel()
    sub.cancel()
    await bus.publish([7], 2)
    assert got == [1]
    assert bus.subscribers(7) == 0


async def test_a_failing_listener_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = MemoryBus()
    got: list[object] = []

    async def broken(user_id: int, event: object) -> None:
        raise RuntimeError("boom")

    async def fine(user_id: int, event: object) -> None:
        got.append(event)

    bus.subscribe(1, broken)
    bus.subscribe(1, fine)
    with caplog.at_level(logging.ERROR, logger="tgserver.bus"):
        await bus.publish([1], "x")
    assert got == ["x"]
    assert "listener of user 1 failed" in caplog.text
