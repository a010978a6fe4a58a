"""The per-post rendering of channel fan-out: the spliced template gives every viewer exactly
the bytes a full per-viewer rendering gives (access hashes, ``out``, ``self``), and falls back
where bytes differ otherwise."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from tgcore.tl import Reader, pack_long, types
from tgserver.bus import MemoryBus
from tgserver.rpc.handlers import channel_pushes
from tgserver.rpc.handlers.channel_pushes import ChannelEventRenderer, Spliced
from tgserver.rpc.handlers.channel_render import tl_channel_message, users_of_messages
from tgserver.rpc.handlers.peers import tl_user
from tgserver.services import AccountServices
from tgserver.services.channels import (
    ChannelEditEvent,
    ChannelMessageEvent,
    ChannelServices,
)
from tgserver.store.accounts import AccountStores
from tgserver.store.channels import MemoryChannelStore


class RecordingBus(MemoryBus):
    """A memory bus that keeps every event it publishes."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[object] = []

    async def publish(self, user_ids: Collection[int], event: object) -> None:
        self.events.append(event)


async def _services() -> tuple[ChannelServices, RecordingBus, list[int]]:
    accounts = await AccountServices.create(AccountStores.memory(), dc_id=2)
    bus = RecordingBus()
    services = ChannelServices.create(accounts, MemoryChannelStore(), bus=bus)
    users = []
    for i in range(5):
        user = await accounts.users.register(f"99966201{i:02d}", f"User{i}", last_name="L")
        users.append(user.id)
    return services, bus, users


async def _reference(
    services: ChannelServices, viewer: int, event: ChannelMessageEvent | ChannelEditEvent
) -> bytes:
    """The envelope rendered field by field for ``viewer`` (what the template must match)."""
    message = event.message
    accounts = services.accounts.users
    ids = users_of_messages([message])
    records = await accounts.store.get_users(ids)
    tl_message = tl_channel_message(message, viewer)
    update: types.TypeUpdate
    if isinstance(event, ChannelEditEvent):
        update = types.UpdateEditChannelMessage(message=tl_message, pts=event.pts, pts_count=1)
    else:
        update = types.UpdateNewChannelMessage(message=tl_message, pts=message.pts, pts_count=1)
    channel = event.channel
    return types.Updates(
        updates=[update],
        users=[tl_user(accounts.view_of(viewer, records[i], None)) for i in ids if i in records],
        chats=[
            types.Channel(
                broadcast=not channel.megagroup,
                megagroup=channel.megagroup,
                id=channel.id,
                access_hash=services.access.hash_for(viewer, channel.id),
                title=channel.title,
                username=channel.username,
                photo=types.ChatPhotoEmpty(),
                date=channel.date,
                participants_count=channel.participants_count,
            )
        ],
        date=message.date,
        seq=0,
    ).to_bytes()


async def test_every_viewer_gets_its_own_bytes() -> None:
    services, bus, (a, b, c, d, e) = await _services()
    created = await services.channels.create(a, "Group", megagroup=True)
    gid = created.channel.id
    await services.channels.invite(a, gid, [b, c, d])  # a service message naming b, c, d
    await services.messaging.post(b, gid, "hello everyone")
    await services.messaging.post(c, gid, "a reply", reply_to=3)
    await services.messaging.edit(c, gid, 4, "an edited reply")
    events = [ev for ev in bus.events if isinstance(ev, ChannelMessageEvent | ChannelEditEvent)]
    assert len(events) >= 3
    renderer = ChannelEventRenderer(services)
    viewers = [a, b, c, d, e, 10_000_001, 99]
    for event in events:
        for viewer in viewers:
            got = await renderer(viewer, event)
            assert got == await _reference(services, viewer, event), (event, viewer)
    # Everyone outside the message's users got the spliced template, not a full rendering.
    assert all(p.template is not None for p in renderer._prepared.values())
    # The template holes carry the viewer's hashes: decoded, they check.
    post = next(ev for ev in events if isinstance(ev, ChannelMessageEvent) and ev.message.id == 3)
    data = await renderer(e, post)
    assert data is not None
    decoded = Reader(data).read_object()
    assert isinstance(decoded, types.Updates)
    [user] = decoded.users
    [chat] = decoded.chats
    assert isinstance(user, types.User) and not user.self
    assert isinstance(chat, types.Channel)
    assert services.accounts.users.check_access(e, b, user.access_hash or 0)
    assert services.access.check(e, gid, chat.access_hash or 0)


async def test_broadcast_posts_splice_only_the_channel() -> None:
    services, bus, (a, b, _, _, _) = await _services()
    gid = (await services.channels.create(a, "News", megagroup=False)).channel.id
    await services.messaging.post(a, gid, "news")
    post = [ev for ev in bus.events if isinstance(ev, ChannelMessageEvent)][-1]
    assert post.message.post and post.message.text == "news"
    renderer = ChannelEventRenderer(services)
    for viewer in (a, b, 12345):
        assert await renderer(viewer, post) == await _reference(services, viewer, post)


def test_spliced_cut_and_fill() -> None:
    marks = [0x1111_2222_3333_4444, 0x5555_6666_7777_0000]
    data = b"head" + pack_long(marks[0]) + b"mid" + pack_long(marks[1]) + b"tail"
    spliced = Spliced.cut(data, marks)
    assert spliced is not None and spliced.holes == 2
    assert spliced.fill(marks) == data
    assert spliced.fill([-1, 7]) == b"head" + pack_long(-1) + b"mid" + pack_long(7) + b"tail"
    with pytest.raises(ValueError):
        spliced.fill([1])
    # A mark that is missing, repeated, out of order or overlapping: no template.
    assert Spliced.cut(data, [*marks, 42]) is None
    assert Spliced.cut(data + pack_long(marks[1]), marks) is None
    assert Spliced.cut(data, marks[::-1]) is None
    overlap = pack_long(0x0102_0304_0506_0708) + b"\x09"
    second = int.from_bytes(overlap[1:9], "little", signed=True)
    assert Spliced.cut(overlap, [0x0102_0304_0506_0708, second]) is None


async def test_the_hash_cache_refills_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel_pushes, "_HASHES_KEPT", 3)
    services, bus, (a, *_) = await _services()
    gid = (await services.channels.create(a, "Group", megagroup=True)).channel.id
    await services.messaging.post(a, gid, "one")
    await services.messaging.post(a, gid, "two")
    posts = [ev for ev in bus.events if isinstance(ev, ChannelMessageEvent)][-2:]
    renderer = ChannelEventRenderer(services)
    for post in posts:
        for viewer in range(500, 520):
            assert await renderer(viewer, post) == await _reference(services, viewer, post)
    assert len(renderer._hashes) <= 3 + 2
