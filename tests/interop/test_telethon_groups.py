"""Unmodified Telethon 1.45 users in a basic group: create, add, post, edit, read, delete,
rename, remove, leave -- with the live events firing on every member."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient, errors, events
from telethon.tl import functions, types

from tests.interop.support import (
    catching_up_client,
    connected,
    event_queue,
    next_event,
    reconnect_and_catch_up,
    sign_up,
    telethon_client,
)
from tgserver.app import ServerInfo

ANN = "9996623101"
BOB = "9996623102"
CID = "9996623103"
DAN = "9996623104"


async def _input_user(client: TelegramClient, phone: str, name: str) -> Any:
    """Import ``phone`` as a contact and return the client's InputUser of it."""
    contact = types.InputPhoneContact(0, "+" + phone, name, "")
    await client(functions.contacts.ImportContactsRequest([contact]))
    return await client.get_input_entity("+" + phone)


def test_a_basic_group_lives_on_every_member(running_server: ServerInfo) -> None:
    async def main() -> None:
        clients = [telethon_client(running_server) for _ in range(4)]
        ann, bob, cid, dan = clients
        for client in clients:
            await client.connect()
        try:
            ann_me = await sign_up(ann, ANN, "Ann")
            bob_me = await sign_up(bob, BOB, "Bob")
            cid_me = await sign_up(cid, CID, "Cid")
            dan_me = await sign_up(dan, DAN, "Dan")
            actions = {c: event_queue(c, events.ChatAction()) for c in clients}
            news = {c: event_queue(c, events.NewMessage(incoming=True)) for c in clients}
            edits = {c: event_queue(c, events.MessageEdited()) for c in clients}
            deletions = {c: event_queue(c, events.MessageDeleted()) for c in clients}
            reads = event_queue(bob, events.MessageRead(inbox=False))

            # Ann creates "Team" with Bob and Cid: everyone sees the creation.
            bob_in = await _input_user(ann, BOB, "Bob")
            cid_in = await _input_user(ann, CID, "Cid")
            invited = await ann(
                functions.messages.CreateChatRequest(users=[bob_in, cid_in], title="Team")
            )
            [chat] = invited.updates.chats
            assert isinstance(chat, types.Chat) and chat.title == "Team" and chat.creator
            assert chat.participants_count == 3 and invited.missing_invitees == []
            group = types.InputPeerChat(chat.id)
            for member in (bob, cid):
                created = await next_event(actions[member])
                assert created.created and created.chat_id == -chat.id
                assert (await created.get_chat()).title == "Team"

            # Ann adds Dan: the others (and Dan) see it.
            dan_in = await _input_user(ann, DAN, "Dan")
            await ann(functions.messages.AddChatUserRequest(chat.id, dan_in, fwd_limit=0))
            for member in (bob, cid, dan):
                added = await next_event(actions[member])
                assert added.user_added and added.user_ids == [dan_me.id]

            # Bob posts: Ann, Cid and Dan get it, with Bob as the sender.
            post = await bob.send_message(group, "hello **team**", parse_mode="md")
            assert post.out and post.chat_id == -chat.id and post.raw_text == "hello team"
            copies = {}
            for member in (ann, cid, dan):
                got = await next_event(news[member])
                assert got.raw_text == "hello team" and got.sender_id == bob_me.id
                assert got.chat_id == -chat.id and got.is_group
                assert isinstance(got.message.entities[0], types.MessageEntityBold)
                copies[member] = got
            cid_post = await cid.send_message(group, "hi from Cid", reply_to=copies[cid].id)
            for member in (ann, bob, dan):
                got = await next_event(news[member])
                assert got.raw_text == "hi from Cid" and got.sender_id == cid_me.id
                assert got.is_reply
            assert cid_post.reply_to_msg_id == copies[cid].id

            # Ann's dialog list shows the group with its unread messages.
            dialogs = [d async for d in ann.iter_dialogs()]
            team = next(d for d in dialogs if d.id == -chat.id)
            assert team.is_group and team.title == "Team" and team.unread_count == 2
            assert team.message.raw_text == "hi from Cid"

            # Bob edits: everyone sees MessageEdited.
            await bob.edit_message(group, post.id, "hello team, edited")
            for member in (ann, cid, dan):
                edited = await next_event(edits[member])
                assert edited.raw_text == "hello team, edited" and edited.id == copies[member].id

            # Ann reads everything: Bob (an author) sees his outbox read.
            await ann.send_read_acknowledge(group)
            read = await next_event(reads)
            assert read.chat_id == -chat.id and read.max_id >= post.id
            team = next(d for d in await ann.get_dialogs() if d.id == -chat.id)
            assert team.unread_count == 0
            history = await ann.get_messages(group, limit=10)
            assert [m.raw_text for m in history[:2]] == ["hi from Cid", "hello team, edited"]
            assert isinstance(history[-1], types.MessageService)
            assert isinstance(history[-1].action, types.MessageActionChatCreate)

            # Bob deletes his post for everyone.
            await bob.delete_messages(group, [post.id], revoke=True)
            for member in (ann, cid, dan):
                deleted = await next_event(deletions[member])
                assert copies[member].id in deleted.deleted_ids

            # Rename, full chat, admin rights.
            await cid(functions.messages.EditChatTitleRequest(chat.id, "Team 2"))
            for member in (ann, bob, dan):
                renamed = await next_event(actions[member])
                assert renamed.new_title == "Team 2"
            full = await bob(functions.messages.GetFullChatRequest(chat.id))
            assert full.chats[0].title == "Team 2"
            assert {p.user_id for p in full.full_chat.participants.participants} == {
                ann_me.id,
                bob_me.id,
                cid_me.id,
                dan_me.id,
            }
            with pytest.raises(errors.ChatAdminRequiredError):
                await bob(functions.messages.EditChatAdminRequest(chat.id, cid_me.id, True))

            # Ann removes Cid, Bob leaves; Cid can no longer write.
            cid_for_ann = await ann.get_input_entity(cid_me.id)
            await ann(functions.messages.DeleteChatUserRequest(chat.id, cid_for_ann))
            kicked = await next_event(actions[bob])
            assert kicked.user_kicked and kicked.user_id == cid_me.id
            assert (await next_event(actions[cid])).user_kicked
            with pytest.raises(errors.ChatWriteForbiddenError):
                await cid.send_message(group, "still here?")
            await bob(functions.messages.DeleteChatUserRequest(chat.id, types.InputUserSelf()))
            left = await next_event(actions[ann])
            assert left.user_left and left.user_id == bob_me.id
            full = await ann(functions.messages.GetFullChatRequest(chat.id))
            assert {p.user_id for p in full.full_chat.participants.participants} == {
                ann_me.id,
                dan_me.id,
            }
            assert ann_me.id != dan_me.id
        finally:
            for client in clients:
                await client.disconnect()

    asyncio.run(main())


