"""Unmodified Telethon 1.45 users in supergroups and broadcast channels: create, invite, post,
edit, delete, read, live events on every member, catch-up of a member that was away."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient, errors, events
from telethon.tl import functions, types

from tests.interop.support import (
    catching_up_client,
    event_queue,
    next_event,
    reconnect_and_catch_up,
    sign_up,
    signed_up_clients,
)
from tgserver.app import ServerInfo

ANN = "9996623101"
BOB = "9996623102"
CAT = "9996623103"
DAN = "9996623104"


async def _input_user(client: TelegramClient, other: TelegramClient) -> Any:
    """``other`` as ``client`` addresses it (found by username)."""
    me = await other.get_me()
    name = f"u{me.id}x"
    await other(functions.account.UpdateUsernameRequest(name))
    return await client.get_input_entity(f"@{name}")


def test_supergroup_members_post_edit_delete_and_read(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann, bob, cat = await signed_up_clients(running_server, ANN, BOB, CAT)
        try:
            created = await ann(
                functions.channels.CreateChannelRequest(
                    title="Friends", about="a supergroup", megagroup=True
                )
            )
            group = created.chats[0]
            assert group.megagroup and group.creator and group.participants_count == 1
            bob_in, cat_in = await _input_user(ann, bob), await _input_user(ann, cat)
            invited = await ann(functions.channels.InviteToChannelRequest(group, [bob_in, cat_in]))
            assert isinstance(invited, types.messages.InvitedUsers)
            full = await ann(functions.channels.GetFullChannelRequest(group))
            assert full.full_chat.participants_count == 3

            # Everyone sees what everyone posts, live.
            queues = {c: event_queue(c, events.NewMessage(incoming=True)) for c in (ann, bob, cat)}
            for client in (bob, cat):
                await client.get_dialogs()  # learn the group and its pts
            sent = await ann.send_message(group, "hello group")
            assert sent.id > 1 and sent.out
            for client in (bob, cat):
                got = await next_event(queues[client])
                assert got.raw_text == "hello group" and got.chat_id == sent.chat_id
                assert got.sender_id == (await ann.get_me()).id
            bob_group = await bob.get_entity(types.PeerChannel(group.id))
            reply = await bob.send_message(bob_group, "hi ann", reply_to=sent.id)
            got = await next_event(queues[ann])
            assert got.raw_text == "hi ann" and got.reply_to_msg_id == sent.id
            assert (await next_event(queues[cat])).raw_text == "hi ann"

            # Edits and deletions reach the others.
            edited = event_queue(cat, events.MessageEdited())
            deleted = event_queue(cat, events.MessageDeleted())
            await bob.edit_message(bob_group, reply.id, "hi ann!")
            assert (await next_event(edited)).raw_text == "hi ann!"
            await bob.delete_messages(bob_group, [reply.id])
            gone = await next_event(deleted)
            assert gone.deleted_ids == [reply.id]
            with pytest.raises(errors.MessageAuthorRequiredError):
                await cat.edit_message(
                    await cat.get_entity(types.PeerChannel(group.id)), sent.id, "mine now"
                )

            # Unread counts come from each member's read pointer.
            for i in range(3):
                await ann.send_message(group, f"news {i}")
            for _ in range(3):
                await next_event(queues[cat])
            dialog = next(d for d in await cat.get_dialogs() if d.id == sent.chat_id)
            assert dialog.unread_count >= 4
            await cat.send_read_acknowledge(dialog.entity)
            dialog = next(d for d in await cat.get_dialogs() if d.id == sent.chat_id)
            assert dialog.unread_count == 0
            history = await cat.get_messages(dialog.entity, limit=10)
            assert [m.raw_text for m in history[:3]] == ["news 2", "news 1", "news 0"]

            # Members, admins, a ban and a departure.
            participants = await ann.get_participants(group)
            assert {p.id for p in participants} == {(await c.get_me()).id for c in (ann, bob, cat)}
            admins = await ann.get_participants(group, filter=types.ChannelParticipantsAdmins())
            assert [a.id for a in admins] == [(await ann.get_me()).id]
            await ann.edit_admin(group, bob_in, post_messages=True, ban_users=True)
            admins = await ann.get_participants(group, filter=types.ChannelParticipantsAdmins())
            assert len(admins) == 2
            await ann.edit_permissions(group, cat_in, view_messages=False)
            kicked = await ann.get_participants(group, filter=types.ChannelParticipantsKicked(""))
            assert [k.id for k in kicked] == [(await cat.get_me()).id]
            with pytest.raises(errors.ChannelPrivateError):
                await cat.send_message(types.PeerChannel(group.id), "let me in")
            await bob(functions.channels.LeaveChannelRequest(bob_group))
            full = await ann(functions.channels.GetFullChannelRequest(group))
            assert full.full_chat.participants_count == 1
            with pytest.raises(errors.UserCreatorError):
                await ann(functions.channels.LeaveChannelRequest(group))
        finally:
            for client in (ann, bob, cat):
                await client.disconnect()

    asyncio.run(main())


def test_member_away_during_30_posts_catches_up_once_in_order(
    running_server: ServerInfo, tmp_path: Path
) -> None:
    async def main() -> None:
        (ann,) = await signed_up_clients(running_server, ANN)
        session = str(tmp_path / "bob")
        bob = catching_up_client(running_server, session)
        await bob.connect()
        await sign_up(bob, BOB, "Bob")
        try:
            group = (
                await ann(
                    functions.channels.CreateChannelRequest(title="G", about="", megagroup=True)
                )
            ).chats[0]
            await ann(
                functions.channels.InviteToChannelRequest(group, [await _input_user(ann, bob)])
            )
            seen = event_queue(bob)
            await bob.get_dialogs()
            await ann.send_message(group, "before")
            assert (await next_event(seen)).raw_text == "before"
            await bob.disconnect()

            for i in range(30):
                await ann.send_message(group, f"post {i}")

            bob, seen = await reconnect_and_catch_up(running_server, session)
            texts = [(await next_event(seen)).raw_text for _ in range(30)]
            assert texts == [f"post {i}" for i in range(30)]
            await ann.send_message(group, "after")
            assert (await next_event(seen)).raw_text == "after"
            await asyncio.sleep(0.5)
            assert seen.empty()  # nothing twice
        finally:
            await ann.disconnect()
            await bob.disconnect()

    asyncio.run(main())


def test_broadcast_channel_delivers_posts_to_its_subscribers(running_server: ServerInfo) -> None:
    async def main() -> None:
        owner, *subs = await signed_up_clients(running_server, ANN, BOB, CAT, DAN)
        try:
            channel = (
                await owner(
                    functions.channels.CreateChannelRequest(
                        title="News", about="posts", broadcast=True
                    )
                )
            ).chats[0]
            assert channel.broadcast and not channel.megagroup
            await owner(functions.account.UpdateUsernameRequest("the_owner"))
            assert not await owner(functions.channels.CheckUsernameRequest(channel, "the_owner"))
            assert await owner(functions.channels.CheckUsernameRequest(channel, "daily_news"))
            await owner(functions.channels.UpdateUsernameRequest(channel, "daily_news"))
            with pytest.raises(errors.UsernameInvalidError):
                await owner(functions.channels.UpdateUsernameRequest(channel, "no"))
            queues = []
            for sub in subs:
                found = await sub.get_entity("@daily_news")
                assert found.id == channel.id and found.left
                await sub(functions.channels.JoinChannelRequest(found))
                await sub.get_dialogs()
                queues.append(event_queue(sub, events.NewMessage()))
            with pytest.raises(errors.UserAlreadyParticipantError):
                await subs[0](
                    functions.channels.JoinChannelRequest(await subs[0].get_entity("@daily_news"))
                )
            post = await owner.send_message(channel, "breaking news")
            assert post.post
            for queue in queues:
                got = await next_event(queue)
                assert got.raw_text == "breaking news" and got.message.post
                assert got.message.from_id is None
            with pytest.raises(errors.ChatWriteForbiddenError):
                await subs[0].send_message(await subs[0].get_entity("@daily_news"), "me too")
            full = await owner(functions.channels.GetFullChannelRequest(channel))
            assert full.full_chat.participants_count == 4
            with pytest.raises(errors.ChatAdminRequiredError):
                await subs[0].get_participants(await subs[0].get_entity("@daily_news"))
        finally:
            for client in (owner, *subs):
                await client.disconnect()

    asyncio.run(main())


def test_media_and_forwards_in_a_supergroup(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann, bob = await signed_up_clients(running_server, ANN, BOB)
        try:
            group = (
                await ann(
                    functions.channels.CreateChannelRequest(title="Files", about="", megagroup=True)
                )
            ).chats[0]
            bob_in = await _input_user(ann, bob)
            await ann(functions.channels.InviteToChannelRequest(group, [bob_in]))
            await bob.get_dialogs()
            # Only the group's messages (Bob also gets a private one below).
            got = event_queue(
                bob, events.NewMessage(incoming=True, chats=[types.PeerChannel(group.id)])
            )

            data = bytes(range(256)) * 40
            upload = io.BytesIO(data)
            upload.name = "notes.bin"
            sent = await ann.send_file(group, upload, caption="a file")
            assert sent.file is not None and sent.file.size == len(data)
            event = await next_event(got)
            assert event.raw_text == "a file" and event.file.name == "notes.bin"
            assert await event.download_media(bytes) == data

            # A group message forwarded to a private chat, and a private one into the group.
            ann_for_bob = await bob.get_input_entity(types.PeerUser((await ann.get_me()).id))
            forwarded = await bob.forward_messages(ann_for_bob, event.message)
            assert forwarded.fwd_from is not None
            private = await ann.send_message(bob_in, "private words")
            await ann.forward_messages(group, private)
            event = await next_event(got)
            assert event.raw_text == "private words" and event.message.fwd_from is not None
            assert event.chat_id == sent.chat_id
        finally:
            for client in (ann, bob):
                await client.disconnect()

    asyncio.run(main())
