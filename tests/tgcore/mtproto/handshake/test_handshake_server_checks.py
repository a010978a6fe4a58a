"""Every check of the server role, fed hand-made client messages with one thing wrong each."""

from __future__ import annotations

from typing import Any

import pytest
from handshake_support import SAFETY, PlainPeer, dh_int, ige_wrap, server_key

from tgcore.crypto import DH_G, DH_PRIME, AuthKey, RsaPrivateKey, factorize_pq, sha1
from tgcore.errors import LocalProtocolError, RemoteProtocolError, SecurityError
from tgcore.mtproto.envelope import pack_plain, unpack_plain
from tgcore.mtproto.handshake import AuthKeyCreated, RsaScheme, ServerHandshake
from tgcore.mtproto.handshake.common import (
    be_int_matches,
    decrypt_inner,
    encrypt_inner,
    parse_body,
)
from tgcore.mtproto.msgid import MsgKind
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import TLObject, functions, types
from tgcore.tl.primitives import pack_int

NONCE = 0x1234_5678_9ABC_DEF0_1122_3344_5566_7788
NEW_NONCE = -(0x0102_0304_0506_0708_090A_0B0C_0D0E_0F10_1112_1314_1516_1718_191A_1B1C_1D1E_1F20)


class Manual:
    """A client whose every message is built by hand, so that any field can be wrong."""

    def __init__(self, key: RsaPrivateKey, clock: FakeClock, **server_options: Any) -> None:
        server_options.setdefault("dc_id", 2)
        self.key = key
        self.server = ServerHandshake([key], rng=SeededRandom(2), clock=clock, **server_options)
        self.peer = PlainPeer(self.server, clock)
        self.rng = SeededRandom(3)
        self.res: types.ResPQ | None = None
        self.p = self.q = 0
        self.g_a = 0

    # step 1
    def req_pq(self) -> types.ResPQ:
        self.res = parse_body(self.peer.send(functions.ReqPqMulti(nonce=NONCE)), (types.ResPQ,))
        self.p, self.q = factorize_pq(int.from_bytes(self.res.pq, "big"))
        return self.res

    # step 2
    def inner(self, cls: type[TLObject] = types.PQInnerDataDc, **overrides: Any) -> TLObject:
        assert self.res is not None
        fields: dict[str, Any] = {
            "pq": self.res.pq,
            "p": self.p.to_bytes(4, "big"),
            "q": self.q.to_bytes(4, "big"),
            "nonce": NONCE,
            "server_nonce": self.res.server_nonce,
            "new_nonce": NEW_NONCE,
        }
        if cls is not types.PQInnerData:
            fields["dc"] = 2
        if cls is types.PQInnerDataTempDc:
            fields["expires_in"] = 600
        fields.update(overrides)
        return cls(**fields)

    def req_dh_params(
        self,
        inner: TLObject | bytes | None = None,
        legacy: bool = False,
        encrypted: bytes | None = None,
        **overrides: Any,
    ) -> types.ServerDHParamsOk:
        if self.res is None:
            self.req_pq()
        assert self.res is not None
        if encrypted is None:
            data = bytes(inner if inner is not None else self.inner())
            public = self.key.public_key
            if legacy:
                encrypted = public.encrypt_legacy(data, self.rng)
            else:
                encrypted = public.encrypt_rsa_pad(data, self.rng)
        fields: dict[str, Any] = {
            "nonce": NONCE,
            "server_nonce": self.res.server_nonce,
            "p": self.p.to_bytes(4, "big"),
            "q": self.q.to_bytes(4, "big"),
            "public_key_fingerprint": self.key.fingerprint,
            "encrypted_data": encrypted,
        }
        fields.update(overrides)
        body = self.peer.send(functions.ReqDHParams(**fields))
        ok = parse_body(body, (types.ServerDHParamsOk,))
        answer = decrypt_inner(
            ok.encrypted_answer,
            NEW_NONCE,
            self.res.server_nonce,
            types.ServerDHInnerData,
            "answer",
        )
        assert answer.g == DH_G
        assert answer.dh_prime == DH_PRIME.to_bytes(256, "big")
        self.g_a = int.from_bytes(answer.g_a, "big")
        return ok

    # step 3
    def client_inner(self, g_b: int | bytes | None = None, **overrides: Any) -> TLObject:
        assert self.res is not None
        if g_b is None:
            g_b = pow(DH_G, 0xABCDEF << 2000, DH_PRIME)
        fields: dict[str, Any] = {
            "nonce": NONCE,
            "server_nonce": self.res.server_nonce,
            "retry_id": 0,
            "g_b": g_b if isinstance(g_b, bytes) else dh_int(g_b),
        }
        fields.update(overrides)
        return types.ClientDHInnerData(**fields)

    def encrypt(self, obj: TLObject) -> bytes:
        assert self.res is not None
        return encrypt_inner(obj, NEW_NONCE, self.res.server_nonce, self.rng)

    def set_client_dh_params(
        self,
        inner: TLObject | None = None,
        encrypted: bytes | None = None,
        **overrides: Any,
    ) -> TLObject:
        if not self.g_a:
            self.req_dh_params()
        assert self.res is not None
        if encrypted is None:
            encrypted = self.encrypt(inner if inner is not None else self.client_inner())
        fields: dict[str, Any] = {
            "nonce": NONCE,
            "server_nonce": self.res.server_nonce,
            "encrypted_data": encrypted,
        }
        fields.update(overrides)
        body = self.peer.send(functions.SetClientDHParams(**fields))
        return parse_body(body, (types.DhGenOk, types.DhGenRetry, types.DhGenFail))


