"""The handlers the server has, and the functions that install them on a dispatcher.

:func:`register_builtin_handlers` installs what needs no accounts (help.*, wrapped pings, and
401 answers for account methods); :func:`register_account_handlers` installs auth.*, users.*,
account.* and contacts.* over the account services; :func:`register_messaging_handlers`
installs messages.* (routed by peer kind) and the update-state methods over the messaging
services; :func:`register_chat_handlers` installs the basic-group methods.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tgcore.tl import functions
from tgserver.media import MediaService
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import (
    AUTHORIZATION_TTL_DAYS,
    AccountHandlers,
    get_state,
    get_users,
    require_user,
)
from tgserver.rpc.handlers.answers import Answers
from tgserver.rpc.handlers.auth import AuthHandlers, client_ip
from tgserver.rpc.handlers.bots import DATA_INVALID, BotHandlers
from tgserver.rpc.handlers.channel_common import (
    ChannelRendering,
    accepting_input_peers,
    input_channel_id,
)
from tgserver.rpc.handlers.channel_messages import ChannelMessageHandlers, MediaSource
from tgserver.rpc.handlers.channel_pushes import ChannelEventRenderer
from tgserver.rpc.handlers.channel_render import (
    ADMIN_RIGHT_FLAGS,
    BANNED_RIGHT_FLAGS,
    admin_rights_bits,
    banned_rights_bits,
    channel_peer,
    tl_admin_rights,
    tl_banned_rights,
    tl_channel,
    tl_channel_dialog,
    tl_channel_full,
    tl_channel_message,
    tl_participant,
    users_of_messages,
)
from tgserver.rpc.handlers.channel_updates import ChannelUpdateHandlers, tl_channel_entry
from tgserver.rpc.handlers.channels import MAX_GET_CHANNELS, ChannelHandlers
from tgserver.rpc.handlers.chats import MAX_GET_CHATS, ChatHandlers, CreateChannel
from tgserver.rpc.handlers.chats_render import (
    ChatRenderer,
    tl_chat_participant,
    tl_chat_participants,
)
from tgserver.rpc.handlers.contacts import MAX_DELETE_CONTACTS, ChannelResolver, ContactHandlers
from tgserver.rpc.handlers.dialogs import DialogHandlers
from tgserver.rpc.handlers.group_messages import GroupMessageHandlers
from tgserver.rpc.handlers.help import CONFIG_EXPIRES, DcAddress, HelpHandlers
from tgserver.rpc.handlers.media import MAX_ALBUM_SIZE, MAX_CAPTION_LENGTH, MediaHandlers
from tgserver.rpc.handlers.messages import (
    FOLDER_ID_INVALID,
    RANDOM_ID_INVALID,
    MessageHandlers,
    origin_of,
)
from tgserver.rpc.handlers.peers import (
    input_peer_user_id,
    input_user_id,
    tl_status,
    tl_user,
    tl_users,
)
from tgserver.rpc.handlers.pushes import EventRenderer
from tgserver.rpc.handlers.render import (
    decode_object,
    decode_objects,
    encode_objects,
    referenced_peers,
    referenced_users,
    tl_dialog,
    tl_message,
    tl_peer,
    tl_update,
    users_for,
)
from tgserver.rpc.handlers.routing import (
    CHANNEL_INVALID,
    ChannelDialog,
    ChannelRoutes,
    ForwardSource,
    InputMediaSource,
    PeerRoute,
    SendMediaHandler,
    route_of,
)
from tgserver.rpc.handlers.service import ping, ping_delay_disconnect
from tgserver.rpc.handlers.updates import (
    ChannelNews,
    ChatsFor,
    UpdateHandlers,
    tl_difference,
    tl_state,
)
from tgserver.rpc.handlers.upload import UploadHandlers
from tgserver.rpc.handlers.users import MAX_GET_USERS, UserHandlers
from tgserver.services import AccountServices
from tgserver.services.bots_bundle import BotServices
from tgserver.services.channels import ChannelServices
from tgserver.services.chats_bundle import ChatServices
from tgserver.services.messaging import MessagingServices

__all__ = [
    "ADMIN_RIGHT_FLAGS",
    "AUTHORIZATION_TTL_DAYS",
    "AccountHandlers",
    "Answers",
    "AuthHandlers",
    "BANNED_RIGHT_FLAGS",
    "BotHandlers",
    "CHANNEL_INVALID",
    "CONFIG_EXPIRES",
    "ChannelDialog",
    "ChannelEventRenderer",
    "ChannelHandlers",
    "ChannelMessageHandlers",
    "ChannelNews",
    "ChannelRendering",
    "ChannelResolver",
    "ChannelRoutes",
    "ChannelUpdateHandlers",
    "ChatHandlers",
    "ChatRenderer",
    "ChatsFor",
    "ContactHandlers",
    "CreateChannel",
    "DATA_INVALID",
    "DcAddress",
    "DialogHandlers",
    "EventRenderer",
    "FOLDER_ID_INVALID",
    "ForwardSource",
    "GroupMessageHandlers",
    "HelpHandlers",
    "InputMediaSource",
    "MAX_ALBUM_SIZE",
    "MAX_CAPTION_LENGTH",
    "MAX_DELETE_CONTACTS",
    "MAX_GET_CHANNELS",
    "MAX_GET_CHATS",
    "MAX_GET_USERS",
    "MediaHandlers",
    "MediaSource",
    "MessageHandlers",
    "PeerRoute",
    "RANDOM_ID_INVALID",
    "SendMediaHandler",
    "UpdateHandlers",
    "UploadHandlers",
    "UserHandlers",
    "accepting_input_peers",
    "admin_rights_bits",
    "banned_rights_bits",
    "channel_peer",
    "client_ip",
    "decode_object",
    "decode_objects",
    "encode_objects",
    "get_state",
    "get_users",
    "input_channel_id",
    "input_peer_user_id",
    "input_user_id",
    "origin_of",
    "ping",
    "ping_delay_disconnect",
    "referenced_peers",
    "referenced_users",
    "register_account_handlers",
    "register_bot_handlers",
    "register_builtin_handlers",
    "register_channel_handlers",
    "register_chat_handlers",
    "register_media_handlers",
    "register_messaging_handlers",
    "require_user",
    "route_of",
    "tl_admin_rights",
    "tl_banned_rights",
    "tl_channel",
    "tl_channel_dialog",
    "tl_channel_entry",
    "tl_channel_full",
    "tl_channel_message",
    "tl_chat_participant",
    "tl_chat_participants",
    "tl_dialog",
    "tl_difference",
    "tl_message",
    "tl_participant",
    "tl_peer",
    "tl_state",
    "tl_status",
    "tl_update",
    "tl_user",
    "tl_users",
    "users_for",
    "users_of_messages",
]


def register_builtin_handlers(
    dispatcher: Dispatcher, dc: DcAddress, *, clock: Callable[[], float] = time.time
) -> None:
    """Install help.getConfig, help.getNearestDc, help.getAppConfig, users.getUsers,
    updates.getState, and wrapped ping / ping_delay_disconnect on ``dispatcher``."""
    help_ = HelpHandlers(dc, clock=clock)
    dispatcher.add(functions.help.GetConfig, help_.get_config)
    dispatcher.add(functions.help.GetNearestDc, help_.get_nearest_dc)
    dispatcher.add(functions.help.GetAppConfig, help_.get_app_config)
    dispatcher.add(functions.users.GetUsers, get_users)
    dispatcher.add(functions.updates.GetState, get_state)
    dispatcher.add(functions.Ping, ping)
    dispatcher.add(functions.PingDelayDisconnect, ping_delay_disconnect)


def register_account_handlers(
    dispatcher: Dispatcher, services: AccountServices, *, clock: Callable[[], float] = time.time
) -> None:
    """Install auth.*, users.*, account.* and contacts.* over ``services`` (replacing the
    401-only built-ins; update state comes with :func:`register_messaging_handlers`).

    The dispatcher must look accounts up through the same services
    (``Dispatcher(lookup_user=services.lookup_user)``).
    """
    AuthHandlers(services).register(dispatcher)
    UserHandlers(services).register(dispatcher)
    AccountHandlers(services).register(dispatcher)
    ContactHandlers(services, clock=clock).register(dispatcher)


def register_messaging_handlers(
    dispatcher: Dispatcher, services: MessagingServices, chats: ChatServices | None = None
) -> MessageHandlers:
    """Install messages.* (private chats, and basic groups when ``chats`` is given) and the
    message-store backed updates.getState / updates.getDifference (after
    :func:`register_account_handlers`).

    Returns the installed :class:`MessageHandlers`: channel handlers plug into it
    (``set_channel_handlers``), its ``updates`` are the installed :class:`UpdateHandlers`
    and its ``renderer`` renders chats for the gateway's :class:`EventRenderer`.
    """
    messages = MessageHandlers(services, chats)
    messages.register(dispatcher)
    messages.updates = UpdateHandlers(services, chats_for=messages.renderer.chats_for)
    messages.updates.register(dispatcher)
    return messages


def register_chat_handlers(
    dispatcher: Dispatcher, chats: ChatServices, messages: MessageHandlers
) -> ChatHandlers:
    """Install messages.createChat, addChatUser, deleteChatUser, editChatTitle,
    editChatAdmin, getFullChat, getChats and migrateChat (after
    :func:`register_messaging_handlers` with the same ``chats``). Returns them
    (``set_channel_creator`` enables migrateChat)."""
    handlers = ChatHandlers(chats, messages.answers)
    handlers.register(dispatcher)
    return handlers


def register_media_handlers(
    dispatcher: Dispatcher, messaging: MessagingServices, media: MediaService
) -> None:
    """Install upload.saveFilePart / saveBigFilePart / getFile and messages.sendMedia /
    uploadMedia over ``media`` (after :func:`register_messaging_handlers`)."""
    UploadHandlers(media).register(dispatcher)
    MediaHandlers(messaging, media).register(dispatcher)


def register_bot_handlers(dispatcher: Dispatcher, services: BotServices) -> None:
    """Install auth.importBotAuthorization and messages.getBotCallbackAnswer over the bot
    services (after :func:`register_messaging_handlers`)."""
    BotHandlers(services).register(dispatcher)


def register_channel_handlers(
    dispatcher: Dispatcher,
    services: ChannelServices,
    *,
    messages: object | None = None,
    updates: UpdateHandlers | None = None,
    renderer: EventRenderer | None = None,
) -> ChannelMessageHandlers:
    """Install channels.*, updates.getChannelDifference, the channel branch of
    contacts.resolveUsername, and (through the given instances) the channel parts of
    messages.*, updates.getDifference and pushed updates (after
    :func:`register_messaging_handlers`).

    Args:
        dispatcher: Where to install.
        services: The channel services.
        messages: The ``MessageHandlers`` that routes ``messages.*`` on channel peers here
            (its ``set_channel_handlers`` is called).
        updates: The installed ``UpdateHandlers``: its ``updates.difference`` gets
            ``updateChannelTooLong`` for the user's channels that moved.
        renderer: The gateway's event renderer, taught the channel events.

    Returns:
        The channel side of ``messages.*`` (``send_media`` needs a media source).
    """
    channels = ChannelHandlers(services)
    channels.register(dispatcher)
    channel_updates = ChannelUpdateHandlers(services)
    channel_updates.register(dispatcher)
    if updates is not None:
        updates.set_channel_news(channel_updates.channel_news)
    contacts = ContactHandlers(services.accounts)
    contacts.set_channel_resolver(channels.resolve_username)
    dispatcher.add(functions.contacts.ResolveUsername, contacts.resolve_username)
    routes = ChannelMessageHandlers(services)
    install = getattr(messages, "set_channel_handlers", None)
    if install is not None:
        install(routes)
    if renderer is not None:
        renderer.set_channel_renderer(ChannelEventRenderer(services))
    return routes
