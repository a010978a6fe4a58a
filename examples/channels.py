"""Three test-number users in a supergroup and a broadcast channel, with the Trio client.

Start a server first (``tgserver run``), then::

    python examples/channels.py [HOST] [PORT] [--key tgdata/server.pub.pem]
        [--alice-session alice.session --bob-session bob.session --carol-session carol.session]

Alice (+9996624441), Bob (+9996624442) and Carol (+9996624443) sign up, or sign in if they
already exist: test numbers ``99966XYYYY`` take the code ``XXXXX`` (X is the server's DC id, 2
by default) and no SMS is sent.

1. Alice finds Bob and Carol by their phone numbers (``contacts.importContacts``), creates a
   supergroup (``channels.createChannel`` with ``megagroup``) and invites them
   (``channels.inviteToChannel``). She posts; Bob and Carol read it from their live updates
   (``updateNewChannelMessage``). Bob replies to it; Alice and Carol read the reply.
2. Alice creates a broadcast channel and gives it a public username
   (``channels.updateUsername``). Bob and Carol find it by that username
   (``contacts.resolveUsername``) and join (``channels.joinChannel``). Alice posts; both read it.
3. Carol notes the channel's pts and disconnects; Alice posts twice more. Carol connects again
   on the same auth key and fetches what she missed with ``updates.getChannelDifference``.

Each message that arrives is printed, e.g. ``bob <- Example group: alice: hello group``.
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

import trio

from tgcore.client import Client, log_in
from tgcore.storage import MemorySessionStore, SessionStore, SqliteSessionStore
from tgcore.tl import TLObject, functions, types

PHONES = {"alice": "9996624441", "bob": "9996624442", "carol": "9996624443"}
CODE = "22222"  # test numbers 99966XYYYY take the code XXXXX (X = DC 2)
GROUP_TITLE = "Example group"
CHANNEL_TITLE = "Example news"
#: Seconds to wait for a message to arrive.
RECEIVE_TIMEOUT = 30.0


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host", nargs="?", default="127.0.0.1")
    parser.add_argument("port", nargs="?", type=int, default=8443)
    parser.add_argument("--key", type=Path, default=Path("tgdata/server.pub.pem"))
    for name in PHONES:
        parser.add_argument(f"--{name}-session", type=Path, help=f"SQLite session file for {name}")
    return parser.parse_args()


def session_store(path: Path | None) -> SessionStore:
    """A SQLite session store at ``path``, or one in memory."""
    return SqliteSessionStore(path) if path else MemorySessionStore()


def only_channel(chats: list[types.TypeChat], title: str) -> types.Channel:
    """The channel called ``title`` among ``chats``."""
    for chat in chats:
        if isinstance(chat, types.Channel) and chat.title == title:
            return chat
    raise LookupError(f"channel {title!r} is not in the answer")


def input_channel(channel: types.Channel) -> types.InputChannel:
    """The ``inputChannel`` of a channel this user was given."""
    return types.InputChannel(channel_id=channel.id, access_hash=channel.access_hash or 0)


def input_peer(channel: types.Channel) -> types.InputPeerChannel:
    """The ``inputPeerChannel`` of a channel this user was given."""
    return types.InputPeerChannel(channel_id=channel.id, access_hash=channel.access_hash or 0)


def channel_messages(update: TLObject) -> list[tuple[types.Message, list[types.TypeChat]]]:
    """Each text message of an ``updateNewChannelMessage`` in a pushed update, with its chats."""
    found: list[tuple[types.Message, list[types.TypeChat]]] = []
    if isinstance(update, types.Updates | types.UpdatesCombined):
        for item in update.updates:
            if isinstance(item, types.UpdateNewChannelMessage):
                message = item.message
                if isinstance(message, types.Message) and not message.out:
                    found.append((message, update.chats))
    return found


def line(message: types.Message, names: dict[int, str]) -> str:
    """``author: text``, or only the text for a broadcast post (those have no author)."""
    if isinstance(message.from_id, types.PeerUser):
        user_id = message.from_id.user_id
        return f"{names.get(user_id, str(user_id))}: {message.message}"
    return message.message


async def receive(
    name: str, client: Client, channel_id: int, names: dict[int, str]
) -> tuple[types.Message, types.Channel]:
    """The next message in channel ``channel_id`` that ``client`` gets live; prints it."""
    with trio.fail_after(RECEIVE_TIMEOUT):
        async for update in client.updates:
            for message, chats in channel_messages(update):
                peer = message.peer_id
                if isinstance(peer, types.PeerChannel) and peer.channel_id == channel_id:
                    channel = next(
                        c for c in chats if isinstance(c, types.Channel) and c.id == channel_id
                    )
                    print(f"{name} <- {channel.title}: {line(message, names)}", flush=True)
                    return message, channel
    raise RuntimeError("the client closed before the message came")


async def post(
    client: Client, peer: types.TypeInputPeer, text: str, reply_to: int | None = None
) -> None:
    """messages.sendMessage; the random_id makes a resend of the same message harmless."""
    await client(
        functions.messages.SendMessage(
            peer=peer,
            message=text,
            random_id=secrets.randbits(63) or 1,
            reply_to=types.InputReplyToMessage(reply_to_msg_id=reply_to) if reply_to else None,
        )
    )


async def create_channel(client: Client, title: str, *, megagroup: bool) -> types.Channel:
    """channels.createChannel: a supergroup (``megagroup``) or a broadcast channel."""
    created = await client(
        functions.channels.CreateChannel(
            megagroup=megagroup, broadcast=not megagroup, title=title, about="tgstack example"
        )
    )
    assert isinstance(created, types.Updates)
    return only_channel(created.chats, title)


async def supergroup(
    alice: Client, bob: Client, carol: Client, ids: dict[str, int], names: dict[int, str]
) -> None:
    """Alice's supergroup: she invites Bob and Carol, posts, and Bob replies."""
    # Alice finds Bob and Carol by their phone numbers, with the access hashes she needs.
    contacts = [
        types.InputPhoneContact(
            client_id=i, phone="+" + PHONES[name], first_name=name, last_name=""
        )
        for i, name in enumerate(("bob", "carol"), start=1)
    ]
    imported = await alice(functions.contacts.ImportContacts(contacts=contacts))
    invitees = [
        types.InputUser(user_id=user.id, access_hash=user.access_hash or 0)
        for user in imported.users
        if isinstance(user, types.User) and user.id in (ids["bob"], ids["carol"])
    ]
    assert len(invitees) == 2, "Alice did not find Bob and Carol"

    group = await create_channel(alice, GROUP_TITLE, megagroup=True)
    await alice(functions.channels.InviteToChannel(channel=input_channel(group), users=invitees))
    print(f"alice created supergroup {GROUP_TITLE} and invited bob and carol", flush=True)

    await post(alice, input_peer(group), "hello group")
    hello, group_for_bob = await receive("bob", bob, group.id, names)
    await receive("carol", carol, group.id, names)
    # Bob answers in the group, with the access hash that came with the update.
    await post(bob, input_peer(group_for_bob), "hi Alice, hi Carol", reply_to=hello.id)
    reply, _ = await receive("alice", alice, group.id, names)
    assert isinstance(reply.reply_to, types.MessageReplyHeader)
    assert reply.reply_to.reply_to_msg_id == hello.id
    await receive("carol", carol, group.id, names)


