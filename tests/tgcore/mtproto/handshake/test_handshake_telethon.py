"""Telethon 1.45 as the oracle: its own authenticator against our ServerHandshake, in memory.

``telethon.network.authenticator.do_authentication(sender)`` runs over Telethon's own
MTProtoPlainSender (its msg_ids, envelope and reader); only the connection under it is fake,
handing each plain message to our server and returning its answer. Telethon
uses the legacy RSA scheme with the dc-less p_q_inner_data, writes g_b and the auth key with
minimal length and checks new_nonce_hash1 against that minimal key.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from handshake_support import PlainPeer, ScriptedRandom, dh_int, short_key_secrets

from tgcore.crypto import DH_G, DH_PRIME, RsaPrivateKey, factorize_pq, sha1
from tgcore.mtproto.handshake import AuthKeyCreated, RsaScheme, ServerHandshake
from tgcore.mtproto.handshake.common import decrypt_inner, encrypt_inner, parse_body
from tgcore.testing import SeededRandom
from tgcore.tl import functions, types

telethon_authenticator = pytest.importorskip("telethon.network.authenticator")
telethon_rsa = pytest.importorskip("telethon.crypto.rsa")
from telethon.crypto import AuthKey as TelethonAuthKey  # noqa: E402
from telethon.network.mtprotoplainsender import MTProtoPlainSender  # noqa: E402


class FakeConnection:
    """The two methods of a Telethon Connection that its MTProtoPlainSender uses, wired to our
    server: the plain messages (Telethon's own msg_ids and envelope) go through unchanged."""

    def __init__(self, server: ServerHandshake) -> None:
        self.server = server
        self.answers: list[bytes] = []
        self.done: AuthKeyCreated | None = None

    async def send(self, data: bytes) -> None:
        replies, done = self.server.receive(data)
        self.done = self.done or done
        self.answers += replies

    async def recv(self) -> bytes:
        return self.answers.pop(0)


@pytest.fixture
def telethon_trusts(
    key: RsaPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[bool], None]]:
    """``trust(old)``: make Telethon know only our server's key (as a current or an old key)."""
    monkeypatch.setattr(telethon_rsa, "_server_keys", {})

    def trust(old: bool) -> None:
        telethon_rsa.add_key(key.public_key.to_pem().decode(), old=old)

    yield trust


def telethon_connect(server: ServerHandshake) -> tuple[Any, int, AuthKeyCreated]:
    connection = FakeConnection(server)
    loggers = collections.defaultdict(lambda: logging.getLogger("telethon"))
    sender = MTProtoPlainSender(connection, loggers=loggers)
    auth_key, time_offset = asyncio.run(telethon_authenticator.do_authentication(sender))
    assert connection.done is not None
    return auth_key, time_offset, connection.done


