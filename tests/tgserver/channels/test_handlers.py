"""Channel handler helpers: lenient decoding of peers where channels are expected, rights
conversions, rendering."""

from __future__ import annotations

from tgcore.tl import Reader, functions, types
from tgserver.bus import MemoryBus
from tgserver.rpc.context import RequestContext
from tgserver.rpc.handlers import (
    ChannelHandlers,
    ChannelUpdateHandlers,
    accepting_input_peers,
    admin_rights_bits,
    banned_rights_bits,
    tl_admin_rights,
    tl_banned_rights,
    tl_channel_message,
)
from tgserver.services import AccountServices
from tgserver.services.channels import (
    ADMIN_BAN_USERS,
    ADMIN_POST_MESSAGES,
    BANNED_VIEW_MESSAGES,
    ChannelServices,
)
from tgserver.store.accounts import AccountStores
from tgserver.store.channels import ChannelMessage, MemoryChannelStore


def _decode(request_type: type, data: bytes) -> object:
    reader = Reader(data)
    reader.read_uint()
    value = accepting_input_peers(request_type).from_reader(reader)
    assert reader.remaining() == 0
    return value


def test_input_peer_channel_is_taken_for_an_input_channel() -> None:
    sent = functions.channels.JoinChannel(
        channel=types.InputPeerChannel(channel_id=5, access_hash=-9)  # type: ignore[arg-type]
    )
    request = _decode(functions.channels.JoinChannel, sent.to_bytes())
    assert isinstance(request, functions.channels.JoinChannel)
    assert request.channel == types.InputChannel(channel_id=5, access_hash=-9)


def test_input_peer_user_is_taken_for_an_input_user() -> None:
    sent = functions.channels.InviteToChannel(
        channel=types.InputChannel(channel_id=5, access_hash=1),
        users=[
            types.InputPeerUser(user_id=7, access_hash=2),  # type: ignore[list-item]
            types.InputPeerSelf(),  # type: ignore[list-item]
            types.InputUser(user_id=8, access_hash=3),
        ],
    )
    request = _decode(functions.channels.InviteToChannel, sent.to_bytes())
    assert isinstance(request, functions.channels.InviteToChannel)
    assert request.users == [
        types.InputUser(user_id=7, access_hash=2),
        types.InputUserSelf(),
        types.InputUser(user_id=8, access_hash=3),
    ]


def test_a_wrong_type_is_still_refused() -> None:
    sent = functions.channels.JoinChannel(
        channel=types.InputPeerChat(chat_id=5)  # type: ignore[arg-type]
    )
    try:
        _decode(functions.channels.JoinChannel, sent.to_bytes())
    except Exception as exc:  # the dispatcher maps decode errors to INPUT_FETCH_ERROR
        assert "expected type" in str(exc)
    else:
        raise AssertionError("an inputPeerChat was taken for an InputChannel")


def test_rights_round_trip() -> None:
    bits = ADMIN_POST_MESSAGES | ADMIN_BAN_USERS
    assert admin_rights_bits(tl_admin_rights(bits)) == bits
    rights = tl_banned_rights(BANNED_VIEW_MESSAGES, until_date=99)
    assert rights.view_messages and rights.until_date == 99
    assert banned_rights_bits(rights) == BANNED_VIEW_MESSAGES


def test_broadcast_posts_render_without_an_author() -> None:
    message = ChannelMessage(
        channel_id=3,
        id=4,
        from_id=10,
        date=1,
        text="post",
        entities=None,
        media=None,
        reply_to=None,
        fwd_from=None,
        action=None,
        post=True,
        edit_date=None,
        random_id=None,
        pts=5,
    )
    for_author = tl_channel_message(message, 10)
    for_reader = tl_channel_message(message, 11)
    assert isinstance(for_reader, types.Message) and isinstance(for_author, types.Message)
    assert for_reader.from_id is None and for_reader.post and not for_reader.out
    assert for_author.out
    assert for_reader.peer_id == types.PeerChannel(channel_id=3)


async def test_get_channel_difference_constructors() -> None:
    accounts = await AccountServices.create(AccountStores.memory(), dc_id=2)
    services = ChannelServices.create(
        accounts, MemoryChannelStore(), bus=MemoryBus(), too_long_gap=10
    )
    ann = (await accounts.users.register("9996201001", "Ann")).id
    ctx = RequestContext(auth_key_id=1, session_id=1, msg_id=0, layer=229, user_id=ann)
    handlers = ChannelHandlers(services)
    updates = ChannelUpdateHandlers(services)
    created = await handlers.create_channel(
        ctx, functions.channels.CreateChannel(title="G", about="", megagroup=True)
    )
    chat = created.chats[0]
    assert isinstance(chat, types.Channel) and chat.access_hash is not None
    channel = types.InputChannel(channel_id=chat.id, access_hash=chat.access_hash)
    full = await handlers.get_full_channel(ctx, functions.channels.GetFullChannel(channel=channel))
    pts = full.full_chat.pts

    def ask(from_pts: int, limit: int = 100) -> functions.updates.GetChannelDifference:
        return functions.updates.GetChannelDifference(
            channel=channel, filter=types.ChannelMessagesFilterEmpty(), pts=from_pts, limit=limit
        )

    empty = await updates.get_channel_difference(ctx, ask(pts))
    assert isinstance(empty, types.updates.ChannelDifferenceEmpty) and empty.pts == pts
    for i in range(3):
        await services.messaging.post(ann, chat.id, f"m{i}")
    diff = await updates.get_channel_difference(ctx, ask(pts, limit=2))
    assert isinstance(diff, types.updates.ChannelDifference) and not diff.final
    assert [m.message for m in diff.new_messages] == ["m0", "m1"]  # type: ignore[union-attr]
    for i in range(20):
        await services.messaging.post(ann, chat.id, f"n{i}")
    too_long = await updates.get_channel_difference(ctx, ask(pts))
    assert isinstance(too_long, types.updates.ChannelDifferenceTooLong)
    assert isinstance(too_long.dialog, types.Dialog) and too_long.dialog.pts == pts + 23
    assert too_long.dialog.unread_count == 0  # all Ann's own
    for answer in (empty, diff, too_long):
        assert Reader(answer.to_bytes()).read_object() == answer
