"""Run by test_crash.py in a subprocess: sends messages until the test kills it.

Usage: ``python crash_writer.py DIRECTORY``. Prints ``S sender random_id`` before each
send and ``D sender random_id id peer_id`` once ``send_message`` returned, flushing every
line, so the test knows exactly which sends a client would have seen acknowledged.
"""

from __future__ import annotations

import sys

import trio

from tgserver.store.messages import NewMessage, SqliteMessageStore

USERS = 8
TASKS = 16


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def sender(store: SqliteMessageStore, task: int) -> None:
    n = 0
    while True:
        n += 1
        user = 1 + (task + n) % USERS
        peer = 1 + (task * 3 + n * 5) % USERS  # sometimes the user itself: Saved Messages
        random_id = task * 1_000_000 + n
        emit(f"S {user} {random_id} {peer}")
        result = await store.send_message(NewMessage(user, peer, 1000 + n, f"{task}:{n}",
                                                     random_id=random_id))  # fmt: skip
        peer_id = 0 if result.peer_message is None else result.peer_message.id
        emit(f"D {user} {random_id} {result.message.id} {peer_id}")


async def main(directory: str) -> None:
    store = await SqliteMessageStore.open(directory, shards=4)
    emit("READY")
    async with trio.open_nursery() as nursery:
        for task in range(TASKS):
            nursery.start_soon(sender, store, task)


if __name__ == "__main__":
    trio.run(main, sys.argv[1])
