"""The gateway's limits and timeouts in one value."""

from __future__ import annotations

import attrs

from tgserver.config import ServerConfig

__all__ = ["GatewayLimits"]


@attrs.frozen(kw_only=True)
class GatewayLimits:
    """How much a client may hold of the server, and for how long.

    The first five come from :class:`~tgserver.config.ServerConfig`; the rest are tuned
    constants that tests may shrink.
    """

    #: Seconds without a byte from the client before its connection is closed.
    idle_timeout: float = 300.0
    #: Seconds a connection has to finish a handshake or send a message with a known key.
    handshake_timeout: float = 30.0
    #: Largest transport frame accepted (bigger: transport error -429).
    max_frame_size: int = 4 * 1024 * 1024
    #: Simultaneous connections (more: transport error -429 and close).
    max_connections: int = 10000
    #: RPC calls of one connection running at once; the connection stops reading beyond it.
    max_calls_per_connection: int = 64
    #: Outgoing items queued per connection before producers wait.
    outgoing_queue: int = 64
    #: Handshakes one connection may run (each costs a few ms of CPU).
    max_handshakes_per_connection: int = 8
    #: Seconds a refused (over-limit) connection is given to show its framing for the -429.
    reject_timeout: float = 2.0
    #: Refused connections handled at once; beyond that they are closed without a word.
    max_rejecting: int = 64
    #: Seconds the writer may take to flush the last answers of a closing connection.
    close_timeout: float = 2.0
    #: Seconds a session without a connection is kept (answers wait for the client).
    session_ttl: float = 1800.0
    #: Seconds between sweeps of idle sessions and cached keys.
    sweep_interval: float = 60.0

    @classmethod
    def from_config(cls, config: ServerConfig) -> GatewayLimits:
        """The limits a :class:`ServerConfig` sets, the other fields at their defaults."""
        return cls(
            idle_timeout=config.idle_timeout,
            handshake_timeout=config.handshake_timeout,
            max_frame_size=config.max_frame_size,
            max_connections=config.max_connections,
        )
