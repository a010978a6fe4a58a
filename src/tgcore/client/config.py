"""How a :class:`~tgcore.client.Client` connects and behaves: frozen configuration values."""

from __future__ import annotations

import enum
import os
import platform
from collections.abc import Callable
from typing import Any

import attrs

import tgcore
from tgcore.mtproto.transport import (
    DEFAULT_MAX_FRAME_SIZE,
    Abridged,
    BaseFramer,
    Framer,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    Role,
)

__all__ = ["ClientConfig", "Framing", "ReconnectPolicy", "TransportConfig"]


class Framing(enum.Enum):
    """The MTProto framing a client speaks (see docs/transports.md)."""

    ABRIDGED = "abridged"
    INTERMEDIATE = "intermediate"
    PADDED = "padded"
    FULL = "full"


_FRAMERS: dict[Framing, type[BaseFramer]] = {
    Framing.ABRIDGED: Abridged,
    Framing.INTERMEDIATE: Intermediate,
    Framing.PADDED: PaddedIntermediate,
    Framing.FULL: Full,
}


def _check_transport(instance: TransportConfig, attribute: object, value: object) -> None:
    if instance.framing is Framing.FULL and (instance.obfuscated or instance.websocket):
        raise ValueError("the full framing cannot be obfuscated (nor carried over WebSocket)")
    if instance.websocket and not instance.obfuscated:
        raise ValueError("MTProto over WebSocket carries obfuscated2: set obfuscated=True")
    if not instance.ws_path.startswith("/"):
        raise ValueError(f"ws_path must start with '/', not {instance.ws_path!r}")


@attrs.frozen
class TransportConfig:
    """The transport: a framing, optionally obfuscated2, optionally over WebSocket.

    Attributes:
        framing: The framing of the MTProto payloads.
        obfuscated: Wrap the framing in obfuscated2 (AES-CTR keyed by a random header).
            Not possible with :attr:`Framing.FULL`.
        websocket: Speak MTProto over WebSocket as web clients do: connect to
            ``ws://host:port{ws_path}`` with subprotocol ``binary`` and send the obfuscated2
            stream in binary messages. Requires ``obfuscated``.
        ws_path: The WebSocket path.

    Use :meth:`from_name` for the short names the docs and tests use.
    """

    framing: Framing = Framing.ABRIDGED
    obfuscated: bool = False
    websocket: bool = False
    ws_path: str = attrs.field(default="/apiws", validator=_check_transport)

    NAMES = (
        "abridged",
        "intermediate",
        "padded",
        "full",
        "obfuscated",
        "obfuscated-intermediate",
        "obfuscated-padded",
        "websocket",
        "websocket-intermediate",
        "websocket-padded",
    )
    """Every name :meth:`from_name` accepts."""

    @classmethod
    def from_name(cls, name: str) -> TransportConfig:
        """The transport called ``name``: one of :attr:`NAMES`.

        ``obfuscated`` and ``websocket`` alone carry the abridged framing; a suffix names
        another one (``obfuscated-padded``).
        """
        if name not in cls.NAMES:
            raise ValueError(f"unknown transport {name!r}; known: {', '.join(cls.NAMES)}")
        wrapper, _, inner = name.partition("-")
        if wrapper not in ("obfuscated", "websocket"):
            return cls(Framing(name))
        framing = Framing(inner or "abridged")
        return cls(framing, obfuscated=True, websocket=wrapper == "websocket")

    @property
    def name(self) -> str:
        """The short name (the inverse of :meth:`from_name`)."""
        framing = self.framing.value
        if not self.obfuscated:
            return framing
        wrapper = "websocket" if self.websocket else "obfuscated"
        return wrapper if self.framing is Framing.ABRIDGED else f"{wrapper}-{framing}"

    def make_framer(
        self,
        *,
        rng: Callable[[int], bytes] = os.urandom,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    ) -> Framer:
        """A fresh client-role framer for one connection."""
        codec = _FRAMERS[self.framing]
        if self.obfuscated:
            return Obfuscated2(Role.CLIENT, codec, max_frame_size=max_frame_size, rng=rng)
        return codec(Role.CLIENT, max_frame_size=max_frame_size, rng=rng)


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, not {value}")


