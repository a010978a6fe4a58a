"""The online index: who is logged in where, and pushing events to live sessions."""

from __future__ import annotations

from typing import Any

import attrs

from tgserver.bus import MemoryBus
from tgserver.gateway import OnlineIndex, SessionLink
from tgserver.rpc import SessionCalls
from tgserver.services import Origin


@attrs.define
class FakeSession:
    session_id: int
    pushed: list[bytes] = attrs.field(factory=list)

    def push(self, data: bytes, *, gzip: bool | None = None) -> int:
        assert gzip is False  # the index packs long updates itself
        self.pushed.append(data)
        return len(self.pushed)


@attrs.define
class FakeOutlet:
    closed: bool = False


class FakeRouter:
    def __init__(self) -> None:
        self.by_key: dict[int, list[FakeSession]] = {}

    def sessions(self, key_id: int) -> list[FakeSession]:
        return self.by_key.get(key_id, [])


class FakeTable:
    def __init__(self) -> None:
        self.links: dict[int, SessionLink] = {}

    def get(self, session: FakeSession) -> SessionLink | None:
        return self.links.get(id(session))


class FakeGateway:
    def __init__(self) -> None:
        self.router = FakeRouter()
        self.sessions = FakeTable()
        self.flushed: list[SessionLink] = []

    def add(
        self, key_id: int, session_id: int, *, live: bool = True, wants_updates: bool = True
    ) -> FakeSession:
        session = FakeSession(session_id)
        self.router.by_key.setdefault(key_id, []).append(session)
        outlet: Any = FakeOutlet(closed=not live)
        calls = SessionCalls(key_id, session_id, wants_updates=wants_updates)
        self.sessions.links[id(session)] = SessionLink(session, calls, outlet)  # type: ignore[arg-type]
        return session

    def start_flush(self, link: SessionLink) -> None:
        self.flushed.append(link)


@attrs.frozen
class Event:
    text: str
    origin: Origin | None = None


def _index(bindings: dict[int, int | None]) -> tuple[OnlineIndex, MemoryBus, FakeGateway]:
    async def lookup(key_id: int) -> int | None:
        return bindings.get(key_id)

    async def render(user_id: int, event: object) -> bytes | None:
        assert isinstance(event, Event)
        return None if event.text == "nothing" else f"{user_id}:{event.text}".encode()

    bus = MemoryBus()
    index = OnlineIndex(lookup, bus, render)
    gateway = FakeGateway()
    index.attach(gateway)  # type: ignore[arg-type]
    return index, bus, gateway


async def test_lookups_keep_the_index_and_subscriptions_coherent() -> None:
    bindings: dict[int, int | None] = {1: 100, 2: 100, 3: 200}
    index, bus, _ = _index(bindings)
    for key in (1, 2, 3, 4):
        await index.lookup_user(key)
    assert index.keys_of(100) == {1, 2} and index.keys_of(200) == {3}
    assert (bus.subscribers(100), bus.subscribers(200)) == (1, 1)
    bindings[1] = None  # logged out
    await index.lookup_user(1)
    assert index.keys_of(100) == {2}
    bindings[2] = 200  # the key logged in to someone else
    await index.lookup_user(2)
    assert index.keys_of(100) == frozenset() and bus.subscribers(100) == 0
    assert index.keys_of(200) == {2, 3}


async def test_events_reach_every_live_session_but_the_origin() -> None:
    bindings: dict[int, int | None] = {1: 100, 2: 100}
    index, bus, gateway = _index(bindings)
    origin = gateway.add(1, 10)
    other_session = gateway.add(1, 11)
    other_key = gateway.add(2, 20)
    offline = gateway.add(2, 21, live=False)
    await index.lookup_user(1)
    await index.lookup_user(2)
    await bus.publish([100], Event("hi", Origin(1, 10)))
    assert origin.pushed == [] and offline.pushed == []
    assert other_session.pushed == [b"100:hi"] and other_key.pushed == [b"100:hi"]
    assert len(gateway.flushed) == 2 and index.pushed == 2
    await bus.publish([100], Event("nothing"))
    assert index.pushed == 2


