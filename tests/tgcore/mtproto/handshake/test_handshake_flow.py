"""Our client against our server, in memory: the happy paths and every option."""

from __future__ import annotations

from typing import Any

import pytest
from handshake_support import PlainPeer, ScriptedRandom, dh_int, run, server_key, short_key_secrets

from tgcore.crypto import DH_PRIME, AuthKey, RsaPrivateKey
from tgcore.errors import LocalProtocolError, SecurityError
from tgcore.mtproto.envelope import unpack_plain
from tgcore.mtproto.handshake import (
    AuthKeyCreated,
    ClientHandshake,
    RsaScheme,
    ServerHandshake,
)
from tgcore.mtproto.handshake.common import first_salt, nonce_bytes, parse_body
from tgcore.mtproto.msgid import MsgIdGenerator
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import functions, types


def make_pair(
    key: RsaPrivateKey, clock: FakeClock, seed: int = 0, **client_options: Any
) -> tuple[ClientHandshake, ServerHandshake]:
    client = ClientHandshake(
        [key.public_key], dc_id=2, rng=SeededRandom(seed), clock=clock, **client_options
    )
    server = ServerHandshake([key], rng=SeededRandom(seed + 1000), clock=clock, dc_id=2)
    return client, server


def test_full_handshake_agrees(key: RsaPrivateKey, clock: FakeClock) -> None:
    client, server = make_pair(key, clock)
    ours, theirs, sent = run(client, server)
    assert sent == 6
    assert ours.auth_key == theirs.auth_key
    assert len(ours.auth_key.key) == 256
    assert ours.first_salt == theirs.first_salt
    assert ours.time_offset == theirs.time_offset == 0
    assert ours.dc_id == theirs.dc_id == 2
    assert ours.rsa_scheme is theirs.rsa_scheme is RsaScheme.RSA_PAD
    assert not ours.is_temp and ours.expires_at is None
    assert client.finished and server.finished
    assert ours.alt_auth_key is None  # seed 0 gives a key whose top byte is not zero
    assert ours.auth_keys == (ours.auth_key,)


def test_handshake_is_deterministic(key: RsaPrivateKey) -> None:
    first = run(*make_pair(key, FakeClock(), seed=7))
    again = run(*make_pair(key, FakeClock(), seed=7))
    assert first == again


@pytest.mark.parametrize("seed", range(20))
def test_random_handshakes(key: RsaPrivateKey, seed: int) -> None:
    clock = FakeClock(1_700_000_000 + seed * 1000.5)
    ours, theirs, _ = run(*make_pair(key, clock, seed=seed * 31 + 5))
    assert ours.auth_key == theirs.auth_key
    assert ours.alt_auth_key == theirs.alt_auth_key
    assert ours.first_salt == theirs.first_salt


def test_first_salt_formula() -> None:
    new_nonce = int.from_bytes(bytes(range(32)), "little", signed=True)
    server_nonce = int.from_bytes(bytes(range(100, 116)), "little", signed=True)
    expected = bytes(a ^ b for a, b in zip(bytes(range(8)), bytes(range(100, 108)), strict=True))
    assert first_salt(new_nonce, server_nonce) == int.from_bytes(expected, "little", signed=True)
    assert nonce_bytes(-1, 16) == b"\xff" * 16


def test_time_offset(key: RsaPrivateKey, clock: FakeClock) -> None:
    behind = FakeClock(clock.now - 100)
    client = ClientHandshake([key.public_key], dc_id=2, rng=SeededRandom(1), clock=behind)
    server = ServerHandshake([key], rng=SeededRandom(2), clock=clock)
    ours, theirs, _ = run(client, server)
    assert ours.time_offset == 100
    assert theirs.time_offset == 0


def test_shared_msg_id_generator(key: RsaPrivateKey, clock: FakeClock) -> None:
    msg_ids = MsgIdGenerator(clock)
    before = msg_ids.next()
    client = ClientHandshake(
        [key.public_key], dc_id=2, rng=SeededRandom(1), clock=clock, msg_ids=msg_ids
    )
    first = unpack_plain(client.start())[0]
    assert before < first < msg_ids.next()


def test_temporary_key(key: RsaPrivateKey, clock: FakeClock) -> None:
    client, server = make_pair(key, clock, temp_expires_in=3600)
    ours, theirs, _ = run(client, server)
    assert ours.is_temp and theirs.is_temp
    assert ours.expires_at == theirs.expires_at == int(clock.now) + 3600
    assert ours.auth_key == theirs.auth_key


@pytest.mark.parametrize(
    ("options", "dc"),
    [
        ({}, 2),
        ({"test_mode": True}, 10002),
        ({"media": True}, -2),
        ({"test_mode": True, "media": True}, -10002),
    ],
)
def test_dc_encoding(
    key: RsaPrivateKey, clock: FakeClock, options: dict[str, bool], dc: int
) -> None:
    ours, theirs, _ = run(*make_pair(key, clock, **options))
    assert ours.dc_id == theirs.dc_id == dc


def test_server_without_dc_accepts_any_dc(key: RsaPrivateKey, clock: FakeClock) -> None:
    client = ClientHandshake([key.public_key], dc_id=5, rng=SeededRandom(1), clock=clock)
    server = ServerHandshake([key], rng=SeededRandom(2), clock=clock)
    assert run(client, server)[1].dc_id == 5


def test_legacy_rsa_client(key: RsaPrivateKey, clock: FakeClock) -> None:
    ours, theirs, _ = run(*make_pair(key, clock, legacy_rsa=True))
    assert ours.rsa_scheme is theirs.rsa_scheme is RsaScheme.LEGACY
    assert ours.auth_key == theirs.auth_key


def test_dcless_inner_data(key: RsaPrivateKey, clock: FakeClock) -> None:
    client = ClientHandshake([key.public_key], dc_id=None, rng=SeededRandom(1), clock=clock)
    server = ServerHandshake([key], rng=SeededRandom(2), clock=clock, dc_id=2)
    ours, theirs, _ = run(client, server)
    assert ours.dc_id is theirs.dc_id is None
    assert ours.auth_key == theirs.auth_key


def test_several_server_keys(clock: FakeClock) -> None:
    one, two = server_key(1), server_key(2)
    client = ClientHandshake([two.public_key], dc_id=2, rng=SeededRandom(1), clock=clock)
    server = ServerHandshake([one, two], rng=SeededRandom(2), clock=clock)
    ours, theirs, _ = run(client, server)
    assert ours.auth_key == theirs.auth_key


def test_legacy_req_pq(key: RsaPrivateKey, clock: FakeClock) -> None:
    server = ServerHandshake([key], rng=SeededRandom(2), clock=clock)
    body = PlainPeer(server, clock).send(functions.ReqPq(nonce=42))
    res = parse_body(body, (types.ResPQ,))
    assert res.nonce == 42
    assert res.server_public_key_fingerprints == [key.fingerprint]
    assert len(res.pq) == 8


# -- retries --------------------------------------------------------------------------------------


def test_dh_gen_retry_then_ok(key: RsaPrivateKey, clock: FakeClock) -> None:
    seen: list[int] = []

    def in_use(key_id: int) -> bool:
        seen.append(key_id)
        return len(seen) == 1  # the first candidate "collides", later ones do not

    client = ClientHandshake([key.public_key], dc_id=2, rng=SeededRandom(1), clock=clock)
    server = ServerHandshake([key], rng=SeededRandom(2), clock=clock, key_id_in_use=in_use)
    ours, theirs, sent = run(client, server)
    assert sent == 8  # one more set_client_DH_params / answer pair
    assert ours.auth_key == theirs.auth_key
    assert ours.auth_key.key_id != seen[0]


def test_dh_gen_retry_exhausted_gives_dh_gen_fail(key: RsaPrivateKey, clock: FakeClock) -> None:
    client = ClientHandshake([key.public_key], dc_id=2, rng=SeededRandom(1), clock=clock)
    server = ServerHandshake(
        [key], rng=SeededRandom(2), clock=clock, key_id_in_use=lambda _: True, max_retries=1
    )
    with pytest.raises(SecurityError, match="dh_gen_fail"):
        run(client, server)
    assert server.finished and client.finished


def test_client_gives_up_after_max_retries(key: RsaPrivateKey, clock: FakeClock) -> None:
    client = ClientHandshake(
        [key.public_key], dc_id=2, rng=SeededRandom(1), clock=clock, max_retries=2
    )
    server = ServerHandshake(
        [key], rng=SeededRandom(2), clock=clock, key_id_in_use=lambda _: True, max_retries=10
    )
    with pytest.raises(SecurityError, match="retries"):
        run(client, server)


# -- keys whose top byte is zero ------------------------------------------------------------------


@pytest.mark.parametrize("zero_bytes", [1, 2])
def test_short_key_our_client(key: RsaPrivateKey, clock: FakeClock, zero_bytes: int) -> None:
    a, b = short_key_secrets(zero_bytes)
    client = ClientHandshake(
        [key.public_key], dc_id=2, rng=ScriptedRandom(1, {256: [dh_int(b)]}), clock=clock
    )
    server = ServerHandshake([key], rng=ScriptedRandom(2, {256: [dh_int(a)]}), clock=clock)
    ours, theirs, _ = run(client, server)
    assert ours == theirs
    assert len(ours.auth_key.key) == 256
    assert ours.auth_key.key[:zero_bytes] == bytes(zero_bytes)
    assert ours.alt_auth_key is not None
    assert ours.alt_auth_key.key == ours.auth_key.key[zero_bytes:]
    assert ours.auth_keys == (ours.auth_key, ours.alt_auth_key)


def test_short_key_minimal_hash_accepted_by_our_client(
    key: RsaPrivateKey, clock: FakeClock
) -> None:
    # A legacy-RSA client sending dc-less p_q_inner_data looks like Telethon, so the server
    # hashes the minimal encoding; our client accepts that too.
    a, b = short_key_secrets(1)
    client = ClientHandshake(
        [key.public_key],
        dc_id=None,
        legacy_rsa=True,
        rng=ScriptedRandom(1, {256: [dh_int(b)]}),
        clock=clock,
    )
    server = ServerHandshake([key], rng=ScriptedRandom(2, {256: [dh_int(a)]}), clock=clock)
    ours, theirs, _ = run(client, server)
    assert ours.auth_key == theirs.auth_key
    assert ours.alt_auth_key == theirs.alt_auth_key is not None


def test_short_key_retry_uses_the_matched_aux_hash(key: RsaPrivateKey, clock: FakeClock) -> None:
    a, b = short_key_secrets(1)
    calls: list[int] = []

    def in_use(key_id: int) -> bool:
        calls.append(key_id)
        return len(calls) == 1

    client = ClientHandshake(
        [key.public_key],
        dc_id=None,
        legacy_rsa=True,
        rng=ScriptedRandom(1, {256: [dh_int(b)]}),
        clock=clock,
    )
    server = ServerHandshake(
        [key], rng=ScriptedRandom(2, {256: [dh_int(a)]}), clock=clock, key_id_in_use=in_use
    )
    ours, theirs, _ = run(client, server)
    assert ours.auth_key == theirs.auth_key


def test_server_regenerates_a_bad_secret(key: RsaPrivateKey, clock: FakeClock) -> None:
    # a = 0 gives g_a = 1, far outside the safe range: the server must draw again.
    client = ClientHandshake([key.public_key], dc_id=2, rng=SeededRandom(1), clock=clock)
    server = ServerHandshake([key], rng=ScriptedRandom(2, {256: [bytes(256)]}), clock=clock)
    ours, theirs, _ = run(client, server)
    assert ours.auth_key == theirs.auth_key


def test_client_regenerates_a_bad_secret(key: RsaPrivateKey, clock: FakeClock) -> None:
    client = ClientHandshake(
        [key.public_key], dc_id=2, rng=ScriptedRandom(1, {256: [dh_int(1)]}), clock=clock
    )
    server = ServerHandshake([key], rng=SeededRandom(2), clock=clock)
    ours, theirs, _ = run(client, server)
    assert ours.auth_key == theirs.auth_key


# -- misuse ---------------------------------------------------------------------------------------


def test_misuse(key: RsaPrivateKey, clock: FakeClock) -> None:
    client, server = make_pair(key, clock)
    with pytest.raises(LocalProtocolError):
        client.receive(b"")
    run(client, server)
    with pytest.raises(LocalProtocolError):
        client.start()
    with pytest.raises(LocalProtocolError):
        client.receive(b"")
    with pytest.raises(LocalProtocolError):
        server.receive(b"")


def test_bad_configuration(key: RsaPrivateKey) -> None:
    with pytest.raises(LocalProtocolError):
        ServerHandshake([])
    with pytest.raises(LocalProtocolError):
        ClientHandshake([], dc_id=2)
    with pytest.raises(LocalProtocolError):
        ClientHandshake([key.public_key], dc_id=None, temp_expires_in=60)
    with pytest.raises(LocalProtocolError):
        ClientHandshake([key.public_key], dc_id=2, temp_expires_in=0)


def test_auth_key_created_is_frozen(key: RsaPrivateKey) -> None:
    event = AuthKeyCreated(auth_key=AuthKey(dh_int(DH_PRIME - 5)), first_salt=1)
    with pytest.raises(AttributeError):
        event.first_salt = 2  # type: ignore[misc]


def test_docs_example(key: RsaPrivateKey) -> None:
    # The snippet at the top of docs/handshake.md, with production rng and clock.
    rsa_private_key = key
    server = ServerHandshake([rsa_private_key], dc_id=2)
    client = ClientHandshake([rsa_private_key.public_key], dc_id=2)

    outgoing = [client.start()]
    while outgoing:
        replies, server_done = server.receive(outgoing.pop())
        outgoing, client_done = client.receive(replies[0])
    assert client_done is not None and server_done is not None
    assert client_done.auth_key == server_done.auth_key
