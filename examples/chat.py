"""Two test-number users chat through a tgserver with the Trio client.

Start a server first (``tgserver run``), then::

    python examples/chat.py [HOST] [PORT] [--key tgdata/server.pub.pem]
        [--alice-session alice.session --bob-session bob.session]

Alice (+9996621111) and Bob (+9996622222) sign up, or sign in if they already exist: test
numbers ``99966XYYYY`` take the code ``XXXXX`` (X is the server's DC id, 2 by default) and no
SMS is sent. Bob takes a username, Alice finds him by it (``contacts.resolveUsername``) and Bob
finds Alice by her phone number (``contacts.importContacts``). Alice says hello, Bob reads it from
his live updates and answers, Alice reads the answer from hers. Each line that crosses is
printed as ``alice -> bob: hello Bob``.

With ``--alice-session`` / ``--bob-session`` the auth keys are kept in SQLite files, so the next
run signs in on the same keys instead of making new ones.
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

import trio

from tgcore.client import Client
from tgcore.errors import RpcError
from tgcore.storage import MemorySessionStore, SessionStore, SqliteSessionStore
from tgcore.tl import TLObject, functions, types

ALICE_PHONE = "9996621111"
BOB_PHONE = "9996622222"
BOB_USERNAME = "bob_example"
DC_ID = 2
#: The login code of a test number: the DC id five times.
TEST_CODE = str(DC_ID) * 5
#: Seconds to wait for a message to arrive.
RECEIVE_TIMEOUT = 30.0


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host", nargs="?", default="127.0.0.1")
    parser.add_argument("port", nargs="?", type=int, default=8443)
    parser.add_argument("--key", type=Path, default=Path("tgdata/server.pub.pem"))
    parser.add_argument("--alice-session", type=Path, help="SQLite session file for Alice")
    parser.add_argument("--bob-session", type=Path, help="SQLite session file for Bob")
    return parser.parse_args()


def session_store(path: Path | None) -> SessionStore:
    """A SQLite session store at ``path``, or one in memory."""
    return SqliteSessionStore(path) if path else MemorySessionStore()


async def log_in(client: Client, phone: str, first_name: str) -> types.User:
    """Sign ``phone`` in, signing it up first if the server does not know it yet."""
    try:
        me = await client(functions.users.GetUsers(id=[types.InputUserSelf()]))
        if me and isinstance(me[0], types.User) and me[0].phone == phone:
            return me[0]  # this session's key is still logged in
    except RpcError:
        pass  # 401: not logged in on this key
    sent = await client(
        functions.auth.SendCode(
            phone_number=phone, api_id=1, api_hash="0" * 32, settings=types.CodeSettings()
        )
    )
    assert isinstance(sent, types.auth.SentCode)
    result = await client(
        functions.auth.SignIn(
            phone_number=phone, phone_code_hash=sent.phone_code_hash, phone_code=TEST_CODE
        )
    )
    if isinstance(result, types.auth.AuthorizationSignUpRequired):
        result = await client(
            functions.auth.SignUp(
                phone_number=phone,
                phone_code_hash=sent.phone_code_hash,
                first_name=first_name,
                last_name="",
            )
        )
    assert isinstance(result, types.auth.Authorization)
    assert isinstance(result.user, types.User)
    # Any request after the login tells the server this connection wants live updates.
    await client(functions.updates.GetState())
    return result.user


def new_messages(update: TLObject) -> list[tuple[int, str]]:
    """The (sender id, text) of each incoming private message in a pushed update."""
    if isinstance(update, types.UpdateShortMessage):
        return [] if update.out else [(update.user_id, update.message)]
    found: list[tuple[int, str]] = []
    if isinstance(update, types.Updates | types.UpdatesCombined):
        for item in update.updates:
            if isinstance(item, types.UpdateNewMessage):
                message = item.message
                if isinstance(message, types.Message) and not message.out:
                    sender = message.from_id or message.peer_id
                    assert isinstance(sender, types.PeerUser)
                    found.append((sender.user_id, message.message))
    return found


def only_user(users: list[types.TypeUser], user_id: int) -> types.User:
    """The user ``user_id`` among ``users``."""
    for user in users:
        if isinstance(user, types.User) and user.id == user_id:
            return user
    raise LookupError(f"user {user_id} is not in the answer")


async def receive(client: Client, from_user: int) -> str:
    """The text of the next message that ``from_user`` sends to ``client``'s user."""
    with trio.fail_after(RECEIVE_TIMEOUT):
        async for update in client.updates:
            for sender, text in new_messages(update):
                if sender == from_user:
                    return text
    raise RuntimeError("the client closed before the message came")


async def send(client: Client, peer: types.TypeInputPeer, text: str) -> None:
    """messages.sendMessage; the random_id makes a resend of the same message harmless."""
    await client(
        functions.messages.SendMessage(peer=peer, message=text, random_id=secrets.randbits(63) or 1)
    )


async def main(args: argparse.Namespace) -> None:
    """Sign both users in, introduce them, and let them exchange one message each way."""
    public_key = args.key.read_bytes()
    async with (
        Client(
            args.host, args.port, public_key=public_key, session=session_store(args.alice_session)
        ) as alice,
        Client(
            args.host, args.port, public_key=public_key, session=session_store(args.bob_session)
        ) as bob,
    ):
        alice_me = await log_in(alice, ALICE_PHONE, "Alice")
        bob_me = await log_in(bob, BOB_PHONE, "Bob")

        # Bob takes a username (unless he has it from an earlier run) ...
        if bob_me.username != BOB_USERNAME:
            await bob(functions.account.UpdateUsername(username=BOB_USERNAME))
        # ... which Alice resolves to Bob, with the access hash she needs to write to him ...
        resolved = await alice(functions.contacts.ResolveUsername(username=BOB_USERNAME))
        bob_for_alice = only_user(resolved.users, bob_me.id)
        bob_peer = types.InputPeerUser(
            user_id=bob_me.id, access_hash=bob_for_alice.access_hash or 0
        )
        # ... and Bob finds Alice by her phone number.
        alice_contact = types.InputPhoneContact(
            client_id=1, phone="+" + ALICE_PHONE, first_name="Alice", last_name=""
        )
        imported = await bob(functions.contacts.ImportContacts(contacts=[alice_contact]))
        alice_for_bob = only_user(imported.users, alice_me.id)
        alice_peer = types.InputPeerUser(
            user_id=alice_me.id, access_hash=alice_for_bob.access_hash or 0
        )

        await send(alice, bob_peer, "hello Bob")
        print(f"alice -> bob: {await receive(bob, alice_me.id)}", flush=True)
        await send(bob, alice_peer, "hi Alice, got your message")
        print(f"bob -> alice: {await receive(alice, bob_me.id)}", flush=True)


if __name__ == "__main__":
    trio.run(main, parse_args())
