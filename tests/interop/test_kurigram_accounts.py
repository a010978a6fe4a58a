"""Unmodified Kurigram 2.2 signs a test number up and in, and sees its own account."""

from __future__ import annotations

import asyncio

import pytest

from tests.interop.support import kurigram_client
from tgserver.app import ServerInfo

pyrogram = pytest.importorskip("pyrogram")
from pyrogram import raw  # noqa: E402

PHONE = "9996627001"


def test_sign_up_then_sign_in(trusted: ServerInfo) -> None:
    async def main() -> None:
        first = kurigram_client(trusted, "first")
        assert await first.connect() is False
        try:
            sent = await first.send_phone_number_code("+" + PHONE)
            result = await first.sign_in("+" + PHONE, sent.phone_code_hash, "22222")
            assert result is False  # sign-up required, no terms of service
            user = await first.sign_up("+" + PHONE, sent.phone_code_hash, "Kuri", "Gram")
            assert (user.first_name, user.last_name, user.phone_number) == ("Kuri", "Gram", PHONE)
            me = await first.get_me()
            assert me.id == user.id and me.is_self
            state = await first.invoke(raw.functions.updates.GetState())
            assert state.pts == 1
        finally:
            await first.disconnect()

        second = kurigram_client(trusted, "second")
        await second.connect()
        try:
            sent = await second.send_phone_number_code(PHONE)
            signed_in = await second.sign_in(PHONE, sent.phone_code_hash, "22222")
            assert signed_in.id == user.id and signed_in.first_name == "Kuri"
            sessions = await second.invoke(raw.functions.account.GetAuthorizations())
            assert len(sessions.authorizations) == 2
            assert sum(a.current for a in sessions.authorizations) == 1
        finally:
            await second.disconnect()

    asyncio.run(main())
