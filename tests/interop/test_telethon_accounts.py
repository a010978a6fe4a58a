"""Unmodified Telethon 1.45 signs up, edits its profile, finds people, blocks, logs out."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from telethon import errors
from telethon.sessions import MemorySession, SQLiteSession
from telethon.tl import functions, types

from tests.interop.support import TEST_CODE, connected, sign_up, telethon_client
from tgserver.app import ServerInfo
from tgserver.cli import main as cli
from tgserver.config import ServerConfig
from tgserver.testing import BackgroundServer

ANN = "9996621001"
BOB = "9996621002"
CAROL = "9996621003"


def test_two_users_sign_up_and_find_each_other(running_server: ServerInfo) -> None:
    async def main() -> None:
        ann, bob = telethon_client(running_server), telethon_client(running_server)
        async with connected(ann, bob):
            assert await ann.get_me() is None  # users.getUsers -> 401 before login
            assert not await ann.is_user_authorized()
            me = await sign_up(ann, ANN, "Ann", "Lee")
            assert (me.first_name, me.last_name, me.phone, me.is_self) == ("Ann", "Lee", ANN, True)
            assert await ann.is_user_authorized()
            assert (await ann.get_me()).id == me.id
            with pytest.raises(errors.PhoneCodeInvalidError):
                await bob.sign_in(
                    BOB, "00000", phone_code_hash=(await bob.send_code_request(BOB)).phone_code_hash
                )
            bob_me = await sign_up(bob, BOB, "Bob")
            assert bob_me.id != me.id

            # Profile and username.
            updated = await ann(functions.account.UpdateProfileRequest(about="Hello from Ann"))
            assert updated.first_name == "Ann"
            assert await ann(functions.account.CheckUsernameRequest("ann_lee_test"))
            named = await ann(functions.account.UpdateUsernameRequest("ann_lee_test"))
            assert named.username == "ann_lee_test"
            with pytest.raises(errors.UsernameOccupiedError):
                await bob(functions.account.UpdateUsernameRequest("ANN_LEE_TEST"))
            with pytest.raises(errors.UsernameInvalidError):
                await bob(functions.account.UpdateUsernameRequest("b"))

            # Bob finds Ann by username (contacts.resolveUsername) ...
            found = await bob.get_entity("@ann_lee_test")
            assert found.id == me.id and found.phone is None and not found.contact
            full = await bob(functions.users.GetFullUserRequest(found))
            assert full.full_user.about == "Hello from Ann"
            # ... then by id, with the access hash he was given (users.getUsers).
            again = await bob.get_entity(types.PeerUser(me.id))
            assert again.id == me.id
            # A forged access hash is refused.
            with pytest.raises(errors.UserIdInvalidError):
                await bob(functions.users.GetUsersRequest([types.InputUser(me.id, 1234)]))

            # Ann finds Bob by phone: import, then Telethon's lookup by phone (getContacts).
            imported = await ann(
                functions.contacts.ImportContactsRequest(
                    [
                        types.InputPhoneContact(7, "+" + BOB, "Bobby", ""),
                        types.InputPhoneContact(8, "+15550000", "Nobody", ""),
                    ]
                )
            )
            assert [(c.user_id, c.client_id) for c in imported.imported] == [(bob_me.id, 7)]
            by_phone = await ann.get_entity("+" + BOB)
            assert (by_phone.id, by_phone.first_name, by_phone.contact) == (
                bob_me.id,
                "Bobby",
                True,
            )
            contacts = await ann(functions.contacts.GetContactsRequest(hash=0))
            assert [c.user_id for c in contacts.contacts] == [bob_me.id]
            # Ann saved Bob: he may now see her phone (Telegram's "my contacts" default).
            assert (await bob.get_entity(me.id)).phone == ANN
            found = await ann(functions.contacts.SearchRequest(q="bob", limit=10))
            assert [p.user_id for p in found.my_results] == [bob_me.id]

            # Block and unblock.
            assert await ann(functions.contacts.BlockRequest(id=by_phone))
            blocked = await ann(functions.contacts.GetBlockedRequest(offset=0, limit=10))
            assert [b.peer_id.user_id for b in blocked.blocked] == [bob_me.id]
            assert await ann(functions.contacts.UnblockRequest(id=by_phone))

            # Sessions.
            sessions = await ann(functions.account.GetAuthorizationsRequest())
            [current] = sessions.authorizations
            assert current.current and current.api_id == 1 and current.ip == "127.0.0.1"

            # Log out: the same key gets 401 again.
            key = ann.session.auth_key
            assert await ann.log_out()
            session = MemorySession()
            session.set_dc(2, "127.0.0.1", running_server.port)
            session.auth_key = key
            same_key = telethon_client(running_server, session)
            await same_key.connect()
            try:
                assert not await same_key.is_user_authorized()
                assert await same_key.get_me() is None
            finally:
                await same_key.disconnect()

    asyncio.run(main())


def test_user_added_by_the_cli_signs_in(
    running_server: ServerInfo, server_config: ServerConfig
) -> None:
    """``tgserver users add`` against the data directory of the running server."""
    result = CliRunner().invoke(
        cli,
        [
            "users",
            "add",
            "--data",
            str(server_config.data_dir),
            "--phone",
            "+" + CAROL,
            "--first-name",
            "Carol",
            "--username",
            "carol_cli",
        ],
        env={k: None for k in os.environ if k.startswith("TGSERVER_")},
    )
    assert result.exit_code == 0, result.output
    assert "created user" in result.output

    async def main() -> None:
        carol = telethon_client(running_server)
        await carol.connect()
        try:
            sent = await carol.send_code_request(CAROL)
            me = await carol.sign_in(CAROL, TEST_CODE, phone_code_hash=sent.phone_code_hash)
            assert (me.first_name, me.username, me.phone) == ("Carol", "carol_cli", CAROL)
            assert await carol.is_user_authorized()
        finally:
            await carol.disconnect()

    asyncio.run(main())


def test_login_survives_a_server_restart(server_config: ServerConfig, tmp_path: Path) -> None:
    """The auth key -> account binding is in SQLite: a restarted server still knows it."""
    session_file = str(tmp_path / "telethon")
    first = BackgroundServer(server_config)
    info = first.start()

    async def first_login() -> int:
        client = telethon_client(info, SQLiteSession(session_file))
        await client.connect()
        try:
            return int((await sign_up(client, ANN, "Ann")).id)
        finally:
            await client.disconnect()

    try:
        user_id = asyncio.run(first_login())
    finally:
        first.stop()
    second = BackgroundServer(attrs.evolve(server_config, port=info.port))
    info = second.start()

    async def reconnect() -> None:
        client = telethon_client(info, SQLiteSession(session_file))
        await client.connect()
        try:
            assert await client.is_user_authorized()
            assert (await client.get_me()).id == user_id
        finally:
            await client.disconnect()

    try:
        asyncio.run(reconnect())
    finally:
        second.stop()
