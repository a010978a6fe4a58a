"""Helpers shared by the handshake tests: keys, scripted randomness, forced key shapes, drivers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from tgcore.crypto import DH_G, DH_PRIME, RsaPrivateKey, check_g_x, ige256_encrypt, tmp_aes_key_iv
from tgcore.errors import SecurityError
from tgcore.mtproto.envelope import pack_plain, unpack_plain
from tgcore.mtproto.handshake import AuthKeyCreated, ClientHandshake, ServerHandshake
from tgcore.mtproto.handshake.common import nonce_bytes
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind
from tgcore.testing import SeededRandom
from tgcore.tl import TLObject

HERE = Path(__file__).parent
SAFETY = 2 ** (2048 - 64)


@functools.cache
def server_key(n: int = 1) -> RsaPrivateKey:
    """One of the two fixed 2048-bit test keys (generated once; test use only)."""
    return RsaPrivateKey.from_pem((HERE / f"test_key_{n}.pem").read_bytes())


class ScriptedRandom:
    """``rng(n)``: the next scripted value for size ``n`` if any is left, else seeded bytes.

    The DH secrets are the only 256-byte draws of either role, so scripting size 256 picks a
    and b without depending on how many other random bytes are drawn first.
    """

    def __init__(self, seed: int = 0, script: dict[int, list[bytes]] | None = None) -> None:
        self._base = SeededRandom(seed)
        self._script = {n: list(values) for n, values in (script or {}).items()}

    def __call__(self, n: int) -> bytes:
        values = self._script.get(n)
        if values:
            value = values.pop(0)
            assert len(value) == n
            return value
        return self._base(n)


def dh_int(value: int) -> bytes:
    """A DH secret as the 256 big-endian bytes our roles (and Telethon) read it from."""
    return value.to_bytes(256, "big")


@functools.cache
def short_key_secrets(zero_bytes: int = 1) -> tuple[int, int]:
    """``(a, b)`` such that g^ab mod p has exactly ``zero_bytes`` leading zero bytes.

    b walks up from a fixed start; each step multiplies g^ab by g^a, so the search is one
    modular multiplication per candidate (about 256 steps for one zero byte, 65536 for two).
    """
    a = int.from_bytes(SeededRandom(1234)(256), "big")
    g_a = pow(DH_G, a, DH_PRIME)
    b = int.from_bytes(SeededRandom(5678)(256), "big") >> 8  # leaves room to count up
    g_ab = pow(g_a, b, DH_PRIME)
    low, high = 1 << (2048 - 8 * (zero_bytes + 1)), 1 << (2048 - 8 * zero_bytes)
    while True:
        if low <= g_ab < high:
            try:
                check_g_x(pow(DH_G, b, DH_PRIME), DH_PRIME)
            except SecurityError:
                pass
            else:
                return a, b
        b += 1
        g_ab = g_ab * g_a % DH_PRIME


def ige_wrap(plain: bytes, new_nonce: int, server_nonce: int) -> bytes:
    """``plain`` (already framed, a multiple of 16 bytes) under the handshake's temporary key."""
    key, iv = tmp_aes_key_iv(nonce_bytes(new_nonce, 32), nonce_bytes(server_nonce, 16))
    return ige256_encrypt(plain, key, iv)


def run(
    client: ClientHandshake, server: ServerHandshake
) -> tuple[AuthKeyCreated, AuthKeyCreated, int]:
    """Run a whole handshake in memory; returns both results and the number of messages sent."""
    outgoing = [client.start()]
    client_done = server_done = None
    sent = 0
    while outgoing:
        sent += len(outgoing)
        replies: list[bytes] = []
        for message in outgoing:
            answers, done = server.receive(message)
            server_done = server_done or done
            replies += answers
        sent += len(replies)
        outgoing = []
        for message in replies:
            answers, done = client.receive(message)
            client_done = client_done or done
            outgoing += answers
    assert client_done is not None and server_done is not None
    return client_done, server_done, sent


class PlainPeer:
    """Sends hand-made TL objects to a role as plain messages and parses its one answer."""

    def __init__(
        self,
        role: ServerHandshake | ClientHandshake,
        clock: Callable[[], float],
        kind: MsgKind = MsgKind.CLIENT,
    ) -> None:
        self.role = role
        self.msg_ids = MsgIdGenerator(clock)
        self.kind = kind
        self.last_done: AuthKeyCreated | None = None

    def send_raw(self, body: bytes, msg_id: int | None = None) -> list[bytes]:
        """Send ``body`` in a plain message; the role's raw answers."""
        if msg_id is None:
            msg_id = self.msg_ids.next(self.kind)
        replies, self.last_done = self.role.receive(pack_plain(msg_id, body))
        return replies

    def send(self, obj: TLObject, msg_id: int | None = None) -> bytes:
        """Send ``obj``; the body of the single answer."""
        (reply,) = self.send_raw(bytes(obj), msg_id)
        return unpack_plain(reply)[1]
