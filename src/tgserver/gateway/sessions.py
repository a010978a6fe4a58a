"""Which connection carries each session now, and the session's call state."""

from __future__ import annotations

import weakref

import attrs

from tgcore.mtproto.session import ServerSession
from tgserver.gateway.outlet import Outlet
from tgserver.rpc import SessionCalls

__all__ = ["SessionLink", "SessionTable"]


@attrs.define(eq=False)
class SessionLink:
    """A session, its call state, and the outlet of the connection that last carried it.

    Answers go to :attr:`outlet`; when that connection closes it is set to None and output
    waits in the session until the client comes back on another connection.
    """

    session: ServerSession
    calls: SessionCalls
    outlet: Outlet | None = None

    @property
    def live_outlet(self) -> Outlet | None:
        """The outlet, if its connection still takes output."""
        outlet = self.outlet
        return None if outlet is None or outlet.closed else outlet


class SessionTable:
    """Links of the sessions the session router holds, looked up by the session object.

    Weakly keyed: when the router forgets a session (destroy_session, eviction, sweeping),
    its link goes away with it.
    """

    def __init__(self) -> None:
        self._links: weakref.WeakKeyDictionary[ServerSession, SessionLink] = (
            weakref.WeakKeyDictionary()
        )

    def __len__(self) -> int:
        return len(self._links)

    def get(self, session: ServerSession) -> SessionLink | None:
        """The link of ``session``, if any."""
        return self._links.get(session)

    def add(self, link: SessionLink) -> None:
        """Remember a new link."""
        self._links[link.session] = link
