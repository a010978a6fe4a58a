"""A long channel post fanned out to Telethon 1.45 members: the server gzip-packs it once per
post (SharedGzip) and every member still reads exactly the text that was posted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from telethon import events
from telethon.tl import functions

from tests.interop.support import event_queue, next_event, signed_up_clients
from tgcore.mtproto.session import gzipshare
from tgserver.app import ServerInfo

OWNER = "9996627101"
MEMBERS = ("9996627102", "9996627103", "9996627104")


def test_long_posts_reach_every_member_packed_from_one_compressed_prefix(
    running_server: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed_from_prefix = 0
    real_pack: Callable[[gzipshare._Prefix, bytes], bytes] = gzipshare._Prefix.pack

    def counting(self: gzipshare._Prefix, body: bytes) -> bytes:
        nonlocal packed_from_prefix
        packed_from_prefix += 1
        return real_pack(self, body)

    monkeypatch.setattr(gzipshare._Prefix, "pack", counting)
    texts = [
        "\n".join(f"line {i} of a long post number {n}, words words words." for i in range(60))
        for n in range(2)
    ]
    assert all(len(text.encode()) > 2000 for text in texts)

    async def main() -> None:
        owner, *members = await signed_up_clients(running_server, OWNER, *MEMBERS)
        try:
            channel = (
                await owner(
                    functions.channels.CreateChannelRequest(
                        title="Long reads", about="long posts", broadcast=True
                    )
                )
            ).chats[0]
            await owner(functions.channels.UpdateUsernameRequest(channel, "long_reads"))
            queues = []
            for member in members:
                await member(
                    functions.channels.JoinChannelRequest(await member.get_entity("@long_reads"))
                )
                await member.get_dialogs()
                queues.append(event_queue(member, events.NewMessage()))
            for text in texts:
                await owner.send_message(channel, text)
                for queue in queues:
                    got = await next_event(queue)
                    assert got.raw_text == text
        finally:
            for client in (owner, *members):
                await client.disconnect()

    asyncio.run(main())
    # Each post: the first member's body is packed alone, the others from the shared prefix.
    assert packed_from_prefix >= len(texts) * (len(MEMBERS) - 1)
