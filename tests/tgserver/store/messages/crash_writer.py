"""Run by test_crash.py in a subprocess: sends messages until the test kills it.

Usage: ``python crash_writer.py DIRECTORY [group]``. Prints ``S sender random_id`` before each
send and ``D sender random_id id peer_id`` once ``send_message`` returned, flushing every
line, so the test knows exactly which sends a client would have seen acknowledged. With
``group``, every send is a basic-group message to all the users (``send_to_chat``) and the
``D`` line carries how many copies were made.
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


#: The basic group of the ``group`` mode, and its members.
GROUP = -7
MEMBERS = list(range(1, USERS + 1))


async def group_sender(store: SqliteMessageStore, task: int) -> None:
    n = 0
    while True:
        n += 1
        user = 1 + (task + n) % USERS
        random_id = task * 1_000_000 + n
        emit(f"S {user} {random_id} {GROUP}")
        message = NewMessage(user, GROUP, 1000 + n, f"{task}:{n}", random_id=random_id)
        result = await store.send_to_chat(message, MEMBERS)
        emit(f"D {user} {random_id} {result.message.id} {len(result.copies)}")


async def main(directory: str, mode: str) -> None:
    store = await SqliteMessageStore.open(directory, shards=4)
    emit("READY")
    async with trio.open_nursery() as nursery:
        for task in range(TASKS):
            nursery.start_soon(group_sender if mode == "group" else sender, store, task)


if __name__ == "__main__":
    trio.run(main, sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "private")