def test_a_basic_group_migrates_to_a_supergroup(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann, bob = telethon_client(running_server), telethon_client(running_server)
        async with connected(ann, bob):
            await sign_up(ann, ANN, "Ann")
            bob_me = await sign_up(bob, BOB, "Bob")
            bob_new = event_queue(bob)
            bob_raw = event_queue(bob, events.Raw(types.UpdateNewMessage))
            bob_in = await _input_user(ann, BOB, "Bob")
            invited = await ann(functions.messages.CreateChatRequest(users=[bob_in], title="Grow"))
            [chat] = invited.updates.chats
            await next_event(bob_raw)  # the creation
            await ann.send_message(types.InputPeerChat(chat.id), "before the move")
            assert (await next_event(bob_new)).raw_text == "before the move"
            await next_event(bob_raw)
            # A file in the group: uploaded by Ann, downloaded by Bob.
            sent = await ann.send_file(
                types.InputPeerChat(chat.id), b"group file " * 100, caption="a file"
            )
            assert sent.file is not None and sent.raw_text == "a file"
            got = await next_event(bob_new)
            await next_event(bob_raw)
            assert got.raw_text == "a file" and got.file is not None
            assert await got.download_media(bytes) == b"group file " * 100

            with pytest.raises(errors.ChatAdminRequiredError):
                await bob(functions.messages.MigrateChatRequest(chat.id))
            moved = await ann(functions.messages.MigrateChatRequest(chat.id))
            by_type = {type(c): c for c in moved.chats}
            old, channel = by_type[types.Chat], by_type[types.Channel]
            assert old.deactivated and old.migrated_to.channel_id == channel.id
            assert channel.megagroup and channel.title == "Grow"
            # Bob hears of the move in the old group (a service message NewMessage skips).
            notice = await next_event(bob_raw)
            assert isinstance(notice.message.action, types.MessageActionChatMigrateTo)
            assert notice.message.action.channel_id == channel.id
            with pytest.raises(errors.ChatIdInvalidError):
                await ann.send_message(types.InputPeerChat(chat.id), "too late")
            # The supergroup works for both.
            supergroup = await bob.get_input_entity(types.PeerChannel(channel.id))
            await bob.send_message(supergroup, "hello supergroup")
            [last] = await ann.get_messages(types.PeerChannel(channel.id), limit=1)
            assert last.raw_text == "hello supergroup" and last.sender_id == bob_me.id

    asyncio.run(main())


def test_an_offline_member_catches_up_and_looks_the_group_up(
    running_server: ServerInfo, tmp_path: Path
) -> None:
    session_file = str(tmp_path / "bob")

    async def main() -> None:
        ann = telethon_client(running_server)
        bob = catching_up_client(running_server, session_file)
        await ann.connect()
        await bob.connect()
        try:
            await sign_up(ann, ANN, "Ann")
            bob_me = await sign_up(bob, BOB, "Bob")
            bob_in = await _input_user(ann, BOB, "Bob")
            invited = await ann(functions.messages.CreateChatRequest(users=[bob_in], title="Later"))
            [chat] = invited.updates.chats
        finally:
            await bob.disconnect()
        try:
            for n in range(5):
                await ann.send_message(types.InputPeerChat(chat.id), f"while away {n}")
        finally:
            await ann.disconnect()

        bob, received = await reconnect_and_catch_up(running_server, session_file)
        try:
            got = [await next_event(received) for _ in range(5)]
            assert [e.raw_text for e in got] == [f"while away {n}" for n in range(5)]
            assert all(e.chat_id == -chat.id for e in got)
            # The group by id (messages.getChats) and its members (messages.getFullChat).
            entity = await bob.get_entity(types.PeerChat(chat.id))
            assert isinstance(entity, types.Chat) and entity.title == "Later"
            members = await bob.get_participants(entity)
            assert sorted(m.first_name for m in members) == ["Ann", "Bob"]
            assert bob_me.id in {m.id for m in members}
        finally:
            await bob.disconnect()

    asyncio.run(main())
