"""Pushed updates end to end, inside Trio: tgcore clients against ``open_server``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from tgcore.client import Client
from tgcore.tl import TLObject, functions, types
from tgserver.app import ServerInfo, open_server
from tgserver.config import ServerConfig


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerInfo]:
    async with open_server(ServerConfig(data_dir=tmp_path / "data", port=0)) as info:
        yield info


def _client(info: ServerInfo) -> Client:
    return Client(info.host, info.port, public_key=info.public_key_pem)


async def _sign_up(client: Client, phone: str, name: str) -> types.User:
    sent: Any = await client(
        functions.auth.SendCode(
            phone_number=phone, api_id=1, api_hash="0" * 32, settings=types.CodeSettings()
        )
    )
    result: Any = await client(
        functions.auth.SignIn(
            phone_number=phone, phone_code_hash=sent.phone_code_hash, phone_code="22222"
        )
    )
    if isinstance(result, types.auth.AuthorizationSignUpRequired):
        result = await client(
            functions.auth.SignUp(
                phone_number=phone,
                phone_code_hash=sent.phone_code_hash,
                first_name=name,
                last_name="",
            )
        )
    user = result.user
    assert isinstance(user, types.User)
    # A request after login puts the key in the online index (Telethon does getState).
    await client(functions.updates.GetState())
    return user


async def _next_update(client: Client) -> TLObject:
    with trio.fail_after(5):
        while True:
            update = await client.updates.receive()
            if isinstance(update, types.Updates | types.UpdateShort):
                return update


async def test_messages_reach_the_recipient_and_the_senders_other_client(
    server: ServerInfo,
) -> None:
    async with _client(server) as ann1, _client(server) as ann2, _client(server) as bob:
        ann = await _sign_up(ann1, "9996621201", "Ann")
        await _sign_up(ann2, "9996621201", "Ann")
        bob_user = await _sign_up(bob, "9996621202", "Bob")
        await bob(functions.account.UpdateUsername(username="bob_e2e"))
        resolved: Any = await ann1(functions.contacts.ResolveUsername(username="bob_e2e"))
        [bob_view] = resolved.users
        peer = types.InputPeerUser(user_id=bob_user.id, access_hash=bob_view.access_hash)

        sent = await ann1(functions.messages.SendMessage(peer=peer, message="hi", random_id=7))
        assert isinstance(sent, types.UpdateShortSentMessage)

        to_bob = await _next_update(bob)
        assert isinstance(to_bob, types.Updates)
        [new] = to_bob.updates
        assert isinstance(new, types.UpdateNewMessage) and isinstance(new.message, types.Message)
        assert (new.message.message, new.message.out) == ("hi", False)
        [sender] = to_bob.users
        assert isinstance(sender, types.User) and sender.id == ann.id
        assert sender.access_hash != bob_view.access_hash  # Bob's own hash for Ann

        to_ann2 = await _next_update(ann2)
        assert isinstance(to_ann2, types.Updates)
        [mine] = to_ann2.updates
        assert isinstance(mine, types.UpdateNewMessage) and isinstance(mine.message, types.Message)
        assert mine.message.out and mine.message.id == sent.id and mine.pts == sent.pts

        # The sending session itself got only its answer.
        with pytest.raises(trio.WouldBlock):
            while True:
                update = ann1.updates.receive_nowait()
                assert not isinstance(update, types.Updates)

        # Typing: updateShort(updateUserTyping) on Bob's side.
        assert await ann1(
            functions.messages.SetTyping(peer=peer, action=types.SendMessageTypingAction())
        )
        typing = await _next_update(bob)
        assert isinstance(typing, types.UpdateShort)
        assert isinstance(typing.update, types.UpdateUserTyping)

        # A logged-out key gets nothing more.
        await ann2(functions.auth.LogOut())
        await ann1(functions.messages.SendMessage(peer=peer, message="again", random_id=8))
        await _next_update(bob)
        await trio.sleep(0.2)
        with pytest.raises(trio.WouldBlock):
            while True:
                update = ann2.updates.receive_nowait()
                assert not isinstance(update, types.Updates)
