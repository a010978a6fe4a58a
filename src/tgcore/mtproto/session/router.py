"""Server-side routing of encrypted payloads to their :class:`ServerSession`.

The auth key is known from the payload's first 8 bytes, the session only after decrypting:

1. :func:`~tgcore.mtproto.envelope.peek_auth_key_id` gives the auth_key_id (0 means a plain
   handshake message);
2. the auth key is looked up; an unknown id is answered with transport error -404;
3. :func:`~tgcore.mtproto.envelope.decrypt_client_message` checks and decrypts the payload;
4. the session for ``(auth_key_id, session_id)`` is found or created and receives the message.

:class:`SessionRouter` does these steps and also carries out destroy_session, which needs to
see all sessions of the auth key. A gateway may as well do them itself with the same parts.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable

import attrs

from tgcore.crypto import AuthKey
from tgcore.errors import TransportError
from tgcore.mtproto.envelope import decrypt_client_message, peek_auth_key_id
from tgcore.mtproto.session.config import SessionConfig
from tgcore.mtproto.session.events import DestroySessionRequested, ServerEvent, SessionDestroyed
from tgcore.mtproto.session.salts import SaltProvider
from tgcore.mtproto.session.server import ServerSession

__all__ = ["Routed", "SessionRouter"]


@attrs.frozen
class Routed:
    """The session a payload belonged to and the events it produced."""

    session: ServerSession
    events: list[ServerEvent]
    created: bool


class SessionRouter:
    """All server sessions of a gateway, keyed by ``(auth_key_id, session_id)``.

    Args:
        auth_keys: looks an auth key up by its id (None if unknown).
        salts: the salt provider of an auth key.
        rng: random bytes, passed to every session.
        clock: Unix time, passed to every session.
        config: session limits, passed to every session.
        max_sessions_per_key: when a key opens more sessions, the least recently used one is
            forgotten (its client gets new_session_created when it comes back).
    """

    def __init__(
        self,
        *,
        auth_keys: Callable[[int], AuthKey | None],
        salts: Callable[[AuthKey], SaltProvider],
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
        config: SessionConfig | None = None,
        max_sessions_per_key: int = 64,
    ) -> None:
        self._auth_keys = auth_keys
        self._salts = salts
        self._rng = rng
        self._clock = clock
        self._config = config
        self._max_sessions = max_sessions_per_key
        self._sessions: dict[int, OrderedDict[int, ServerSession]] = {}

    def __len__(self) -> int:
        return sum(len(by_id) for by_id in self._sessions.values())

    def get(self, auth_key_id: int, session_id: int) -> ServerSession | None:
        """The session, if it exists."""
        by_id = self._sessions.get(auth_key_id)
        return None if by_id is None else by_id.get(session_id)

    def sessions(self, auth_key_id: int) -> list[ServerSession]:
        """Every session of an auth key."""
        return list(self._sessions.get(auth_key_id, {}).values())

    def drop(self, auth_key_id: int, session_id: int) -> bool:
        """Forget a session (idle expiry, destroy_session); False if it did not exist."""
        by_id = self._sessions.get(auth_key_id)
        if by_id is None or by_id.pop(session_id, None) is None:
            return False
        if not by_id:
            del self._sessions[auth_key_id]
        return True

    def drop_key(self, auth_key_id: int) -> int:
        """Forget every session of an auth key (destroy_auth_key, logout); returns how many."""
        return len(self._sessions.pop(auth_key_id, {}))

    def route(self, payload: bytes) -> Routed:
        """Decrypt an encrypted payload and let its session receive it.

        Raises :class:`TransportError` -404 when the auth key is unknown (the gateway sends
        that code to the client) and :class:`~tgcore.errors.SecurityError` when the payload
        fails decryption checks (drop it). destroy_session requests are carried out here: the
        target is dropped, answered, and reported as :class:`SessionDestroyed`.
        """
        auth_key_id = peek_auth_key_id(payload)
        auth_key = self._auth_keys(auth_key_id) if auth_key_id else None
        if auth_key is None:
            raise TransportError(-404, f"unknown auth_key_id {auth_key_id}")
        message = decrypt_client_message(auth_key, payload)
        by_id = self._sessions.setdefault(auth_key_id, OrderedDict())
        session = by_id.get(message.session_id)
        created = session is None
        if session is None:
            session = ServerSession(
                auth_key,
                message.session_id,
                salts=self._salts(auth_key),
                rng=self._rng,
                clock=self._clock,
                config=self._config,
            )
            by_id[message.session_id] = session
            while len(by_id) > self._max_sessions:
                by_id.popitem(last=False)
        else:
            by_id.move_to_end(message.session_id)
        events = session.receive(message)
        for event in list(events):
            if isinstance(event, DestroySessionRequested):
                target = event.session_id
                destroyed = target != message.session_id and self.drop(auth_key_id, target)
                session.answer_destroy_session(event.msg_id, target, destroyed=destroyed)
                if destroyed:
                    events.append(SessionDestroyed(auth_key_id, target))
        return Routed(session, events, created)
