"""Users between TL and the services: input users/peers in (access hashes checked), TL out.

Every ``inputUser`` / ``inputPeerUser`` a client sends carries the access hash the server gave
that account for that user; :func:`input_user_id` and :func:`input_peer_user_id` check it
(``USER_ID_INVALID`` / ``PEER_ID_INVALID`` otherwise). :func:`tl_user` renders a
:class:`~tgserver.services.UserView` as the ``user`` constructor.
"""

from __future__ import annotations

from tgcore.tl import types
from tgserver.services import (
    PEER_ID_INVALID,
    USER_ID_INVALID,
    Offline,
    Online,
    Status,
    UsersService,
    UserView,
    bad_request,
)

__all__ = ["input_peer_user_id", "input_user_id", "tl_status", "tl_user", "tl_users"]


def tl_status(status: Status | None) -> types.TypeUserStatus | None:
    """The ``UserStatus`` of a presence status."""
    if status is None:
        return None
    if isinstance(status, Online):
        return types.UserStatusOnline(expires=status.expires)
    if isinstance(status, Offline):
        return types.UserStatusOffline(was_online=status.was_online)
    return types.UserStatusRecently()


def tl_user(view: UserView) -> types.User:
    """The ``user`` constructor of a user view (the viewer's access hash included)."""
    return types.User(
        self=view.is_self,
        contact=view.contact,
        mutual_contact=view.mutual_contact,
        id=view.id,
        access_hash=view.access_hash,
        first_name=view.first_name,
        last_name=view.last_name or None,
        username=view.username,
        phone=view.phone,
        status=tl_status(view.status),
        bot=view.bot,
        # Clients ask for a bot's info again when this changes; it never does here.
        bot_info_version=1 if view.bot else None,
    )


def tl_users(views: list[UserView] | tuple[UserView, ...]) -> list[types.TypeUser]:
    """:func:`tl_user` of each view."""
    return [tl_user(v) for v in views]


async def input_user_id(users: UsersService, viewer_id: int, peer: types.TypeInputUser) -> int:
    """The id of the user an ``InputUser`` names, for ``viewer_id``.

    Raises:
        RpcError: ``400 USER_ID_INVALID`` for ``inputUserEmpty``, a wrong access hash, an
            unknown user, or ``inputUserFromMessage`` (not supported yet).
    """
    if isinstance(peer, types.InputUserSelf):
        return viewer_id
    if isinstance(peer, types.InputUser):
        user = await users.resolve(viewer_id, peer.user_id, peer.access_hash)
        return user.id
    raise bad_request(USER_ID_INVALID)


async def input_peer_user_id(users: UsersService, viewer_id: int, peer: types.TypeInputPeer) -> int:
    """The id of the user an ``InputPeer`` names, for ``viewer_id``.

    Raises:
        RpcError: ``400 PEER_ID_INVALID`` for anything but ``inputPeerSelf`` and an
            ``inputPeerUser`` with the viewer's access hash of an existing user.
    """
    if isinstance(peer, types.InputPeerSelf):
        return viewer_id
    if isinstance(peer, types.InputPeerUser):
        user = await users.resolve(viewer_id, peer.user_id, peer.access_hash, error=PEER_ID_INVALID)
        return user.id
    raise bad_request(PEER_ID_INVALID)
