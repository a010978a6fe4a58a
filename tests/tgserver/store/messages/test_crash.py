"""kill -9 during a burst of sends: every acknowledged send survives, on both sides, once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tgserver.store.messages import INITIAL_PTS, NewMessage, SqliteMessageStore

WRITER = Path(__file__).with_name("crash_writer.py")


def run_and_kill(directory: Path, acknowledged: int, mode: str = "private") -> list[list[str]]:
    """Start the writer, SIGKILL it once ``acknowledged`` sends returned; all its lines."""
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(directory), mode],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[list[str]] = []
    done = 0
    try:
        for raw in process.stdout:
            lines.append(raw.split())
            done += lines[-1][0] == "D"
            if done >= acknowledged:
                process.send_signal(signal.SIGKILL)
                break
        lines += [raw.split() for raw in process.stdout]  # what was written before the kill
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL, "the writer died on its own"
    return [line for line in lines if len(line) > 1 and line[-1]]  # drop a torn last line


def check_every_box_is_whole(directory: Path) -> int:
    """Invariants over all shard files; returns how many message copies there are."""
    messages: list[tuple[int, ...]] = []
    boxes: dict[int, tuple[int, ...]] = {}
    dialogs: dict[tuple[int, int], tuple[int, ...]] = {}
    updates: dict[int, int] = {}
    outbox = 0
    for path in sorted(directory.glob("messages.*.sqlite3")):
        conn = sqlite3.connect(path)
        try:
            messages += conn.execute(
                "SELECT owner, id, peer, out, origin_user, origin_id FROM messages"
            ).fetchall()
            boxes.update(
                {r[0]: r[1:] for r in conn.execute("SELECT owner, last_id, pts FROM boxes")}
            )
            dialogs.update(
                {(r[0], r[1]): r[2:] for r in conn.execute(
                    "SELECT owner, peer, top_message, unread_count FROM dialogs")}
            )  # fmt: skip
            updates.update(conn.execute("SELECT owner, count(*) FROM updates GROUP BY owner"))
            outbox += conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        finally:
            conn.close()
    assert outbox == 0
    by_key = Counter((m[0], m[4], m[5]) for m in messages)
    assert max(by_key.values()) == 1
    rows = {(m[0], m[1]): m for m in messages}
    for owner, (last_id, pts) in boxes.items():
        ids = sorted(m[1] for m in messages if m[0] == owner)
        assert ids == list(range(1, last_id + 1)), "a gap or a duplicate id"
        assert pts == INITIAL_PTS + len(ids) == INITIAL_PTS + updates[owner]
    for owner, msg_id, peer, out, origin_user, origin_id in messages:
        if peer == owner:
            continue
        if out:  # delivered exactly once
            assert by_key.get((peer, owner, msg_id)) == 1, (owner, msg_id)
        else:  # backed by its original
            assert rows[origin_user, origin_id][3] == 1
    for (owner, peer), (top, unread) in dialogs.items():
        copies = [m for m in messages if m[0] == owner and m[2] == peer]
        assert top == max(m[1] for m in copies)
        assert unread == sum(not m[3] for m in copies)
    return len(messages)


async def test_acknowledged_sends_survive_sigkill(tmp_path: Path) -> None:
    lines = run_and_kill(tmp_path, acknowledged=250)
    started = {(int(x[1]), int(x[2])): int(x[3]) for x in lines if x[0] == "S" and len(x) == 4}
    acked = {(int(x[1]), int(x[2])): (int(x[3]), int(x[4])) for x in lines if x[0] == "D"}
    assert len(acked) >= 250

    async with await SqliteMessageStore.open(tmp_path, shards=4) as store:
        # Every acknowledged send is there, with the ids the caller was given, on both sides.
        for (user, random_id), (msg_id, peer_msg_id) in acked.items():
            own = await store.get_message(user, msg_id)
            assert own is not None and own.random_id == random_id
            if own.peer_id != user:
                theirs = await store.get_message(own.peer_id, peer_msg_id)
                assert theirs is not None
                assert (theirs.origin_user_id, theirs.origin_id) == (user, msg_id)
    total = check_every_box_is_whole(tmp_path)
    assert total >= len(acked)

    async with await SqliteMessageStore.open(tmp_path, shards=4) as store:
        # A client retrying what it never saw acknowledged gets it stored exactly once.
        for (user, random_id), peer in started.items():
            retry = NewMessage(user, peer, 1, "retry", random_id=random_id)
            result = await store.send_message(retry)
            if (user, random_id) in acked:
                assert result.duplicate and result.message.id == acked[user, random_id][0]
            assert (result.peer_message is None) == (peer == user)
    check_every_box_is_whole(tmp_path)


async def test_acknowledged_group_sends_reach_every_member_after_sigkill(tmp_path: Path) -> None:
    lines = run_and_kill(tmp_path, acknowledged=150, mode="group")
    acked = {(int(x[1]), int(x[2])): int(x[3]) for x in lines if x[0] == "D"}
    assert len(acked) >= 150
    members = range(1, 9)
    async with await SqliteMessageStore.open(tmp_path, shards=4) as store:
        # Every acknowledged group message is in every member's box, once, with its origin.
        for (user, random_id), msg_id in acked.items():
            own = await store.get_message(user, msg_id)
            assert own is not None and own.random_id == random_id and own.peer_id == -7
        copies: Counter[tuple[int, int, int]] = Counter()
        for member in members:
            page = await store.get_history(member, -7, limit=100)
            offset = 0
            while page.messages:
                copies.update((member, m.origin_user_id, m.origin_id) for m in page.messages)
                offset = page.messages[-1].id
                page = await store.get_history(member, -7, offset_id=offset, limit=100)
        for (user, _), msg_id in acked.items():
            assert all(copies[(member, user, msg_id)] == 1 for member in members)
        # Sends cut short by the kill were finished on open: no member misses a sender copy.
        originals = {(u, o) for (m, u, o) in copies if m == u}
        assert all(copies[(member, u, o)] == 1 for (u, o) in originals for member in members)
        assert max(copies.values()) == 1