@pytest.mark.parametrize("old", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_telethon_creates_a_key_with_our_server(
    key: RsaPrivateKey, telethon_trusts: Callable[[bool], None], old: bool, seed: int
) -> None:
    # ``old`` only changes the order in which Telethon tries its keys: both go through the
    # legacy RSA scheme. Several seeds, because pq, the nonces and a all vary with them (a
    # pq of 2^63 or more once broke Telethon half the time: it reads pq as a signed integer).
    telethon_trusts(old)
    server = ServerHandshake([key], rng=SeededRandom(seed), clock=time.time, dc_id=2)
    auth_key, time_offset, done = telethon_connect(server)
    assert done.rsa_scheme is RsaScheme.LEGACY
    assert done.dc_id is None
    assert abs(time_offset) <= 1
    # Telethon's b is random: in 1 run in 256 its key is the short one (see the next tests).
    expected = done.alt_auth_key if len(auth_key.key) < 256 else done.auth_key
    assert expected is not None
    assert auth_key.key == expected.key
    # Telethon reads key ids unsigned; ours are signed longs of the same 64 bits.
    assert auth_key.key_id == expected.key_id % 2**64
    assert auth_key.aux_hash == expected.aux_hash % 2**64


class _ScriptedOs:
    """Stands in for the ``os`` module inside Telethon's authenticator: b is chosen by the test."""

    def __init__(self, b: int) -> None:
        self._rng = ScriptedRandom(77, {256: [dh_int(b)]})

    def urandom(self, n: int) -> bytes:
        return self._rng(n)


@pytest.mark.parametrize("zero_bytes", [1, 2])
def test_telethon_short_key(
    key: RsaPrivateKey,
    telethon_trusts: Callable[[bool], None],
    monkeypatch: pytest.MonkeyPatch,
    zero_bytes: int,
) -> None:
    telethon_trusts(False)
    a, b = short_key_secrets(zero_bytes)
    monkeypatch.setattr(telethon_authenticator, "os", _ScriptedOs(b))
    server = ServerHandshake([key], rng=ScriptedRandom(3, {256: [dh_int(a)]}), clock=time.time)
    auth_key, _, done = telethon_connect(server)
    # Telethon accepted dh_gen_ok, so our new_nonce_hash1 matched its shorter key...
    assert len(auth_key.key) == 256 - zero_bytes
    assert done.alt_auth_key is not None
    assert auth_key.key == done.alt_auth_key.key
    # ...and the key id it will use is one the gateway registers.
    assert auth_key.key_id in {k.key_id % 2**64 for k in done.auth_keys}
    assert auth_key.key_id == done.alt_auth_key.key_id % 2**64
    assert done.auth_key.key == bytes(zero_bytes) + auth_key.key


def test_telethon_style_steps_by_hand(key: RsaPrivateKey) -> None:
    """Telethon's computation written out with Telethon's AuthKey as the oracle (short key)."""

    clock = time.time
    a, b = short_key_secrets(1)
    server = ServerHandshake([key], rng=ScriptedRandom(3, {256: [dh_int(a)]}), clock=clock)
    peer = PlainPeer(server, clock)
    nonce, new_nonce = 0x5EED, -0x5EED5EED
    res = parse_body(peer.send(functions.ReqPqMulti(nonce=nonce)), (types.ResPQ,))
    p, q = factorize_pq(int.from_bytes(res.pq, "big"))
    minimal = telethon_rsa.get_byte_array
    inner = bytes(
        types.PQInnerData(
            pq=minimal(int.from_bytes(res.pq, "big")),
            p=minimal(p),
            q=minimal(q),
            nonce=nonce,
            server_nonce=res.server_nonce,
            new_nonce=new_nonce,
        )
    )
    block = sha1(inner) + inner + bytes(235 - len(inner))
    n, e = key.public_key.n, key.public_key.e
    encrypted = pow(int.from_bytes(block, "big"), e, n).to_bytes(256, "big")
    ok = parse_body(
        peer.send(
            functions.ReqDHParams(
                nonce=nonce,
                server_nonce=res.server_nonce,
                p=minimal(p),
                q=minimal(q),
                public_key_fingerprint=key.fingerprint,
                encrypted_data=encrypted,
            )
        ),
        (types.ServerDHParamsOk,),
    )
    answer = decrypt_inner(
        ok.encrypted_answer, new_nonce, res.server_nonce, types.ServerDHInnerData, "answer"
    )
    g_a = int.from_bytes(answer.g_a, "big")
    g_b = pow(DH_G, b, DH_PRIME)
    client_inner = types.ClientDHInnerData(
        nonce=nonce, server_nonce=res.server_nonce, retry_id=0, g_b=minimal(g_b)
    )
    gen = parse_body(
        peer.send(
            functions.SetClientDHParams(
                nonce=nonce,
                server_nonce=res.server_nonce,
                encrypted_data=encrypt_inner(client_inner, new_nonce, res.server_nonce, bytes),
            )
        ),
        (types.DhGenOk,),
    )
    oracle = TelethonAuthKey(minimal(pow(g_a, b, DH_PRIME)))
    assert len(oracle.key) == 255
    assert gen.new_nonce_hash1 == oracle.calc_new_nonce_hash(new_nonce, 1)
    done = peer.last_done
    assert done is not None and done.alt_auth_key is not None
    assert done.alt_auth_key.key == oracle.key
    assert done.alt_auth_key.key_id % 2**64 == oracle.key_id
    # The 256-byte key's hash would not have satisfied Telethon.
    assert gen.new_nonce_hash1 != TelethonAuthKey(done.auth_key.key).calc_new_nonce_hash(
        new_nonce, 1
    )
