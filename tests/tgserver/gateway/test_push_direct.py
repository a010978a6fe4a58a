"""Pushes queued straight onto connections (OnlineIndex.run): no task per session, and a
slow reader gets a task of its own without anything overtaking."""

from __future__ import annotations

from typing import Any

import attrs
import trio
import trio.testing

from tgserver.bus import MemoryBus
from tgserver.gateway import OnlineIndex, SessionLink
from tgserver.gateway.outlet import Outlet
from tgserver.rpc import SessionCalls


@attrs.define
class QueueSession:
    """A session that hands out what was pushed, one payload per item."""

    session_id: int
    queued: list[bytes] = attrs.field(factory=list)

    def push(self, data: bytes, *, gzip: bool | None = None) -> int:
        assert gzip is False  # the index packs long updates itself
        self.queued.append(data)
        return len(self.queued)

    def data_to_send(self) -> list[bytes]:
        out, self.queued = self.queued, []
        return out


class Recorder:
    """A stream and a transport for Outlet.run_writer: remembers what was written."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def pack(self, payload: bytes) -> bytes:
        return payload + b";"

    async def send_all(self, data: bytes) -> None:
        self.written.extend(part for part in data.split(b";") if part)


class FakeRouter:
    def __init__(self) -> None:
        self.by_key: dict[int, list[QueueSession]] = {}

    def sessions(self, key_id: int) -> list[QueueSession]:
        return self.by_key.get(key_id, [])


class FakeTable:
    def __init__(self) -> None:
        self.links: dict[int, SessionLink] = {}

    def get(self, session: QueueSession) -> SessionLink | None:
        return self.links.get(id(session))


class FakeGateway:
    def __init__(self) -> None:
        self.router = FakeRouter()
        self.sessions = FakeTable()
        self.flushed: list[SessionLink] = []

    def add(self, key_id: int, session_id: int, outlet: Outlet) -> QueueSession:
        session = QueueSession(session_id)
        self.router.by_key.setdefault(key_id, []).append(session)
        calls = SessionCalls(key_id, session_id, wants_updates=True)
        link = SessionLink(session, calls, outlet)  # type: ignore[arg-type]
        self.sessions.links[id(session)] = link
        return session

    def start_flush(self, link: SessionLink) -> None:
        self.flushed.append(link)


def _index(bindings: dict[int, int]) -> tuple[OnlineIndex, MemoryBus, FakeGateway]:
    async def lookup(key_id: int) -> int | None:
        return bindings.get(key_id)

    async def render(user_id: int, event: object) -> bytes | None:
        return f"{user_id}:{event}".encode()

    bus = MemoryBus()
    index = OnlineIndex(lookup, bus, render)
    gateway = FakeGateway()
    index.attach(gateway)  # type: ignore[arg-type]
    return index, bus, gateway


async def test_pushes_are_queued_without_a_task_per_session() -> None:
    index, bus, gateway = _index({1: 100, 2: 100})
    recorder: Any = Recorder()
    outlets = [Outlet(8), Outlet(8)]
    gateway.add(1, 10, outlets[0])
    gateway.add(2, 20, outlets[1])
    await index.lookup_user(1)
    await index.lookup_user(2)
    async with trio.open_nursery() as nursery:
        await nursery.start(index.run)
        for outlet in outlets:
            nursery.start_soon(outlet.run_writer, recorder, recorder)
        for n in range(3):
            await bus.publish([100], f"post{n}")
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert gateway.flushed == [] and index.pushed == 6
    assert sorted(recorder.written) == sorted([f"100:post{n}".encode() for n in range(3)] * 2)


async def test_a_slow_reader_gets_everything_in_order_through_its_own_task() -> None:
    index, bus, gateway = _index({1: 100, 2: 200})
    slow, fast = Outlet(1), Outlet(16)
    slow_recorder: Any = Recorder()
    fast_recorder: Any = Recorder()
    gateway.add(1, 10, slow)
    gateway.add(2, 20, fast)
    await index.lookup_user(1)
    await index.lookup_user(2)
    async with trio.open_nursery() as nursery:
        await nursery.start(index.run)
        nursery.start_soon(fast.run_writer, fast_recorder, fast_recorder)
        # The slow client reads nothing yet: its queue (1 item) fills at once.
        for n in range(6):
            await bus.publish([100, 200], n)
        await trio.testing.wait_all_tasks_blocked()
        # The fast one was never held up by the slow one.
        assert fast_recorder.written == [f"200:{n}".encode() for n in range(6)]
        nursery.start_soon(slow.run_writer, slow_recorder, slow_recorder)
        await trio.testing.wait_all_tasks_blocked()
        for n in range(6, 8):
            await bus.publish([100], n)
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    assert slow_recorder.written == [f"100:{n}".encode() for n in range(8)]
    assert gateway.flushed == []


async def test_a_closed_connection_takes_nothing() -> None:
    index, bus, gateway = _index({1: 100})
    outlet = Outlet(4)
    session = gateway.add(1, 10, outlet)
    await index.lookup_user(1)
    async with trio.open_nursery() as nursery:
        await nursery.start(index.run)
        outlet.close()
        await bus.publish([100], "late")
        nursery.cancel_scope.cancel()
    # Not pushed at all: the session has no live connection (it catches up by difference).
    assert session.queued == [] and index.pushed == 0
    assert outlet.send_nowait(b"x") is False
