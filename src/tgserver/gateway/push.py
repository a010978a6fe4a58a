"""Who is online where, and pushing updates to them.

:class:`OnlineIndex` learns which account each auth key is logged in to from the
dispatcher's user lookups (it wraps ``lookup_user``: every request refreshes it, a logout is
seen on the key's next request and re-checked before every push). While a user has a key
here it is subscribed on the event bus; an event is rendered once per user (the user's own
access hashes) and pushed to every live session of the user's keys except the one whose
request caused it. Sessions without a live connection get nothing: they catch up with
``updates.getDifference``.

A push is encrypted and queued on the session's connection right away, in the publishing
task, when the connection's queue has room (:meth:`Outlet.send_nowait`): a post to 5,000
online members then costs no task per session. A session whose queue is full (a slow reader)
gets a task of its own (in :meth:`OnlineIndex.run`'s nursery) that waits for room, and its
later pushes wait in the session behind it, so nothing overtakes. Without :meth:`run` every
push is flushed by a task of the gateway's (``Gateway.start_flush``).

A long update is gzip-packed here, not by each session: :class:`SharedGzip` compresses the
part that every member's bytes share (a post's text) once per post, not once per member.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

import trio

from tgcore.errors import LocalProtocolError
from tgcore.mtproto.session.gzipshare import SharedGzip
from tgserver.bus import EventBus, Subscription
from tgserver.gateway.outlet import Outlet
from tgserver.gateway.sessions import SessionLink
from tgserver.rpc import UserLookup

if TYPE_CHECKING:
    from tgserver.gateway.server import Gateway

__all__ = ["OnlineIndex", "Renderer"]

log = logging.getLogger(__name__)


class Renderer(Protocol):
    """``async def render(user_id, event) -> bytes | None``: the update to push to the user."""

    def __call__(self, user_id: int, event: object, /) -> Awaitable[bytes | None]: ...


class OnlineIndex:
    """user id -> auth keys logged in to it, kept from the dispatcher's lookups.

    Args:
        lookup_user: The real lookup (``AccountServices.lookup_user``).
        bus: Where the events come from.
        render: Turns an event into the bytes pushed to one user.
        peek_user: The lookup that re-checks a key before a push without counting as the
            user's activity (``AccountServices.peek_user``); default: ``lookup_user``.
    """

    def __init__(
        self,
        lookup_user: UserLookup,
        bus: EventBus,
        render: Renderer,
        *,
        peek_user: UserLookup | None = None,
    ) -> None:
        self._lookup = lookup_user
        self._peek = peek_user if peek_user is not None else lookup_user
        self._bus = bus
        self._render = render
        self._user_of_key: dict[int, int] = {}
        self._keys_of_user: dict[int, set[int]] = {}
        self._subscriptions: dict[int, Subscription] = {}
        self._gateway: Gateway | None = None
        self._presence: list[tuple[Callable[[int], Awaitable[None]], Callable[[int], None]]] = []
        #: Updates pushed so far (tests, metrics).
        self.pushed = 0
        self._nursery: trio.Nursery | None = None
        # Sessions whose connection was full: payloads a task is waiting to queue, in order.
        self._backlogs: dict[SessionLink, list[bytes]] = {}
        # Packs long updates for every session, compressing a fan-out's shared prefix once.
        self._gzip = SharedGzip()

    def add_presence_listener(
        self, online: Callable[[int], Awaitable[None]], offline: Callable[[int], None]
    ) -> None:
        """Call ``await online(user_id)`` when a user gets its first key here and
        ``offline(user_id)`` when its last one goes (the channels' online-member index)."""
        self._presence.append((online, offline))

    def attach(self, gateway: Gateway) -> None:
        """Push through ``gateway`` (its sessions and nursery)."""
        self._gateway = gateway

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Queue pushes on connections directly, keeping the tasks of slow sessions here,
        until cancelled (``app.serve`` starts it next to the gateway)."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            try:
                task_status.started()
                await trio.sleep_forever()
            finally:
                self._nursery = None

    def keys_of(self, user_id: int) -> frozenset[int]:
        """The auth keys known to be logged in to ``user_id``."""
        return frozenset(self._keys_of_user.get(user_id, ()))

    async def lookup_user(self, auth_key_id: int) -> int | None:
        """The dispatcher's ``lookup_user``: the real lookup, noted in the index."""
        user_id = await self._lookup(auth_key_id)
        newly = user_id is not None and user_id not in self._subscriptions
        self.note(auth_key_id, user_id)
        if newly and user_id is not None and user_id in self._subscriptions:
            for online, _ in self._presence:
                await online(user_id)
        return user_id

    def note(self, auth_key_id: int, user_id: int | None) -> None:
        """Record that ``auth_key_id`` is logged in to ``user_id`` (None: to nobody)."""
        old = self._user_of_key.get(auth_key_id)
        if old == user_id:
            return
        if old is not None:
            del self._user_of_key[auth_key_id]
            keys = self._keys_of_user[old]
            keys.discard(auth_key_id)
            if not keys:
                del self._keys_of_user[old]
                self._subscriptions.pop(old).cancel()
                for _, offline in self._presence:
                    offline(old)
        if user_id is not None:
            self._user_of_key[auth_key_id] = user_id
            keys = self._keys_of_user.setdefault(user_id, set())
            keys.add(auth_key_id)
            if user_id not in self._subscriptions:
                self._subscriptions[user_id] = self._bus.subscribe(user_id, self._deliver)

    async def _deliver(self, user_id: int, event: object) -> None:
        gateway = self._gateway
        if gateway is None:
            return
        targets: list[tuple[int, SessionLink]] = []
        origin = getattr(event, "origin", None)
        for key_id in list(self._keys_of_user.get(user_id, ())):
            sessions = gateway.router.sessions(key_id)
            if not sessions:
                # The sweeper forgot the key's sessions: forget the key until its next request.
                self.note(key_id, None)
                continue
            for session in sessions:
                if (
                    origin is not None
                    and origin.auth_key_id == key_id
                    and origin.session_id == session.session_id
                ):
                    continue
                link = gateway.sessions.get(session)
                if link is not None and link.live_outlet is not None and link.calls.wants_updates:
                    targets.append((key_id, link))
        if not targets:
            return
        # A logout is seen by the lookup; re-check the keys before telling them anything.
        checked: dict[int, bool] = {}
        for key_id, _ in targets:
            if key_id not in checked:
                now_user = await self._peek(key_id)
                if now_user != user_id:
                    self.note(key_id, None)  # its next request re-learns it
                checked[key_id] = now_user == user_id
        data = await self._render(user_id, event)
        if data is None:
            return
        data = self._gzip.pack(data)
        for key_id, link in targets:
            if not checked[key_id] or link.live_outlet is None:
                continue
            try:
                link.session.push(data, gzip=False)  # packed (or not) above
            except Exception:
                log.exception("cannot push to a session of user %d", user_id)
                continue
            self.pushed += 1
            if self._nursery is not None:
                self._send_now(link)
                continue
            try:
                gateway.start_flush(link)
            except (RuntimeError, LocalProtocolError):
                # The gateway is stopping: the update waits in the session, as for a client
                # that is away.
                log.debug("gateway stopped; update for user %d not flushed", user_id)
                return

    def _send_now(self, link: SessionLink) -> None:
        """Encrypt what ``link``'s session has queued and queue it on its connection without
        waiting; what does not fit goes to a task that waits for room."""
        if link in self._backlogs:
            return  # its task sends what the session holds once the backlog is out
        outlet = link.live_outlet
        if outlet is None:
            return
        payloads = link.session.data_to_send()
        for index, payload in enumerate(payloads):
            queued = outlet.send_nowait(payload)
            if queued is None:
                nursery = self._nursery
                if nursery is None:
                    return  # stopping: the client resyncs, as after a lost connection
                self._backlogs[link] = payloads[index:]
                try:
                    nursery.start_soon(self._send_backlog, link, outlet)
                except RuntimeError:
                    del self._backlogs[link]
                    log.debug("stopping; a slow session's updates are not flushed")
                return
            if not queued:
                return  # the connection closed: as Gateway.flush, the rest is dropped

    async def _send_backlog(self, link: SessionLink, outlet: Outlet) -> None:
        try:
            payloads = self._backlogs[link]
            while payloads:
                for payload in payloads:
                    if not await outlet.send(payload):
                        return
                # Pushed meanwhile, they waited in the session: send them too, in order.
                payloads = link.session.data_to_send() if link.outlet is outlet else []
        except LocalProtocolError:
            log.debug("cannot flush a slow session", exc_info=True)
        finally:
            del self._backlogs[link]