@pytest.fixture
def manual(key: RsaPrivateKey, clock: FakeClock) -> Manual:
    return Manual(key, clock)


def test_manual_client_succeeds(manual: Manual) -> None:
    answer = manual.set_client_dh_params()
    assert isinstance(answer, types.DhGenOk)
    done = manual.peer.last_done
    assert isinstance(done, AuthKeyCreated)
    g_ab = pow(manual.g_a, 0xABCDEF << 2000, DH_PRIME)
    assert done.auth_key.key == dh_int(g_ab)
    assert answer.new_nonce_hash1 == done.auth_key.new_nonce_hash(NEW_NONCE, 1)


@pytest.mark.parametrize("cls", [types.PQInnerData, types.PQInnerDataDc, types.PQInnerDataTempDc])
@pytest.mark.parametrize("legacy", [False, True])
def test_every_inner_data_in_both_schemes(
    manual: Manual, cls: type[TLObject], legacy: bool
) -> None:
    manual.req_pq()
    manual.req_dh_params(manual.inner(cls), legacy=legacy)
    assert isinstance(manual.set_client_dh_params(), types.DhGenOk)
    done = manual.peer.last_done
    assert done is not None
    assert done.rsa_scheme is (RsaScheme.LEGACY if legacy else RsaScheme.RSA_PAD)
    assert done.is_temp is (cls is types.PQInnerDataTempDc)


def test_minimal_encodings_accepted(manual: Manual) -> None:
    # Telethon writes p, q, pq and g_b without leading zeros.
    assert be_int_matches(b"\x01\x02", 0x0102, 4)
    assert be_int_matches(b"\x00\x00\x01\x02", 0x0102, 4)
    assert not be_int_matches(b"\x00\x01\x02", 0x0102, 4)
    manual.req_pq()
    manual.req_dh_params()
    g_b = pow(DH_G, 77, DH_PRIME) % (1 << 2040) | (1 << 2000)  # a valid value below 2^2040
    inner = manual.client_inner(g_b=g_b.to_bytes(255, "big"))
    assert isinstance(manual.set_client_dh_params(inner), types.DhGenOk)


# -- envelope and msg_id --------------------------------------------------------------------------


def test_msg_id_not_divisible_by_four(manual: Manual) -> None:
    msg_id = manual.peer.msg_ids.next() + 1
    with pytest.raises(SecurityError, match="divisible"):
        manual.peer.send(functions.ReqPqMulti(nonce=NONCE), msg_id=msg_id)