@attrs.frozen
class ReconnectPolicy:
    """How a client re-establishes a dropped connection: exponential backoff with jitter.

    The n-th consecutive failed attempt (from 0) waits
    ``min(max_delay, initial_delay * multiplier**n)``, shortened by up to ``jitter`` of it at
    random so that many clients dropped together do not come back in lockstep.

    Attributes:
        max_attempts: Attempts per outage before giving up (pending and later requests then
            fail with :class:`~tgcore.client.ConnectionLostError`); None retries forever.
        initial_delay: Seconds before the second attempt (the first one is immediate).
        max_delay: Upper bound of a wait, in seconds.
        multiplier: Growth of the wait per failed attempt.
        jitter: Fraction (0..1) of each wait that is randomized.
    """

    max_attempts: int | None = None
    initial_delay: float = attrs.field(default=0.1, validator=_positive)
    max_delay: float = attrs.field(default=10.0, validator=_positive)
    multiplier: float = attrs.field(default=2.0, validator=attrs.validators.ge(1.0))
    jitter: float = attrs.field(
        default=0.2, validator=[attrs.validators.ge(0.0), attrs.validators.le(1.0)]
    )

    def delay(self, failures: int, rng: Callable[[int], bytes] = os.urandom) -> float:
        """Seconds to wait after ``failures`` consecutive failed attempts (0 before the first)."""
        if failures <= 0:
            return 0.0
        base = min(self.max_delay, self.initial_delay * self.multiplier ** (failures - 1))
        fraction = int.from_bytes(rng(4), "little") / 2**32
        return base * (1.0 - self.jitter * fraction)


def _default_system_version() -> str:
    return f"{platform.system()} {platform.release()}".strip() or "unknown"


def _default_app_version() -> str:
    return tgcore.__version__


def _optional_positive(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, int | float) and value > 0):
        raise ValueError(f"{attribute.name} must be positive or None, not {value}")


@attrs.frozen
class ClientConfig:
    """What the client tells the server about itself, and how it keeps its connection.

    The identity fields go into ``initConnection``, which wraps the first request of every
    connection (inside ``invokeWithLayer(LAYER, ...)``).

    Attributes:
        api_id: The application's api_id.
        api_hash: The application's api_hash (not sent by MTProto itself; kept for the login
            methods that take it).
        device_model: initConnection.device_model.
        system_version: initConnection.system_version (default: this OS and its release).
        app_version: initConnection.app_version (default: the tgcore version).
        system_lang_code: initConnection.system_lang_code.
        lang_code: initConnection.lang_code (lang_pack is sent empty).
        transport: The transport to connect with.
        connect_timeout: Seconds for one attempt to connect (TCP, WebSocket upgrade and, for a
            new key, the auth-key handshake).
        request_timeout: Default seconds to wait for an answer, reconnects included; None
            waits forever. Bound a single call more tightly with :func:`trio.fail_after`.
        ping_interval: Seconds between keep-alive pings (``ping_delay_disconnect``).
        ping_disconnect_delay: The ``disconnect_delay`` sent with each ping: the server
            closes the connection this many seconds after the last ping.
        ping_timeout: Seconds to wait for a pong before the connection is deemed dead and
            replaced.
        ack_delay: Seconds acknowledgments may wait for a message to ride along with before
            they are sent alone.
        updates_capacity: How many updates the ``updates`` channel holds; when full the
            oldest is dropped (with a warning log).
        reconnect: The reconnection policy.
        max_frame_size: Largest frame accepted from the server.
    """

    api_id: int = 0
    api_hash: str = attrs.field(default="", repr=False)
    device_model: str = "tgcore"
    system_version: str = attrs.field(factory=_default_system_version)
    app_version: str = attrs.field(factory=_default_app_version)
    system_lang_code: str = "en"
    lang_code: str = "en"
    transport: TransportConfig = attrs.field(factory=TransportConfig)
    connect_timeout: float = attrs.field(default=10.0, validator=_positive)
    request_timeout: float | None = attrs.field(default=60.0, validator=_optional_positive)
    ping_interval: float = attrs.field(default=60.0, validator=_positive)
    ping_disconnect_delay: int = attrs.field(default=75, validator=attrs.validators.gt(0))
    ping_timeout: float = attrs.field(default=20.0, validator=_positive)
    ack_delay: float = attrs.field(default=0.5, validator=_positive)
    updates_capacity: int = attrs.field(default=1024, validator=attrs.validators.gt(0))
    reconnect: ReconnectPolicy = attrs.field(factory=ReconnectPolicy)
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE
