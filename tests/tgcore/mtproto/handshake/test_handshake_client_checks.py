"""Every check of the client role, against a server whose honest answers are tampered with."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from handshake_support import SAFETY, dh_int, ige_wrap

from tgcore.crypto import DH_PRIME, AuthKey, RsaPrivateKey
from tgcore.errors import LocalProtocolError, RemoteProtocolError, SecurityError
from tgcore.mtproto.envelope import pack_plain, unpack_plain
from tgcore.mtproto.handshake import AuthKeyCreated, ClientHandshake, ServerHandshake
from tgcore.mtproto.handshake._inner_data import decrypt_pq_inner_data
from tgcore.mtproto.handshake.common import (
    decrypt_inner,
    encrypt_inner,
    params_fail_hash,
    parse_body,
)
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import TLObject, functions, types

ANSWERS = (
    types.ResPQ,
    types.ServerDHParamsOk,
    types.ServerDHParamsFail,
    types.DhGenOk,
    types.DhGenRetry,
    types.DhGenFail,
)
REQUESTS = (functions.ReqPqMulti, functions.ReqDHParams, functions.SetClientDHParams)


def replace(obj: TLObject, **changes: Any) -> TLObject:
    fields = {name: getattr(obj, name) for name in obj._FIELDS}
    fields.update(changes)
    return type(obj)(**fields)


class Tamper:
    """Our client talking to our server through a man in the middle holding the server's key."""

    def __init__(self, key: RsaPrivateKey, clock: FakeClock) -> None:
        self.key = key
        self.server = ServerHandshake([key], rng=SeededRandom(2), clock=clock)
        self.client = ClientHandshake([key.public_key], dc_id=2, rng=SeededRandom(1), clock=clock)
        self.msg_ids = MsgIdGenerator(clock)
        self.pending: bytes | None = self.client.start()
        self.new_nonce = 0
        self.server_nonce = 0
        self.server_done: AuthKeyCreated | None = None

    def honest(self) -> TLObject:
        """What the honest server answers to the client's pending message."""
        assert self.pending is not None
        request = parse_body(unpack_plain(self.pending)[1], REQUESTS)
        if isinstance(request, functions.ReqDHParams):
            inner, _ = decrypt_pq_inner_data(self.key, request.encrypted_data)
            self.new_nonce = inner.new_nonce
            self.server_nonce = inner.server_nonce
        (reply,), self.server_done = self.server.receive(self.pending)
        return parse_body(unpack_plain(reply)[1], ANSWERS)

    def deliver(
        self, answer: TLObject | bytes, kind: MsgKind = MsgKind.SERVER_REPLY
    ) -> AuthKeyCreated | None:
        """Give ``answer`` to the client; keep what it sends next."""
        body = answer if isinstance(answer, bytes) else bytes(answer)
        msg_id = self.msg_ids.next(kind)
        replies, done = self.client.receive(pack_plain(msg_id, body))
        self.pending = replies[0] if replies else None
        return done

    def step(self) -> None:
        self.deliver(self.honest())

    def answer_inner(self, ok: types.ServerDHParamsOk) -> types.ServerDHInnerData:
        return decrypt_inner(
            ok.encrypted_answer, self.new_nonce, self.server_nonce, types.ServerDHInnerData, "x"
        )

    def with_inner(self, ok: types.ServerDHParamsOk, **changes: Any) -> TLObject:
        inner = replace(self.answer_inner(ok), **changes)
        encrypted = encrypt_inner(inner, self.new_nonce, self.server_nonce, SeededRandom(9))
        return replace(ok, encrypted_answer=encrypted)


@pytest.fixture
def tamper(key: RsaPrivateKey, clock: FakeClock) -> Tamper:
    return Tamper(key, clock)


def test_untampered_succeeds(tamper: Tamper) -> None:
    tamper.step()
    tamper.step()
    done = tamper.deliver(tamper.honest())
    assert done is not None and tamper.server_done is not None
    assert done.auth_key == tamper.server_done.auth_key


# -- envelope, order, garbage ---------------------------------------------------------------------


def test_client_parity_msg_id_refused(tamper: Tamper) -> None:
    with pytest.raises(SecurityError, match="not a server msg_id"):
        tamper.deliver(tamper.honest(), kind=MsgKind.CLIENT)
    assert tamper.client.finished


def test_server_push_parity_accepted(tamper: Tamper) -> None:
    tamper.deliver(tamper.honest(), kind=MsgKind.SERVER_PUSH)


