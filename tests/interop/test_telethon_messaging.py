"""Unmodified Telethon 1.45 users talk: messages, live events, edits, reads, deletes, catch-up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from telethon import errors, events
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

ANN = "9996621101"
BOB = "9996621102"


def test_two_users_talk(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann, bob = telethon_client(running_server), telethon_client(running_server)
        async with connected(ann, bob):
            ann_me = await sign_up(ann, ANN, "Ann")
            bob_me = await sign_up(bob, BOB, "Bob")
            await bob(functions.account.UpdateUsernameRequest("bob_talks"))
            bob_new = event_queue(bob)
            bob_edited = event_queue(bob, events.MessageEdited())
            bob_deleted = event_queue(bob, events.MessageDeleted())
            ann_new = event_queue(ann, events.NewMessage(incoming=True))
            ann_read = event_queue(ann, events.MessageRead(inbox=False))

            # Ann finds Bob by username and writes.
            bob_for_ann = await ann.get_entity("@bob_talks")
            sent = await ann.send_message(bob_for_ann, "Hello **Bob**", parse_mode="md")
            assert sent.out and sent.text == "Hello **Bob**" and sent.raw_text == "Hello Bob"
            got = await next_event(bob_new)
            assert got.raw_text == "Hello Bob" and got.sender_id == ann_me.id
            assert got.message.entities and isinstance(
                got.message.entities[0], types.MessageEntityBold
            )

            # Bob finds Ann by phone and answers, replying.
            await bob(
                functions.contacts.ImportContactsRequest(
                    [types.InputPhoneContact(1, "+" + ANN, "Ann", "")]
                )
            )
            ann_for_bob = await bob.get_entity("+" + ANN)
            answer = await bob.send_message(ann_for_bob, "Hi Ann", reply_to=got.id)
            back = await next_event(ann_new)
            assert back.raw_text == "Hi Ann" and back.sender_id == bob_me.id
            assert back.reply_to_msg_id == sent.id
            assert answer.id == back.id or answer.id != 0

            # Edit: Bob sees MessageEdited.
            await ann.edit_message(bob_for_ann, sent.id, "Hello Bob, edited")
            edited = await next_event(bob_edited)
            assert edited.id == got.id and edited.raw_text == "Hello Bob, edited"

            # Read receipts: Bob reads, Ann sees her outbox read.
            await bob.send_read_acknowledge(ann_for_bob)
            read = await next_event(ann_read)
            assert read.max_id >= sent.id and not read.inbox

            # History and dialogs.
            history = await ann.get_messages(bob_for_ann, limit=10)
            assert [m.raw_text for m in history] == ["Hi Ann", "Hello Bob, edited"]
            assert history.total == 2
            dialogs = await bob.get_dialogs()
            assert [d.entity.id for d in dialogs] == [ann_me.id]
            assert dialogs[0].unread_count == 0

            # Saved Messages.
            saved = await ann.send_message("me", "note to self")
            [note] = await ann.get_messages("me", limit=1)
            assert note.id == saved.id and note.raw_text == "note to self"

            # Delete for everyone: Bob sees MessageDeleted.
            await ann.delete_messages(bob_for_ann, [sent.id], revoke=True)
            deleted = await next_event(bob_deleted)
            assert got.id in deleted.deleted_ids
            assert [m.raw_text for m in await bob.get_messages(ann_for_bob, limit=10)] == ["Hi Ann"]

    asyncio.run(main())


def test_offline_receiver_catches_up_exactly_once(
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
            await sign_up(bob, BOB, "Bob")
            await bob(functions.account.UpdateUsernameRequest("bob_offline"))
            bob_for_ann = await ann.get_input_entity("@bob_offline")
        except BaseException:
            await ann.disconnect()
            raise
        finally:
            await bob.disconnect()
        try:
            for n in range(50):
                await ann.send_message(bob_for_ann, f"message {n}")
        finally:
            await ann.disconnect()

        bob, received = await reconnect_and_catch_up(running_server, session_file)
        try:
            texts = [(await next_event(received)).raw_text for _ in range(50)]
            assert texts == [f"message {n}" for n in range(50)]
            await asyncio.sleep(1.0)
            assert received.empty()
        finally:
            await bob.disconnect()

    asyncio.run(main())


def test_one_user_on_two_clients_sees_its_outgoing_messages(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann1, ann2, bob = (telethon_client(running_server) for _ in range(3))
        for client in (ann1, ann2, bob):
            await client.connect()
        try:
            await sign_up(ann1, ANN, "Ann")
            await sign_up(bob, BOB, "Bob")
            await bob(functions.account.UpdateUsernameRequest("bob_two"))
            await sign_up(ann2, ANN, "Ann")
            outgoing = event_queue(ann2, events.NewMessage(outgoing=True))
            incoming = event_queue(bob)
            peer = await ann1.get_input_entity("@bob_two")
            await ann1.send_message(peer, "from the first client")
            mine = await next_event(outgoing)
            assert mine.out and mine.raw_text == "from the first client"
            assert (await next_event(incoming)).raw_text == "from the first client"
        finally:
            for client in (ann1, ann2, bob):
                await client.disconnect()

    asyncio.run(main())


def test_forward_typing_and_lookups(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann, bob = telethon_client(running_server), telethon_client(running_server)
        async with connected(ann, bob):
            ann_me = await sign_up(ann, ANN, "Ann")
            await sign_up(bob, BOB, "Bob")
            await bob(functions.account.UpdateUsernameRequest("bob_fwd"))
            await ann(functions.account.UpdateUsernameRequest("ann_fwd"))
            bob_new = event_queue(bob)
            ann_typing = event_queue(ann, events.UserUpdate())
            bob_peer = await ann.get_input_entity("@bob_fwd")
            ann_peer = await bob.get_input_entity("@ann_fwd")

            note = await ann.send_message("me", "worth forwarding")
            [forwarded] = await ann.forward_messages(bob_peer, [note.id], from_peer="me")
            assert forwarded.out and forwarded.fwd_from is not None
            got = await next_event(bob_new)
            assert got.raw_text == "worth forwarding" and got.forward is not None
            assert got.forward.from_id == types.PeerUser(ann_me.id)

            # Telethon's chat action: messages.setTyping -> updateUserTyping on Ann's side.
            await bob(
                functions.messages.SetTypingRequest(ann_peer, types.SendMessageTypingAction())
            )
            typing = await next_event(ann_typing)
            assert typing.typing and typing.user_id != ann_me.id

            # messages.getMessages by ids (a missing one is None), getPeerDialogs.
            found = await bob.get_messages(ann_peer, ids=[got.id, 999])
            assert found[0].raw_text == "worth forwarding" and found[1] is None
            peer_dialogs = await bob(
                functions.messages.GetPeerDialogsRequest([types.InputDialogPeer(ann_peer)])
            )
            [dialog] = peer_dialogs.dialogs
            assert dialog.unread_count == 1 and dialog.top_message == got.id

            # Errors with Telegram's names.
            with pytest.raises(errors.MessageTooLongError):
                await ann.send_message(bob_peer, "x" * 4097)
            with pytest.raises(errors.MessageEmptyError):
                await ann(functions.messages.SendMessageRequest(bob_peer, "   "))
            with pytest.raises(errors.MessageAuthorRequiredError):
                await bob.edit_message(ann_peer, got.id, "not mine")

    asyncio.run(main())


def test_pinned_dialogs(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann1, ann2, bob = (telethon_client(running_server) for _ in range(3))
        for client in (ann1, ann2, bob):
            await client.connect()
        try:
            ann_me = await sign_up(ann1, ANN, "Ann")
            bob_me = await sign_up(bob, BOB, "Bob")
            await bob(functions.account.UpdateUsernameRequest("bob_pins"))
            await sign_up(ann2, ANN, "Ann")
            pushed = event_queue(
                ann2, events.Raw((types.UpdateDialogPinned, types.UpdatePinnedDialogs))
            )
            bob_peer = await ann1.get_input_entity("@bob_pins")
            await ann1.send_message(bob_peer, "pin me")
            await ann1.send_message("me", "a newer note")

            dialogs = await ann1.get_dialogs()
            assert [d.id for d in dialogs] == [ann_me.id, bob_me.id]
            assert not any(d.pinned for d in dialogs)

            pinned = await ann1(
                functions.messages.ToggleDialogPinRequest(types.InputDialogPeer(bob_peer), True)
            )
            assert pinned is True
            dialogs = await ann1.get_dialogs()
            assert [(d.id, d.pinned) for d in dialogs] == [(bob_me.id, True), (ann_me.id, False)]
            update = await next_event(pushed)
            assert isinstance(update, types.UpdateDialogPinned) and update.pinned
            assert update.peer == types.DialogPeer(types.PeerUser(bob_me.id))

            # Saved Messages pinned too, then put below Bob; the other client sees the order.
            await ann1(
                functions.messages.ToggleDialogPinRequest(
                    types.InputDialogPeer(types.InputPeerSelf()), True
                )
            )
            assert isinstance(await next_event(pushed), types.UpdateDialogPinned)
            await ann1(
                functions.messages.ReorderPinnedDialogsRequest(
                    folder_id=0,
                    order=[
                        types.InputDialogPeer(bob_peer),
                        types.InputDialogPeer(types.InputPeerSelf()),
                    ],
                    force=True,
                )
            )
            order = await next_event(pushed)
            assert isinstance(order, types.UpdatePinnedDialogs)
            assert [p.peer for p in order.order] == [
                types.PeerUser(bob_me.id),
                types.PeerUser(ann_me.id),
            ]
            listed = await ann2(functions.messages.GetPinnedDialogsRequest(folder_id=0))
            assert [d.peer for d in listed.dialogs] == [
                types.PeerUser(bob_me.id),
                types.PeerUser(ann_me.id),
            ]
            assert all(d.pinned for d in listed.dialogs)
            with pytest.raises(errors.PeerHistoryEmptyError):
                await bob(
                    functions.messages.ToggleDialogPinRequest(
                        types.InputDialogPeer(types.InputPeerSelf()), True
                    )
                )
        finally:
            for client in (ann1, ann2, bob):
                await client.disconnect()

    asyncio.run(main())