async def join(name: str, client: Client, username: str) -> types.Channel:
    """contacts.resolveUsername, then channels.joinChannel."""
    resolved = await client(functions.contacts.ResolveUsername(username=username))
    channel = only_channel(resolved.chats, CHANNEL_TITLE)
    await client(functions.channels.JoinChannel(channel=input_channel(channel)))
    print(f"{name} joined {channel.title} by its username", flush=True)
    return channel


async def main(args: argparse.Namespace) -> None:
    """Sign the three users in; the supergroup, then the channel and Carol's catch-up."""
    public_key = args.key.read_bytes()
    stores = {name: session_store(getattr(args, f"{name}_session")) for name in PHONES}

    def connect(name: str) -> Client:
        return Client(args.host, args.port, public_key=public_key, session=stores[name])

    async with connect("alice") as alice, connect("bob") as bob:
        ids = {
            "alice": (await log_in(alice, PHONES["alice"], CODE, first_name="Alice")).id,
            "bob": (await log_in(bob, PHONES["bob"], CODE, first_name="Bob")).id,
        }
        async with connect("carol") as carol:
            ids["carol"] = (await log_in(carol, PHONES["carol"], CODE, first_name="Carol")).id
            names = {user_id: name for name, user_id in ids.items()}

            await supergroup(alice, bob, carol, ids, names)

            # A broadcast channel with a public username (new on every run: usernames are
            # unique across users and channels).
            channel = await create_channel(alice, CHANNEL_TITLE, megagroup=False)
            username = "example_news_" + secrets.token_hex(4)
            await alice(
                functions.channels.UpdateUsername(channel=input_channel(channel), username=username)
            )
            print(f"alice created channel {CHANNEL_TITLE} with a public username", flush=True)
            await join("bob", bob, username)
            channel_for_carol = await join("carol", carol, username)

            await post(alice, input_peer(channel), "first post")
            await receive("bob", bob, channel.id, names)
            await receive("carol", carol, channel.id, names)

            # Carol remembers how far she is (the channel's pts), then goes offline.
            full = await carol(
                functions.channels.GetFullChannel(channel=input_channel(channel_for_carol))
            )
            assert isinstance(full.full_chat, types.ChannelFull)
            carol_pts = full.full_chat.pts or 0
        print("carol disconnected", flush=True)

        for text in ("second post", "third post"):
            await post(alice, input_peer(channel), text)
            await receive("bob", bob, channel.id, names)

    # Carol comes back on the same auth key and asks for what she missed.
    async with connect("carol") as carol:
        await log_in(carol, PHONES["carol"], CODE, first_name="Carol")
        difference = await carol(
            functions.updates.GetChannelDifference(
                channel=input_channel(channel_for_carol),
                filter=types.ChannelMessagesFilterEmpty(),
                pts=carol_pts,
                limit=100,
            )
        )
        assert isinstance(difference, types.updates.ChannelDifference), difference
        for message in difference.new_messages:
            if isinstance(message, types.Message):
                print(f"carol caught up <- {CHANNEL_TITLE}: {line(message, names)}", flush=True)


if __name__ == "__main__":
    trio.run(main, parse_args())
