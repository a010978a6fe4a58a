"""getChat of supergroups and channels, getChatMemberCount, getChatMember.

Supergroups and broadcast channels answer from the channel store (a ``-100...`` chat id);
basic groups from the group store; a private chat is the bot and the user.
"""

from __future__ import annotations

from typing import Any, Final

from tgserver.botapi.context import Call, guarded
from tgserver.botapi.errors import bad_request
from tgserver.botapi.members import member_json
from tgserver.botapi.render import channel_json, user_json
from tgserver.services.bots_channel_feed import member_status
from tgserver.services.bots_channels import channel_id_of

__all__ = ["CHANNEL_FULL_INFO_DEFAULTS", "METHODS", "get_channel_chat"]

#: Fields ``ChatFullInfo`` requires beyond the ``Chat`` ones.
CHANNEL_FULL_INFO_DEFAULTS: Final = {
    "accent_color_id": 0,
    "max_reaction_count": 11,
    "accepted_gift_types": {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    },
}


def _bot_channels(call: Call) -> Any:
    channels = call.ctx.services.bots.channels
    if channels is None:
        raise bad_request("chat not found")
    return channels


async def get_channel_chat(call: Call, channel_id: int) -> Any:
    """The ``ChatFullInfo`` of a supergroup or channel the bot may read."""
    channel = await guarded(_bot_channels(call).chat(call.bot_id, channel_id))
    value = {**channel_json(channel), **CHANNEL_FULL_INFO_DEFAULTS}
    if channel.about:
        value["description"] = channel.about
    return value


async def get_chat_member_count(call: Call) -> Any:
    """getChatMemberCount."""
    chat_id = call.chat_id()
    services = call.ctx.services
    channel_id = channel_id_of(chat_id)
    if channel_id is not None:
        return await guarded(_bot_channels(call).member_count(call.bot_id, channel_id))
    if chat_id < 0:
        group = await guarded(services.bots.group(call.bot_id, chat_id))
        return group.participants_count
    await guarded(services.bots.chat_user(chat_id))
    return 1 if chat_id == call.bot_id else 2


async def get_chat_member(call: Call) -> Any:
    """getChatMember: the member's status (creator, administrator, member, restricted,
    left, kicked) in a supergroup or channel; member/left in other chats."""
    chat_id = call.chat_id()
    user_id = call.params.req_int("user_id")
    services = call.ctx.services
    users = await services.messaging.accounts.stores.users.get_users([user_id])
    user = users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    channel_id = channel_id_of(chat_id)
    if channel_id is not None:
        channels = _bot_channels(call)
        channel = await guarded(channels.chat(call.bot_id, channel_id))
        row = await channels.member(channel_id, user_id)
        return member_json(
            user_json(user),
            member_status(row),
            admin_rights=row.admin_rights if row is not None else 0,
            banned_rights=row.banned_rights if row is not None else 0,
            until_date=row.until_date if row is not None else 0,
            rank=row.rank if row is not None else None,
            broadcast=not channel.megagroup,
        )
    if chat_id < 0:
        group = await guarded(services.bots.group(call.bot_id, chat_id))
        chats = services.bots.chats
        assert chats is not None
        participant = await chats.chats.store.get_participant(group.id, user_id)
        if participant is None:
            return member_json(user_json(user), "left")
        status = "creator" if user_id == group.creator_id else "member"
        return member_json(user_json(user), status)
    await guarded(services.bots.chat_user(chat_id))
    status = "member" if user_id in (chat_id, call.bot_id) else "left"
    return member_json(user_json(user), status)


METHODS: Final = {
    "getchatmembercount": get_chat_member_count,
    "getchatmemberscount": get_chat_member_count,
    "getchatmember": get_chat_member,
}
