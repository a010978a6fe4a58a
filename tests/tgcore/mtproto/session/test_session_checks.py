"""msg_id time window, the received-id window, seq_no generation, salts, outbox, sent cache."""

from __future__ import annotations

import pytest

from tgcore.mtproto.session import (
    STATE_ACKNOWLEDGED,
    STATE_NOT_RECEIVED,
    STATE_RECEIVED,
    STATE_TOO_HIGH,
    STATE_UNKNOWN,
    Message,
    MsgIdStatus,
    ReceivedWindow,
    SaltSchedule,
    SeqNoGenerator,
    ServerSalt,
    check_msg_id_time,
)
from tgcore.mtproto.session._outbox import Outbox
from tgcore.mtproto.session._sentcache import SentCache
from tgcore.testing import SeededRandom

NOW = 1_700_000_000.0


def mid(t: float) -> int:
    return int(t * 2**32) & ~3


def test_time_window() -> None:
    assert check_msg_id_time(mid(NOW), NOW) == 0
    assert check_msg_id_time(mid(NOW - 299), NOW) == 0
    assert check_msg_id_time(mid(NOW - 301), NOW) == 16
    assert check_msg_id_time(mid(NOW + 29), NOW) == 0
    assert check_msg_id_time(mid(NOW + 31), NOW) == 17
    assert check_msg_id_time(mid(NOW + 31), NOW, max_future=60) == 0


def test_window_duplicates_and_eviction() -> None:
    window = ReceivedWindow(3)
    assert window.lowest is None and window.highest is None
    assert window.status(100) is MsgIdStatus.NEW
    for msg_id in (100, 104, 96):  # out of order insert
        window.add(msg_id, 0)
    assert len(window) == 3 and window.lowest == 96 and window.highest == 104
    assert window.status(104) is MsgIdStatus.DUPLICATE
    assert 104 in window
    # below the lowest, but nothing was forgotten yet: still a new message
    assert window.status(4) is MsgIdStatus.NEW
    window.add(108, 0)  # 96 is dropped
    assert 96 not in window
    assert window.status(96) is MsgIdStatus.TOO_OLD
    assert window.status(4) is MsgIdStatus.TOO_OLD
    assert window.status(102) is MsgIdStatus.NEW
    with pytest.raises(ValueError):
        ReceivedWindow(0)


def test_window_seq_no_order() -> None:
    window = ReceivedWindow()
    window.add(100, 1)
    window.add(108, -1)  # a container: ignored for seq_no
    window.add(200, 5)
    assert window.check_seq_no(150, 3) == 0
    assert window.check_seq_no(150, 2) == 0
    assert window.check_seq_no(150, 0) == 32  # an earlier id has a higher seq_no
    assert window.check_seq_no(150, 1) == 32  # same odd seq_no as an earlier id
    assert window.check_seq_no(150, 6) == 33  # a later id has a lower seq_no
    assert window.check_seq_no(150, 5) == 33  # same odd seq_no as a later id
    assert window.check_seq_no(300, 5) == 32
    assert window.check_seq_no(300, 6) == 0
    assert window.check_seq_no(50, 2) == 33
    assert window.check_seq_no(50, 0) == 0
    window.add(300, 6)
    assert window.check_seq_no(400, 6) == 0  # equal even seq_nos are fine


def test_window_states() -> None:
    window = ReceivedWindow(2)
    assert window.state(10) == STATE_TOO_HIGH
    window.add(100, 1)
    window.add(200, 3)
    assert window.state(100) == STATE_RECEIVED
    assert window.mark(100, STATE_ACKNOWLEDGED)
    assert window.flags(100) == STATE_RECEIVED | STATE_ACKNOWLEDGED
    assert not window.mark(150, STATE_ACKNOWLEDGED)
    assert window.flags(150) is None
    assert window.state(150) == STATE_NOT_RECEIVED
    assert window.state(50) == STATE_NOT_RECEIVED
    assert window.state(300) == STATE_TOO_HIGH
    window.add(300, 5)
    assert window.state(50) == STATE_UNKNOWN


