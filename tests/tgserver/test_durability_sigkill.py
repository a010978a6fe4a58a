"""SIGKILL during a burst of sends loses no acknowledged message and duplicates none.

``tgserver run`` runs as a subprocess on a temporary data directory. Two users sign up with the
Trio client and send each other a burst of messages from several tasks at once, each with a
unique text and random_id. Once half of them have been answered, the server is killed with
SIGKILL, mid-burst. It is started again on the same data directory; the clients come back on
their saved auth keys and read both histories in full: every message whose
``messages.sendMessage`` returned is there exactly once, on both sides, under the id the answer
gave, and no text appears twice. Sends that never got their answer are then made again with
their original random_id, which must not create a second copy of any of them.
"""

from __future__ import annotations

import os
from collections import Counter
from functools import partial
from pathlib import Path

import attrs
import pytest
import trio

from tests.sigkill_support import (
    CODE,
    burst_then_kill,
    full_history,
    running_server,
    session_client,
)
from tgcore.client import Client
from tgcore.errors import RpcError
from tgcore.storage import MemorySessionStore
from tgcore.tl import functions, types

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")

ALICE_PHONE = "9996627001"
BOB_PHONE = "9996627002"
TASKS = 6  # concurrent senders (three per user)
PER_TASK = 50  # 300 messages in all
KILL_AFTER = 150  # acknowledged sends before the SIGKILL
RESEND = 10  # unacknowledged sends made again after the restart


@attrs.define
class User:
    """One side of the chat: its session store survives the server's restart."""

    phone: str
    name: str
    store: MemorySessionStore = attrs.field(factory=MemorySessionStore)
    id: int = 0
    peer: types.InputPeerUser | None = None  # the other user, as this one sees them


async def log_in(client: Client, user: User) -> None:
    """Use the session's login if it still holds; otherwise sign in (or up) with the test code."""
    try:
        [me] = await client(functions.users.GetUsers(id=[types.InputUserSelf()]))
        if isinstance(me, types.User) and me.phone == user.phone:
            user.id = me.id
            return
    except RpcError:
        pass  # 401: the key is not logged in
    sent = await client(
        functions.auth.SendCode(
            phone_number=user.phone, api_id=1, api_hash="0" * 32, settings=types.CodeSettings()
        )
    )
    assert isinstance(sent, types.auth.SentCode)
    result = await client(
        functions.auth.SignIn(
            phone_number=user.phone, phone_code_hash=sent.phone_code_hash, phone_code=CODE
        )
    )
    if isinstance(result, types.auth.AuthorizationSignUpRequired):
        result = await client(
            functions.auth.SignUp(
                phone_number=user.phone,
                phone_code_hash=sent.phone_code_hash,
                first_name=user.name,
                last_name="",
            )
        )
    assert isinstance(result, types.auth.Authorization)
    user.id = result.user.id


async def find(client: Client, phone: str) -> types.InputPeerUser:
    """The user with ``phone``, through contacts.importContacts."""
    contact = types.InputPhoneContact(client_id=1, phone="+" + phone, first_name="x", last_name="")
    imported = await client(functions.contacts.ImportContacts(contacts=[contact]))
    [user] = imported.users
    assert isinstance(user, types.User) and user.access_hash is not None
    return types.InputPeerUser(user_id=user.id, access_hash=user.access_hash)


def client(port: int, public_key: bytes, user: User) -> Client:
    """A client for ``user`` on its saved auth key, if it has one."""
    return session_client(port, public_key, user.store)


@attrs.frozen
class Send:
    """One message of the burst."""

    sender: str
    text: str
    random_id: int


async def test_sigkill_mid_burst_loses_and_duplicates_nothing(
    server_data_dir: Path, tmp_path: Path
) -> None:
    alice, bob = User(ALICE_PHONE, "Alice"), User(BOB_PHONE, "Bob")
    burst = [
        Send(("alice", "bob")[task % 2], f"burst {task}/{n}", task * 1_000_000 + n + 1)
        for task in range(TASKS)
        for n in range(PER_TASK)
    ]
    acked: dict[Send, int] = {}  # the sends that returned, with the id they returned
    half_acked = trio.Event()

    with trio.fail_after(60):
        async with running_server(server_data_dir, tmp_path / "first.log") as (server, port):
            key = (server_data_dir / "server.pub.pem").read_bytes()  # written at start
            async with client(port, key, alice) as a, client(port, key, bob) as b:
                await log_in(a, alice)
                await log_in(b, bob)
                alice.peer = await find(a, BOB_PHONE)
                bob.peer = await find(b, ALICE_PHONE)
                clients = {"alice": (a, alice), "bob": (b, bob)}

                async def sender(task: int) -> None:
                    for send in burst[task * PER_TASK : (task + 1) * PER_TASK]:
                        connection, user = clients[send.sender]
                        assert user.peer is not None
                        sent = await connection(
                            functions.messages.SendMessage(
                                peer=user.peer, message=send.text, random_id=send.random_id
                            )
                        )
                        assert isinstance(sent, types.UpdateShortSentMessage)
                        acked[send] = sent.id
                        if len(acked) >= KILL_AFTER:
                            half_acked.set()

                await burst_then_kill(
                    server, [partial(sender, task) for task in range(TASKS)], half_acked
                )

    assert KILL_AFTER <= len(acked) < len(burst), "the kill did not land mid-burst"
    unacked = [send for send in burst if send not in acked]

    with trio.fail_after(60):
        async with running_server(server_data_dir, tmp_path / "second.log") as (server, port):  # noqa: SIM117
            async with client(port, key, alice) as a, client(port, key, bob) as b:
                await log_in(a, alice)
                await log_in(b, bob)
                assert alice.peer is not None and bob.peer is not None

                async def check() -> None:
                    """Both sides hold every acknowledged message once; no text twice."""
                    for connection, peer, me in ((a, alice.peer, "alice"), (b, bob.peer, "bob")):
                        assert peer is not None
                        history = await full_history(connection, peer)
                        counts = Counter(m.message for m in history)
                        assert [t for t, n in counts.items() if n > 1] == [], me
                        ids = {m.message: m.id for m in history}
                        missing = [s.text for s in acked if s.text not in ids]
                        assert missing == [], f"{me} lost acknowledged messages"
                        # The sender's copy is the id the sendMessage answer gave.
                        assert all(ids[s.text] == i for s, i in acked.items() if s.sender == me)

                await check()
                # The same random_ids again: a send the server had stored before it died
                # returns its stored message, the others are sent now, once.
                clients = {"alice": (a, alice), "bob": (b, bob)}
                for send in unacked[:RESEND]:
                    connection, user = clients[send.sender]
                    assert user.peer is not None
                    ids: set[int] = set()
                    for _ in range(2):
                        sent = await connection(
                            functions.messages.SendMessage(
                                peer=user.peer, message=send.text, random_id=send.random_id
                            )
                        )
                        assert isinstance(sent, types.UpdateShortSentMessage)
                        ids.add(sent.id)
                    [acked[send]] = ids  # the second send returned the first one's message
                await check()