@pytest.mark.parametrize(
    "body", [b"", b"\xff" * 7, bytes(functions.ReqPqMulti(nonce=1)), bytes(5000)]
)
def test_garbage_answer(tamper: Tamper, body: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        tamper.deliver(body)


def test_trailing_bytes(tamper: Tamper) -> None:
    with pytest.raises(RemoteProtocolError, match="trailing"):
        tamper.deliver(bytes(tamper.honest()) + b"\0\0\0\0")


def test_answers_out_of_order(tamper: Tamper) -> None:
    res = tamper.honest()
    assert isinstance(res, types.ResPQ)
    wrong = types.DhGenOk(nonce=res.nonce, server_nonce=res.server_nonce, new_nonce_hash1=0)
    with pytest.raises(RemoteProtocolError, match="unexpected DhGenOk"):
        tamper.deliver(wrong)


def test_res_pq_twice(tamper: Tamper) -> None:
    res = tamper.honest()
    tamper.deliver(res)
    with pytest.raises(RemoteProtocolError, match="unexpected ResPQ"):
        tamper.deliver(res)


def test_no_input_after_failure(tamper: Tamper) -> None:
    with pytest.raises(RemoteProtocolError):
        tamper.deliver(b"")
    with pytest.raises(LocalProtocolError):
        tamper.deliver(b"")


# -- resPQ ----------------------------------------------------------------------------------------


def test_res_pq_bad_nonce(tamper: Tamper) -> None:
    res = tamper.honest()
    with pytest.raises(SecurityError, match="resPQ: nonce"):
        tamper.deliver(replace(res, nonce=res.nonce ^ 1))  # type: ignore[attr-defined]


def test_res_pq_unknown_fingerprints(tamper: Tamper) -> None:
    res = tamper.honest()
    with pytest.raises(SecurityError, match="fingerprints"):
        tamper.deliver(replace(res, server_public_key_fingerprints=[1, 2, 3]))


def test_res_pq_picks_a_known_fingerprint(tamper: Tamper) -> None:
    res = tamper.honest()
    fingerprints = [7, tamper.key.fingerprint, 9]
    tamper.deliver(replace(res, server_public_key_fingerprints=fingerprints))
    assert tamper.pending is not None
    req = parse_body(unpack_plain(tamper.pending)[1], REQUESTS)
    assert isinstance(req, functions.ReqDHParams)
    assert req.public_key_fingerprint == tamper.key.fingerprint


P61 = (1 << 61) - 1  # a Mersenne prime


@pytest.mark.parametrize(
    "pq",
    [
        b"",
        bytes(9),
        (1).to_bytes(8, "big"),
        (65521).to_bytes(8, "big"),  # prime
        P61.to_bytes(8, "big"),  # prime
        (3 * P61).to_bytes(8, "big"),  # a factor above 2^32
        (65521 * 65521).to_bytes(8, "big"),  # p == q
    ],
)
def test_res_pq_bad_pq(tamper: Tamper, pq: bytes) -> None:
    res = tamper.honest()
    with pytest.raises(SecurityError, match="pq"):
        tamper.deliver(replace(res, pq=pq))


# -- server_DH_params -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["nonce", "server_nonce"])
def test_dh_params_bad_nonces(tamper: Tamper, field: str) -> None:
    tamper.step()
    ok = tamper.honest()
    with pytest.raises(SecurityError, match=f"{field} mismatch"):
        tamper.deliver(replace(ok, **{field: getattr(ok, field) + 1}))


def test_dh_params_fail_is_refused(tamper: Tamper) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    fail = types.ServerDHParamsFail(
        nonce=ok.nonce,
        server_nonce=ok.server_nonce,
        new_nonce_hash=params_fail_hash(tamper.new_nonce),
    )
    with pytest.raises(SecurityError, match="refused the DH parameters"):
        tamper.deliver(fail)


def test_dh_params_fail_bad_hash(tamper: Tamper) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    fail = types.ServerDHParamsFail(nonce=ok.nonce, server_nonce=ok.server_nonce, new_nonce_hash=5)
    with pytest.raises(SecurityError, match="bad new_nonce_hash"):
        tamper.deliver(fail)


@pytest.mark.parametrize("cut", [1, 16])
def test_encrypted_answer_truncated(tamper: Tamper, cut: int) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    broken = replace(ok, encrypted_answer=ok.encrypted_answer[:-cut])
    with pytest.raises(SecurityError, match="server_DH_inner_data"):
        tamper.deliver(broken)


@pytest.mark.parametrize("position", [0, 19, 20, 100, -1])
def test_encrypted_answer_corrupted(tamper: Tamper, position: int) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    data = bytearray(ok.encrypted_answer)
    data[position] ^= 0x40
    with pytest.raises(SecurityError, match="server_DH_inner_data"):
        tamper.deliver(replace(ok, encrypted_answer=bytes(data)))


def test_encrypted_answer_bad_sha1(tamper: Tamper) -> None:
    # Re-encrypt the genuine inner data with a wrong hash in front.
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    data = bytes(tamper.answer_inner(ok))
    plain = bytes(20) + data + bytes(-(20 + len(data)) % 16)
    encrypted = ige_wrap(plain, tamper.new_nonce, tamper.server_nonce)
    with pytest.raises(SecurityError, match="sha1"):
        tamper.deliver(replace(ok, encrypted_answer=encrypted))


@pytest.mark.parametrize("field", ["nonce", "server_nonce"])
def test_answer_inner_bad_nonces(tamper: Tamper, field: str) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    wrong = getattr(tamper.answer_inner(ok), field) ^ 2
    with pytest.raises(SecurityError, match=f"server_DH_inner_data: {field}"):
        tamper.deliver(tamper.with_inner(ok, **{field: wrong}))


@pytest.mark.parametrize("dh_prime", [DH_PRIME + 2, DH_PRIME - 2, 23, (1 << 2048) - 1, 0])
def test_wrong_dh_prime(tamper: Tamper, dh_prime: int) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    encoded = dh_prime.to_bytes(max(1, (dh_prime.bit_length() + 7) // 8), "big")
    with pytest.raises(SecurityError):
        tamper.deliver(tamper.with_inner(ok, dh_prime=encoded))


@pytest.mark.parametrize("g", [0, 1, 8, -3, 1 << 20])
def test_wrong_g(tamper: Tamper, g: int) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    with pytest.raises(SecurityError):
        tamper.deliver(tamper.with_inner(ok, g=g))


@pytest.mark.parametrize(
    "g_a",
    [0, 1, 2, DH_PRIME - 1, DH_PRIME, DH_PRIME + 5, SAFETY - 1, DH_PRIME - SAFETY + 1],
)
def test_g_a_out_of_range(tamper: Tamper, g_a: int) -> None:
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.ServerDHParamsOk)
    with pytest.raises(SecurityError):
        tamper.deliver(tamper.with_inner(ok, g_a=dh_int(g_a)))


# -- dh_gen_* -------------------------------------------------------------------------------------


def reach_dh_gen(tamper: Tamper) -> types.DhGenOk:
    tamper.step()
    tamper.step()
    ok = tamper.honest()
    assert isinstance(ok, types.DhGenOk)
    return ok


@pytest.mark.parametrize("field", ["nonce", "server_nonce"])
def test_dh_gen_bad_nonces(tamper: Tamper, field: str) -> None:
    ok = reach_dh_gen(tamper)
    with pytest.raises(SecurityError, match=f"DhGenOk: {field}"):
        tamper.deliver(replace(ok, **{field: getattr(ok, field) - 1}))


def test_dh_gen_ok_bad_hash(tamper: Tamper) -> None:
    ok = reach_dh_gen(tamper)
    with pytest.raises(SecurityError, match="bad new_nonce_hash1"):
        tamper.deliver(replace(ok, new_nonce_hash1=ok.new_nonce_hash1 ^ 1))


def _server_key(tamper: Tamper) -> AuthKey:
    assert tamper.server_done is not None
    return tamper.server_done.auth_key


def test_dh_gen_fail_good_hash(tamper: Tamper) -> None:
    ok = reach_dh_gen(tamper)
    nnh3 = _server_key(tamper).new_nonce_hash(tamper.new_nonce, 3)
    fail = types.DhGenFail(nonce=ok.nonce, server_nonce=ok.server_nonce, new_nonce_hash3=nnh3)
    with pytest.raises(SecurityError, match="dh_gen_fail"):
        tamper.deliver(fail)


def test_dh_gen_fail_bad_hash(tamper: Tamper) -> None:
    ok = reach_dh_gen(tamper)
    fail = types.DhGenFail(nonce=ok.nonce, server_nonce=ok.server_nonce, new_nonce_hash3=3)
    with pytest.raises(SecurityError, match="bad new_nonce_hash3"):
        tamper.deliver(fail)


def test_dh_gen_retry_bad_hash(tamper: Tamper) -> None:
    ok = reach_dh_gen(tamper)
    nnh1_as_2 = ok.new_nonce_hash1  # hash1 is not hash2
    retry = types.DhGenRetry(
        nonce=ok.nonce, server_nonce=ok.server_nonce, new_nonce_hash2=nnh1_as_2
    )
    with pytest.raises(SecurityError, match="bad new_nonce_hash2"):
        tamper.deliver(retry)


def test_dh_gen_retry_good_hash_retries_with_aux_hash(tamper: Tamper) -> None:
    ok = reach_dh_gen(tamper)
    key = _server_key(tamper)
    nnh2 = key.new_nonce_hash(tamper.new_nonce, 2)
    retry = types.DhGenRetry(nonce=ok.nonce, server_nonce=ok.server_nonce, new_nonce_hash2=nnh2)
    assert tamper.deliver(retry) is None
    assert tamper.pending is not None
    req = parse_body(unpack_plain(tamper.pending)[1], REQUESTS)
    assert isinstance(req, functions.SetClientDHParams)
    inner = decrypt_inner(
        req.encrypted_data, tamper.new_nonce, tamper.server_nonce, types.ClientDHInnerData, "x"
    )
    assert inner.retry_id == key.aux_hash


def test_auth_key_created_fields(tamper: Tamper) -> None:
    done = tamper.deliver(reach_dh_gen(tamper))
    assert done is not None
    assert attrs.asdict(done, recurse=False).keys() >= {"auth_key", "first_salt", "time_offset"}
