"""Fan-out helpers of the session core: SharedGzip and SaltSchedule's current-window memo."""

from __future__ import annotations

import gzip
import hashlib
import math
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telethon.extensions import BinaryReader
from telethon.tl.core import GzipPacked

from tgcore.mtproto.session import (
    SaltSchedule,
    ServerSalt,
    SharedGzip,
    common_prefix_length,
    gzip_unpack,
    maybe_gzip,
)
from tgcore.mtproto.session import _service as sv
from tgcore.tl.primitives import Reader

GZIP_ID = struct.pack("<I", sv.GZIP_PACKED_ID)
UPDATES = b"\x40\x42\xae\x74"  # a TL constructor id that is not gzip_packed's


def _inflate(body: bytes) -> bytes:
    return gzip_unpack(body, max_size=1 << 22)


def _post(text: bytes, viewer: int) -> bytes:
    """A long shared head (the text) and a short per-viewer tail (an access hash)."""
    return UPDATES + text + struct.pack("<q", viewer * 0x9E3779B97F4A7C15 % (1 << 63)) + b"tail"


def test_common_prefix_length() -> None:
    assert common_prefix_length(b"", b"abc") == 0
    assert common_prefix_length(b"abc", b"abc") == 3
    assert common_prefix_length(b"abcd", b"abxd") == 2
    assert common_prefix_length(b"abc", b"abcdef") == 3
    assert common_prefix_length(b"xbc", b"abc") == 0


@given(st.binary(max_size=300), st.binary(max_size=300), st.binary(max_size=300))
def test_common_prefix_length_matches_a_scan(head: bytes, a: bytes, b: bytes) -> None:
    x, y = head + a, head + b
    expected = next(
        (i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y))
    )
    assert common_prefix_length(x, y) == expected


def test_fan_out_compresses_the_shared_prefix_once(monkeypatch: pytest.MonkeyPatch) -> None:
    text = b"a long channel post, the same for every member. " * 40
    calls = 0
    real = zlib.compressobj

    def counting(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args)

    monkeypatch.setattr(zlib, "compressobj", counting)
    sharer = SharedGzip()
    bodies = [_post(text, viewer) for viewer in range(50)]
    packed = [sharer.pack(body) for body in bodies]
    # the first body alone (maybe_gzip), then the shared prefix once for all the others
    assert calls == 2
    assert sharer.prefix_length == len(UPDATES + text)
    for body, out in zip(bodies, packed, strict=True):
        assert out[:4] == GZIP_ID
        assert len(out) < len(body)
        assert _inflate(out) == body
        # the ordinary gzip reader and Telethon read the same bytes back
        reader = Reader(out)
        reader.read_uint()
        assert gzip.decompress(reader.read_bytes()) == body
        assert GzipPacked.read(BinaryReader(out)) == body
    assert packed[0] == maybe_gzip(bodies[0])


def test_deterministic() -> None:
    text = b"0123456789abcdef" * 64
    bodies = [_post(text, viewer) for viewer in range(5)]
    one, two = SharedGzip(), SharedGzip()
    assert [one.pack(b) for b in bodies] == [two.pack(b) for b in bodies]
    # each body alone takes the plain path
    assert [SharedGzip().pack(b) for b in bodies] == [maybe_gzip(b) for b in bodies]


def test_short_bodies_are_left_alone() -> None:
    sharer = SharedGzip(threshold=512)
    body = UPDATES + b"x" * 508
    assert sharer.pack(body) is body
    assert sharer.prefix_length == 0


def test_short_common_prefix_goes_the_plain_way() -> None:
    sharer = SharedGzip(min_prefix=256)
    a = UPDATES + b"a" * 100 + b"x" * 900
    b = UPDATES + b"a" * 100 + b"y" * 900
    assert sharer.pack(a) == maybe_gzip(a)
    assert sharer.pack(b) == maybe_gzip(b)
    assert sharer.prefix_length == 0


def test_a_prefix_is_used_only_for_bodies_it_makes_half_of() -> None:
    sharer = SharedGzip(min_prefix=16)
    head = UPDATES + b"shared head " * 50
    a, b = head + b"a" * 100, head + b"b" * 100
    sharer.pack(a)
    assert _inflate(sharer.pack(b)) == b
    assert sharer.prefix_length == len(head)
    long_tail = head + b"a long compressible tail of its own " * 40
    assert sharer.pack(long_tail) == maybe_gzip(long_tail)
    assert sharer.prefix_length == len(head)  # kept for the next member


def test_a_new_post_learns_a_new_prefix() -> None:
    sharer = SharedGzip()
    one = [_post(b"first post " * 80, v) for v in range(3)]
    two = [_post(b"second post " * 80, v) for v in range(3)]
    for body in one + two:
        assert _inflate(sharer.pack(body)) == body
    assert sharer.prefix_length == len(UPDATES + b"second post " * 80)


def test_incompressible_bodies_stay_plain() -> None:
    blob = b"".join(hashlib.sha256(i.to_bytes(4, "little")).digest() for i in range(100))
    sharer = SharedGzip(min_prefix=16)
    bodies = [UPDATES + blob + struct.pack("<i", v) for v in range(3)]
    for body in bodies:
        assert sharer.pack(body) == body
    assert sharer.prefix_length == len(UPDATES + blob)