@pytest.mark.parametrize(("shift", "ok"), [(-301, False), (-299, True), (29, True), (31, False)])
def test_msg_id_time_window(manual: Manual, clock: FakeClock, shift: float, ok: bool) -> None:
    msg_id = int((clock.now + shift) * 2**32) & ~3
    if ok:
        manual.peer.send(functions.ReqPqMulti(nonce=NONCE), msg_id=msg_id)
    else:
        with pytest.raises(SecurityError, match="off the server's clock"):
            manual.peer.send(functions.ReqPqMulti(nonce=NONCE), msg_id=msg_id)


def test_msg_id_window_can_be_disabled(key: RsaPrivateKey, clock: FakeClock) -> None:
    manual = Manual(key, clock, msg_id_window=None)
    msg_id = int((clock.now - 86400) * 2**32) & ~3
    manual.peer.send(functions.ReqPqMulti(nonce=NONCE), msg_id=msg_id)


def test_msg_id_must_increase(manual: Manual) -> None:
    manual.req_pq()
    msg_id = manual.peer.msg_ids.next() - 8
    with pytest.raises(SecurityError, match="increase"):
        manual.peer.send(functions.ReqPqMulti(nonce=NONCE), msg_id=msg_id)


def test_encrypted_envelope_refused(manual: Manual) -> None:
    payload = bytearray(
        pack_plain(manual.peer.msg_ids.next(), bytes(functions.ReqPqMulti(nonce=1)))
    )
    payload[0] = 1  # a non-zero auth_key_id
    with pytest.raises(RemoteProtocolError):
        manual.server.receive(bytes(payload))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x01\x02\x03",
        b"garbage!" * 5,
        pack_int(0x1CB5C415) + bytes(8),  # a Vector id
        bytes(types.ResPQ(nonce=1, server_nonce=2, pq=b"x", server_public_key_fingerprints=[])),
        bytes(functions.ReqPqMulti(nonce=1)) + b"\0\0\0\0",  # trailing bytes
        bytes(functions.ReqPqMulti(nonce=1))[:10],  # truncated
        bytes(functions.ReqPqMulti(nonce=1)) + bytes(5000),  # outsized
    ],
)
def test_garbage_tl(manual: Manual, body: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        manual.peer.send_raw(body)


# -- order ----------------------------------------------------------------------------------------


def test_req_dh_params_first(manual: Manual) -> None:
    req = functions.ReqDHParams(
        nonce=NONCE, server_nonce=1, p=b"", q=b"", public_key_fingerprint=1, encrypted_data=b""
    )
    with pytest.raises(RemoteProtocolError, match="unexpected"):
        manual.peer.send(req)


def test_set_client_dh_params_first(manual: Manual) -> None:
    with pytest.raises(RemoteProtocolError, match="unexpected"):
        manual.peer.send(
            functions.SetClientDHParams(nonce=NONCE, server_nonce=1, encrypted_data=b"")
        )


def test_req_pq_twice(manual: Manual) -> None:
    manual.req_pq()
    with pytest.raises(RemoteProtocolError, match="unexpected"):
        manual.req_pq()


def test_req_dh_params_twice(manual: Manual) -> None:
    manual.req_dh_params()
    with pytest.raises(RemoteProtocolError, match="unexpected"):
        manual.req_dh_params()


def test_no_input_after_failure_or_success(
    manual: Manual, key: RsaPrivateKey, clock: FakeClock
) -> None:
    with pytest.raises(RemoteProtocolError):
        manual.peer.send_raw(b"junk")
    assert manual.server.finished
    with pytest.raises(LocalProtocolError):
        manual.req_pq()
    done = Manual(key, clock)
    done.set_client_dh_params()
    with pytest.raises(LocalProtocolError):
        done.peer.send(functions.ReqPqMulti(nonce=NONCE))


# -- req_DH_params --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["nonce", "server_nonce"])
def test_req_dh_params_bad_nonces(manual: Manual, field: str) -> None:
    manual.req_pq()
    assert manual.res is not None
    wrong = getattr(manual.res, field) ^ 1
    with pytest.raises(SecurityError, match=f"req_DH_params: {field} mismatch"):
        manual.req_dh_params(**{field: wrong})


@pytest.mark.parametrize("field", ["p", "q"])
def test_req_dh_params_bad_factors(manual: Manual, field: str) -> None:
    manual.req_pq()
    with pytest.raises(SecurityError, match="factors"):
        overrides: dict[str, Any] = {field: (7).to_bytes(4, "big")}
        manual.req_dh_params(**overrides)


def test_req_dh_params_swapped_factors(manual: Manual) -> None:
    manual.req_pq()
    with pytest.raises(SecurityError, match="factors"):
        manual.req_dh_params(p=manual.q.to_bytes(4, "big"), q=manual.p.to_bytes(4, "big"))


def test_unknown_fingerprint(manual: Manual) -> None:
    manual.req_pq()
    with pytest.raises(SecurityError, match="unknown fingerprint"):
        manual.req_dh_params(public_key_fingerprint=server_key(2).fingerprint)


def test_encrypted_for_another_key(manual: Manual) -> None:
    manual.req_pq()
    other = server_key(2).public_key
    encrypted = other.encrypt_rsa_pad(bytes(manual.inner()), SeededRandom(5))
    with pytest.raises(SecurityError):
        manual.req_dh_params(encrypted=encrypted)


@pytest.mark.parametrize("size", [0, 16, 255, 256, 257])
def test_random_encrypted_data(manual: Manual, size: int) -> None:
    manual.req_pq()
    data = SeededRandom(size)(size)
    if size == 256:
        data = b"\0" + data[1:]  # below the modulus: the RSA step works, both paddings fail
    with pytest.raises(SecurityError):
        manual.req_dh_params(encrypted=data)


def test_legacy_bad_sha1(manual: Manual) -> None:
    manual.req_pq()
    data = bytes(manual.inner(types.PQInnerData))
    block = b"\x55" * 20 + data + bytes(235 - len(data))
    n, e = manual.key.public_key.n, manual.key.public_key.e
    encrypted = pow(int.from_bytes(block, "big"), e, n).to_bytes(256, "big")
    with pytest.raises(SecurityError, match="neither RSA_PAD nor legacy"):
        manual.req_dh_params(encrypted=encrypted)


def test_legacy_sha1_covering_more_than_the_object(manual: Manual) -> None:
    manual.req_pq()
    data = bytes(manual.inner(types.PQInnerData)) + b"\0\0\0\0"
    encrypted = manual.key.public_key.encrypt_legacy(data, SeededRandom(4))
    with pytest.raises(SecurityError, match="bytes after the inner data"):
        manual.req_dh_params(encrypted=encrypted)


def test_legacy_good_sha1_by_hand(manual: Manual) -> None:
    # Exactly Telethon's construction, written out, as a check of the crypto helper too.
    manual.req_pq()
    data = bytes(manual.inner(types.PQInnerData))
    block = sha1(data) + data + bytes(235 - len(data))
    n, e = manual.key.public_key.n, manual.key.public_key.e
    encrypted = pow(int.from_bytes(block, "big"), e, n).to_bytes(256, "big")
    manual.req_dh_params(encrypted=encrypted)


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize(
    "inner",
    [
        b"\0" * 40,
        bytes(types.ResPQ(nonce=NONCE, server_nonce=1, pq=b"", server_public_key_fingerprints=[])),
        bytes(functions.ReqPqMulti(nonce=NONCE)),
        pack_int(types.PQInnerDataDc.CONSTRUCTOR_ID) + b"\x08",  # truncated
    ],
)
def test_inner_data_not_p_q_inner_data(manual: Manual, inner: bytes, legacy: bool) -> None:
    manual.req_pq()
    with pytest.raises(SecurityError):
        manual.req_dh_params(inner, legacy=legacy)


@pytest.mark.parametrize("field", ["nonce", "server_nonce", "pq", "p", "q"])
@pytest.mark.parametrize("legacy", [False, True])
def test_inner_data_bad_fields(manual: Manual, field: str, legacy: bool) -> None:
    manual.req_pq()
    assert manual.res is not None
    good = manual.inner()
    value = getattr(good, field)
    if isinstance(value, bytes):
        wrong: Any = (int.from_bytes(value, "big") + 2).to_bytes(len(value), "big")
    else:
        wrong = value ^ 1
    with pytest.raises(SecurityError, match="p_q_inner_data"):
        manual.req_dh_params(manual.inner(**{field: wrong}), legacy=legacy)


@pytest.mark.parametrize("dc", [1, 3, 10001, -4])
def test_inner_data_wrong_dc(manual: Manual, dc: int) -> None:
    manual.req_pq()
    with pytest.raises(SecurityError, match="addressed to DC"):
        manual.req_dh_params(manual.inner(dc=dc))


@pytest.mark.parametrize("expires_in", [0, -5])
def test_temp_key_bad_lifetime(manual: Manual, expires_in: int) -> None:
    manual.req_pq()
    with pytest.raises(SecurityError, match="expires_in"):
        manual.req_dh_params(manual.inner(types.PQInnerDataTempDc, expires_in=expires_in))


# -- set_client_DH_params -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["nonce", "server_nonce"])
def test_set_client_dh_params_bad_nonces(manual: Manual, field: str) -> None:
    manual.req_dh_params()
    assert manual.res is not None
    overrides: dict[str, Any] = {field: getattr(manual.res, field) + 1}
    with pytest.raises(SecurityError, match=f"set_client_DH_params: {field}"):
        manual.set_client_dh_params(**overrides)


@pytest.mark.parametrize("field", ["nonce", "server_nonce"])
def test_client_inner_bad_nonces(manual: Manual, field: str) -> None:
    manual.req_dh_params()
    inner = manual.client_inner(**{field: 5})
    with pytest.raises(SecurityError, match=f"client_DH_inner_data: {field}"):
        manual.set_client_dh_params(inner)


def test_client_inner_bad_sha1(manual: Manual) -> None:
    manual.req_dh_params()
    assert manual.res is not None
    data = bytes(manual.client_inner())
    plain = b"\x11" * 20 + data
    plain += bytes(-len(plain) % 16)
    encrypted = ige_wrap(plain, NEW_NONCE, manual.res.server_nonce)
    with pytest.raises(SecurityError, match="sha1"):
        manual.set_client_dh_params(encrypted=encrypted)


def test_client_inner_too_much_padding(manual: Manual) -> None:
    manual.req_dh_params()
    assert manual.res is not None
    data = bytes(manual.client_inner())
    plain = sha1(data) + data
    plain += bytes(-len(plain) % 16 + 16)
    encrypted = ige_wrap(plain, NEW_NONCE, manual.res.server_nonce)
    with pytest.raises(SecurityError, match="padding"):
        manual.set_client_dh_params(encrypted=encrypted)


@pytest.mark.parametrize("encrypted", [b"", b"x" * 15, b"y" * 33, b"z" * 1040])
def test_client_inner_bad_length(manual: Manual, encrypted: bytes) -> None:
    manual.req_dh_params()
    with pytest.raises(SecurityError, match=r"length .* is not valid"):
        manual.set_client_dh_params(encrypted=encrypted)


def test_client_inner_garbage(manual: Manual) -> None:
    manual.req_dh_params()
    with pytest.raises(SecurityError, match="undecodable"):
        manual.set_client_dh_params(encrypted=bytes(320))


def test_client_inner_wrong_type(manual: Manual) -> None:
    manual.req_dh_params()
    assert manual.res is not None
    wrong = types.DhGenOk(nonce=NONCE, server_nonce=manual.res.server_nonce, new_nonce_hash1=1)
    with pytest.raises(SecurityError, match="undecodable"):
        manual.set_client_dh_params(encrypted=manual.encrypt(wrong))


def test_client_inner_nonzero_first_retry_id(manual: Manual) -> None:
    manual.req_dh_params()
    with pytest.raises(SecurityError, match="retry_id"):
        manual.set_client_dh_params(manual.client_inner(retry_id=12345))


@pytest.mark.parametrize(
    "g_b",
    [
        0,
        1,
        DH_PRIME - 1,
        DH_PRIME,
        DH_PRIME + 1,
        SAFETY - 1,
        DH_PRIME - SAFETY + 1,
        (1 << 2048) - 1,
    ],
)
def test_g_b_out_of_range(manual: Manual, g_b: int) -> None:
    manual.req_dh_params()
    with pytest.raises(SecurityError):
        manual.set_client_dh_params(manual.client_inner(g_b=g_b))


@pytest.mark.parametrize("g_b", [SAFETY, DH_PRIME - SAFETY])
def test_g_b_at_the_bounds_accepted(manual: Manual, g_b: int) -> None:
    manual.req_dh_params()
    assert isinstance(manual.set_client_dh_params(manual.client_inner(g_b=g_b)), types.DhGenOk)


def test_g_b_too_long(manual: Manual) -> None:
    manual.req_dh_params()
    g_b = b"\0" + dh_int(pow(DH_G, 99, DH_PRIME))
    with pytest.raises(SecurityError, match="257 bytes"):
        manual.set_client_dh_params(manual.client_inner(g_b=g_b))


def test_retry_id_checked_on_retry(key: RsaPrivateKey, clock: FakeClock) -> None:
    manual = Manual(key, clock, key_id_in_use=lambda _: True)
    first = manual.set_client_dh_params()
    assert isinstance(first, types.DhGenRetry)
    # Still 0 (or anything but the previous key's aux_hash) on the second attempt: refused.
    with pytest.raises(SecurityError, match="retry_id"):
        manual.set_client_dh_params(manual.client_inner(g_b=pow(DH_G, 1 << 2001, DH_PRIME)))


def test_retry_hash_and_fail_hash(key: RsaPrivateKey, clock: FakeClock) -> None:
    manual = Manual(key, clock, key_id_in_use=lambda _: True, max_retries=1)
    retry = manual.set_client_dh_params()
    assert isinstance(retry, types.DhGenRetry)
    g_ab = pow(manual.g_a, 0xABCDEF << 2000, DH_PRIME)
    old = AuthKey(dh_int(g_ab))
    assert retry.new_nonce_hash2 == old.new_nonce_hash(NEW_NONCE, 2)
    b2 = 0x1357 << 2000
    inner = manual.client_inner(g_b=pow(DH_G, b2, DH_PRIME), retry_id=old.aux_hash)
    fail = manual.set_client_dh_params(inner)
    assert isinstance(fail, types.DhGenFail)
    new = AuthKey(dh_int(pow(manual.g_a, b2, DH_PRIME)))
    assert fail.new_nonce_hash3 == new.new_nonce_hash(NEW_NONCE, 3)
    assert manual.server.finished
    assert manual.peer.last_done is None


@pytest.mark.parametrize("seed", range(40))
def test_pq_shape(clock: FakeClock, seed: int) -> None:
    # Below 2^63 for Telethon (signed read), factors in 4 bytes for Kurigram, 8 bytes on the wire.
    server = ServerHandshake([server_key(1)], rng=SeededRandom(seed), clock=clock)
    res = parse_body(PlainPeer(server, clock).send(functions.ReqPqMulti(nonce=1)), (types.ResPQ,))
    assert len(res.pq) == 8
    pq = int.from_bytes(res.pq, "big")
    assert pq < 2**63
    p, q = factorize_pq(pq)
    assert 2**31 < p < q < 2**32


def test_server_msg_ids_are_replies(manual: Manual) -> None:
    (reply,) = manual.peer.send_raw(bytes(functions.ReqPqMulti(nonce=NONCE)))
    assert unpack_plain(reply)[0] % 4 == MsgKind.SERVER_REPLY
