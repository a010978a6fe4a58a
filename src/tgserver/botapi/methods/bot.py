"""getMe, setMyCommands, getMyCommands, deleteMyCommands, getChat, close, logOut."""

from __future__ import annotations

import json
import re
from typing import Any, Final

from tgserver.botapi.context import Call, guarded
from tgserver.botapi.errors import bad_request
from tgserver.botapi.methods.chats import CHANNEL_FULL_INFO_DEFAULTS, get_channel_chat
from tgserver.botapi.render import chat_json, group_json, user_json
from tgserver.services.bots_channels import channel_id_of

__all__ = ["METHODS"]

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
#: Commands one list may hold (Telegram's limit).
MAX_COMMANDS: Final = 100


async def get_me(call: Call) -> Any:
    """getMe: the bot's User with the bot-only fields."""
    account = await guarded(call.ctx.services.bots.account(call.bot_id))
    return {
        **user_json(account),
        "can_join_groups": True,
        # Groups deliver every message to a member bot (privacy mode off).
        "can_read_all_group_messages": True,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def set_my_commands(call: Call) -> Any:
    """setMyCommands: the bot's command list (the default scope and language only)."""
    commands = call.params.json("commands", what="commands")
    if commands is None:
        raise bad_request("commands is empty")
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise bad_request("can't parse commands JSON object")
    kept: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand")
        command = item.get("command")
        description = item.get("description")
        if not isinstance(command, str) or not _COMMAND.fullmatch(command.lower().lstrip("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        kept.append({"command": command.lower().lstrip("/"), "description": description})
    await call.ctx.services.bots.store.set_commands(call.bot_id, json.dumps(kept))
    return True


async def get_my_commands(call: Call) -> Any:
    """getMyCommands: the list setMyCommands stored."""
    return json.loads(call.bot.commands)


async def delete_my_commands(call: Call) -> Any:
    """deleteMyCommands: an empty list."""
    await call.ctx.services.bots.store.set_commands(call.bot_id, "[]")
    return True


_FULL_INFO_DEFAULTS: Final = CHANNEL_FULL_INFO_DEFAULTS


async def get_chat(call: Call) -> Any:
    """getChat: a ChatFullInfo of a private chat (the user must have talked to the bot) or
    of a basic group the bot is or was in, or of a supergroup or channel it may read."""
    chat_id = call.chat_id()
    services = call.ctx.services
    channel_id = channel_id_of(chat_id)
    if channel_id is not None:
        return await get_channel_chat(call, channel_id)
    if chat_id < 0:
        group = await guarded(services.bots.group(call.bot_id, chat_id))
        return {**group_json(group), **_FULL_INFO_DEFAULTS}
    user = await guarded(services.bots.chat_user(chat_id))
    if user.id != call.bot_id:
        dialog = await services.messaging.messages.store.get_dialog(call.bot_id, chat_id)
        if dialog is None:
            raise bad_request("chat not found")
    full = await services.messaging.accounts.users.full(call.bot_id, user.id)
    value = {**chat_json(user), **_FULL_INFO_DEFAULTS}
    if full.about:
        value["bio"] = full.about
    return value


async def close(call: Call) -> Any:
    """close: nothing to hand over on a single server; True."""
    return True


async def log_out(call: Call) -> Any:
    """logOut: True (a local server has no cloud Bot API to log out from)."""
    return True


METHODS: Final = {
    "getme": get_me,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getchat": get_chat,
    "close": close,
    "logout": log_out,
}
