"""Creating an auth key over a :class:`~tgcore.client.Connection`.

The protocol itself is :class:`tgcore.mtproto.handshake.ClientHandshake`; this module only
carries its plain messages over the connection.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from tgcore.client.connection import Connection
from tgcore.crypto import RsaPublicKey
from tgcore.mtproto.handshake import AuthKeyCreated, ClientHandshake

__all__ = ["create_auth_key"]


async def create_auth_key(
    connection: Connection,
    public_keys: Sequence[RsaPublicKey],
    *,
    dc_id: int,
    rng: Callable[[int], bytes] = os.urandom,
    clock: Callable[[], float] = time.time,
) -> AuthKeyCreated:
    """Run the auth-key handshake over ``connection`` (which must carry nothing else yet).

    Returns the new key with the first salt and the server's clock offset. The caller bounds
    the time it may take (e.g. with :func:`trio.fail_after`).

    Raises:
        tgcore.errors.SecurityError: a security check failed (e.g. no trusted key).
        tgcore.errors.RemoteProtocolError: the server broke the protocol.
        tgcore.errors.TransportError: the server sent a transport error.
        trio.BrokenResourceError: the connection broke.
    """
    handshake = ClientHandshake(public_keys, dc_id=dc_id, rng=rng, clock=clock)
    await connection.send([handshake.start()])
    while True:
        for payload in await connection.receive():
            replies, done = handshake.receive(payload)
            if done is not None:
                return done
            await connection.send(replies)
