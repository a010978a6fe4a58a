"""msg_id generation."""

from __future__ import annotations

import pytest

from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind, msg_id_time
from tgcore.testing import FakeClock


def test_ids_follow_the_clock_and_keep_their_kind() -> None:
    clock = FakeClock(1_700_000_000.5)
    ids = MsgIdGenerator(clock)
    assert ids.last == 0
    first = ids.next()
    assert first % 4 == MsgKind.CLIENT
    assert abs(msg_id_time(first) - 1_700_000_000.5) < 1e-6
    reply = ids.next(MsgKind.SERVER_REPLY)
    push = ids.next(MsgKind.SERVER_PUSH)
    assert reply % 4 == 1 and push % 4 == 3
    assert first < reply < push == ids.last


def test_ids_strictly_increase_on_a_frozen_or_backward_clock() -> None:
    clock = FakeClock()
    ids = MsgIdGenerator(clock)
    made = [ids.next() for _ in range(100)]
    clock.advance(-10)
    made += [ids.next() for _ in range(10)]
    assert made == sorted(set(made))
    assert all(m % 4 == 0 for m in made)


def test_time_offset_and_resync() -> None:
    clock = FakeClock(1_000_000.0)
    ids = MsgIdGenerator(clock, time_offset=5.0)
    assert ids.now() == 1_000_005.0
    assert int(msg_id_time(ids.next())) == 1_000_005
    server_id = int(999_000.0 * 2**32) | 1
    ids.next()
    offset = ids.resync(server_id)
    assert offset == pytest.approx(-1000.0) and ids.time_offset == offset
    # restarted from the corrected clock, even though that is below the last id made
    assert int(msg_id_time(ids.next())) == 999_000