def test_long_tails_span_several_stored_blocks() -> None:
    sharer = SharedGzip(min_prefix=16)
    head = UPDATES + b"h" * 160_000
    bodies = [head + bytes([v]) * 70_000 + bytes(range(256)) * 300 for v in range(3)]
    for body in bodies:
        out = sharer.pack(body)
        assert _inflate(out) == body
        assert GzipPacked.read(BinaryReader(out)) == body
    # a body that is exactly the prefix: an empty final stored block
    assert (
        _inflate(sharer.pack(bodies[2][: sharer.prefix_length]))
        == bodies[2][: sharer.prefix_length]
    )


@settings(max_examples=60, deadline=None)
@given(
    st.binary(min_size=0, max_size=2000),
    st.lists(st.binary(max_size=200), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=600),
)
def test_any_fan_out_round_trips(head: bytes, tails: list[bytes], min_prefix: int) -> None:
    sharer = SharedGzip(threshold=64, min_prefix=min_prefix)
    for tail in tails:
        body = UPDATES + head + tail
        body += b"\0" * (-len(body) % 4)
        out = sharer.pack(body)
        assert out == body or (out[:4] == GZIP_ID and len(out) < len(body))
        assert (body if out == body else _inflate(out)) == body


# -- SaltSchedule.current memo ----------------------------------------------------------------


class _ReferenceSchedule:
    """The schedule's documented rules, walking every window on each call."""

    def __init__(self, rng: Callable[[int], bytes], period: int, grace: int) -> None:
        self.rng, self.period, self.grace = rng, period, grace
        self.windows: dict[int, int] = {}

    def salt(self, window: int) -> int:
        if window not in self.windows:
            self.windows[window] = struct.unpack("<q", self.rng(8))[0]
        return self.windows[window]

    def prune(self, window: int) -> None:
        for k in [k for k in self.windows if k < window - 1]:
            del self.windows[k]

    def current(self, now: float) -> int:
        window = math.floor(now / self.period)
        self.prune(window)
        return self.salt(window)

    def is_valid(self, salt: int, now: float) -> bool:
        window = math.floor(now / self.period)
        if salt == self.salt(window):
            return True
        return self.windows.get(window - 1) == salt and now < window * self.period + self.grace

    def future(self, now: float, count: int) -> list[ServerSalt]:
        count = max(1, min(count, 64))
        window = math.floor(now / self.period)
        self.prune(window)
        return [
            ServerSalt(k * self.period, (k + 1) * self.period, self.salt(k))
            for k in range(window, window + count)
        ]

    def set_current(self, salt: int, now: float) -> None:
        self.windows[math.floor(now / self.period)] = salt

    def snapshot(self) -> list[ServerSalt]:
        return [
            ServerSalt(k * self.period, (k + 1) * self.period, s)
            for k, s in sorted(self.windows.items())
        ]


def _counter_rng() -> Callable[[int], bytes]:
    state = [0]

    def rng(n: int) -> bytes:
        state[0] += 1
        return (state[0] * 0x9E3779B97F4A7C15 % (1 << 64)).to_bytes(8, "little")[:n]

    return rng


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["current", "is_valid", "future", "set_current"]),
        st.integers(min_value=-50, max_value=400),  # time, in units of 10 s
        st.integers(min_value=-3, max_value=3),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_OPS)
def test_salt_schedule_memo_keeps_the_semantics(ops: list[tuple[str, int, int]]) -> None:
    fast = SaltSchedule(_counter_rng(), period=100, grace=50)
    slow = _ReferenceSchedule(_counter_rng(), 100, 50)
    for op, t, arg in ops:
        now = t * 10.0 + 0.5
        if op == "current":
            assert fast.current(now) == slow.current(now)
        elif op == "is_valid":
            salt = slow.windows.get(math.floor(now / 100) + min(arg, 0), arg)
            assert fast.is_valid(salt, now) == slow.is_valid(salt, now)
        elif op == "future":
            assert fast.future(now, arg + 3) == slow.future(now, arg + 3)
        else:
            fast.set_current(arg, now)
            slow.set_current(arg, now)
        assert fast.snapshot() == slow.snapshot()


def test_salt_schedule_current_is_memoised_within_a_window() -> None:
    rng = _counter_rng()
    schedule = SaltSchedule(rng, period=100, grace=50)
    first = schedule.current(1000.0)
    schedule.future(1000.0, 5)
    assert [s.valid_since for s in schedule.snapshot()] == [1000, 1100, 1200, 1300, 1400]
    assert schedule.current(1099.0) == first
    # an old window looked at by is_valid is pruned again by the next current()
    schedule.is_valid(1, 500.0)
    assert schedule.snapshot()[0].valid_since == 500
    assert schedule.current(1050.0) == first
    assert schedule.snapshot()[0].valid_since == 1000
    # a later future() prunes past the remembered window: current() draws it afresh
    schedule.future(1300.0, 1)
    assert schedule.current(1000.0) != first
    schedule.set_current(42, 1000.0)
    assert schedule.current(1000.0) == 42
    assert schedule.current(1100.0) != 42