def test_seqno_generator() -> None:
    seq = SeqNoGenerator()
    assert [seq.next(True), seq.next(False), seq.next(True), seq.next(True), seq.next(False)] == [
        1,
        2,
        3,
        5,
        6,
    ]
    assert seq.content_sent == 3
    seq.advance(-10)
    assert seq.next(False) == 0
    seq.advance(64)
    assert seq.next(True) == 129


def test_salt_schedule() -> None:
    schedule = SaltSchedule(SeededRandom(1), period=3600, grace=1800)
    assert schedule.period == 3600
    start = 3600 * 1000.0
    first = schedule.current(start + 10)
    assert schedule.current(start + 3599) == first
    assert schedule.is_valid(first, start)
    second = schedule.current(start + 3600)
    assert second != first
    assert schedule.is_valid(first, start + 3600 + 1799)  # grace period
    assert not schedule.is_valid(first, start + 3600 + 1800)
    assert not schedule.is_valid(12345, start + 3600)
    future = schedule.future(start + 3600, 3)
    assert future[0].salt == second
    assert future[0] == ServerSalt(int(start) + 3600, int(start) + 7200, second)
    assert [s.valid_since for s in future] == [int(start) + 3600 * k for k in (1, 2, 3)]
    assert len(schedule.future(start, 500)) == 64
    assert len(schedule.future(start, 0)) == 1
    # restore from a snapshot: the same salts
    restored = SaltSchedule(SeededRandom(99), salts=schedule.snapshot())
    assert restored.current(start + 3600) == second
    assert restored.future(start + 3600, 3) == future
    # old windows are pruned
    schedule.current(start + 10 * 3600)
    assert all(s.valid_since >= start + 8 * 3600 for s in schedule.snapshot())
    schedule.set_current(42, start + 10 * 3600)
    assert schedule.current(start + 10 * 3600) == 42
    with pytest.raises(ValueError):
        SaltSchedule(SeededRandom(1), period=0)


def test_outbox_packs_containers_within_limits() -> None:
    counter = iter(range(1000, 2000, 4))

    def new_container() -> tuple[int, int]:
        return next(counter), 0

    box = Outbox(max_messages=2, max_bytes=8 + 2 * (16 + 8))
    assert box.drain(new_container) == []
    msgs = [Message(4 * i, 2 * i, b"\x01\x02\x03\x04" * 2) for i in range(5)]
    for m in msgs:
        box.append(m)
    assert len(box) == 5
    packed = box.drain(new_container)
    assert [len(p.inner) for p in packed] == [2, 2, 0]
    assert packed[-1].message == msgs[4]
    assert packed[0].message.msg_id == 1000
    assert len(box) == 0
    # too big for the byte budget together: separate payloads
    box = Outbox(max_messages=10, max_bytes=60)
    box.append(Message(4, 0, b"x" * 40))
    box.append(Message(8, 0, b"y" * 40))
    assert [p.inner for p in box.drain(new_container)] == [(), ()]
    # a forced container even for a single message
    box.append(Message(4, 0, b"z" * 4), in_container=True)
    (only,) = box.drain(new_container)
    assert only.inner == (Message(4, 0, b"z" * 4),)


def test_sent_cache_bounds() -> None:
    cache = SentCache(max_messages=2, max_bytes=100)
    cache.add(Message(1, 1, b"a" * 10), req_msg_id=100)
    cache.add(Message(3, 3, b"b" * 10))
    assert len(cache) == 2 and cache.total_bytes == 20
    assert cache.answer_for(100) == Message(1, 1, b"a" * 10)
    cache.add(Message(5, 5, b"c" * 10))  # evicts 1 (and its request link)
    assert 1 not in cache and cache.answer_for(100) is None
    assert cache.get(3) == Message(3, 3, b"b" * 10)
    assert cache.get(1) is None
    assert cache.ack(3) and not cache.ack(3)
    cache.add(Message(7, 7, b"d" * 500), req_msg_id=200)  # over the byte budget: newest kept
    assert len(cache) == 1 and cache.answer_for(200) is not None
    assert cache.ack(7) and cache.total_bytes == 0