async def test_sessions_that_only_moved_files_get_no_updates() -> None:
    index, bus, gateway = _index({1: 100})
    main = gateway.add(1, 10)
    media = gateway.add(1, 11, wants_updates=False)
    await index.lookup_user(1)
    await bus.publish([100], Event("hi"))
    assert main.pushed == [b"100:hi"] and media.pushed == []


async def test_a_push_re_checks_keys_without_counting_as_activity() -> None:
    calls: list[tuple[str, int]] = []

    async def lookup(key_id: int) -> int | None:
        calls.append(("lookup", key_id))
        return 100

    async def peek(key_id: int) -> int | None:
        calls.append(("peek", key_id))
        return 100

    async def render(user_id: int, event: object) -> bytes | None:
        return b"update"

    bus = MemoryBus()
    index = OnlineIndex(lookup, bus, render, peek_user=peek)
    gateway = FakeGateway()
    index.attach(gateway)  # type: ignore[arg-type]
    session = gateway.add(1, 10)
    await index.lookup_user(1)
    calls.clear()
    await bus.publish([100], Event("hi"))
    assert session.pushed == [b"update"] and calls == [("peek", 1)]


async def test_a_key_logged_out_since_its_last_request_gets_nothing() -> None:
    bindings: dict[int, int | None] = {1: 100}
    index, bus, gateway = _index(bindings)
    session = gateway.add(1, 10)
    await index.lookup_user(1)
    bindings[1] = None
    await bus.publish([100], Event("secret"))
    assert session.pushed == [] and index.keys_of(100) == frozenset()


async def test_nothing_is_pushed_before_attach() -> None:
    async def lookup(key_id: int) -> int | None:
        return 100

    async def render(user_id: int, event: object) -> bytes | None:
        raise AssertionError("not rendered")

    bus = MemoryBus()
    index = OnlineIndex(lookup, bus, render)
    await index.lookup_user(1)
    await bus.publish([100], Event("x"))


async def test_keys_without_sessions_are_forgotten() -> None:
    bindings: dict[int, int | None] = {1: 100, 2: 100}
    index, bus, gateway = _index(bindings)
    session = gateway.add(1, 10)
    await index.lookup_user(1)
    await index.lookup_user(2)  # no sessions in the router (swept)
    await bus.publish([100], Event("hi"))
    assert session.pushed == [b"100:hi"] and index.keys_of(100) == {1}


async def test_a_stopping_gateway_is_not_an_error() -> None:
    bindings: dict[int, int | None] = {1: 100}
    index, bus, gateway = _index(bindings)
    session = gateway.add(1, 10)

    def closed(link: SessionLink) -> None:
        raise RuntimeError("Nursery is closed to new arrivals")

    gateway.start_flush = closed  # type: ignore[method-assign]
    await index.lookup_user(1)
    await bus.publish([100], Event("late"))
    assert session.pushed == [b"100:late"]


async def test_long_updates_are_packed_once_per_fan_out() -> None:
    """A long post is gzip-packed by the index, its shared text compressed once."""
    from tgcore.mtproto.session import gzip_unpack

    text = b"\x40\x42\xae\x74" + b"a long post, the same for every member " * 40

    async def lookup(key_id: int) -> int | None:
        return key_id * 100

    async def render(user_id: int, event: object) -> bytes | None:
        return text + user_id.to_bytes(8, "little")  # the per-viewer part comes last

    bus = MemoryBus()
    index = OnlineIndex(lookup, bus, render)
    gateway = FakeGateway()
    index.attach(gateway)  # type: ignore[arg-type]
    members = [gateway.add(key, key) for key in range(1, 6)]
    for key in range(1, 6):
        await index.lookup_user(key)
    await bus.publish([key * 100 for key in range(1, 6)], Event("post"))
    for key, session in enumerate(members, start=1):
        (body,) = session.pushed
        assert len(body) < len(text)
        assert gzip_unpack(body, max_size=1 << 20) == text + (key * 100).to_bytes(8, "little")
    second = gateway.add(1, 99)  # both sessions of user 100 get the same packed bytes
    await bus.publish([100], Event("again"))
    assert second.pushed[0] == members[0].pushed[1]
