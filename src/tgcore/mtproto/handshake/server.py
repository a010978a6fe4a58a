"""The server role of the auth-key handshake, as a sans-IO state machine.

Feed each unencrypted message from the client to :meth:`ServerHandshake.receive`; send back the
plain messages it returns. Any failed check raises :class:`~tgcore.errors.SecurityError` (or
:class:`~tgcore.errors.RemoteProtocolError` for a malformed or out-of-order message) and the
caller drops the connection; nothing is ever answered with a partial secret.
"""

from __future__ import annotations

import enum
import os
import time
from collections.abc import Callable, Sequence

from tgcore.crypto import (
    DH_G,
    DH_PRIME,
    RsaPrivateKey,
    check_g_x,
    dh_key_pair,
    generate_pq,
    modexp,
)
from tgcore.errors import LocalProtocolError, RemoteProtocolError, SecurityError
from tgcore.mtproto.envelope import pack_plain, unpack_plain
from tgcore.mtproto.handshake._inner_data import (
    PQInner,
    decrypt_pq_inner_data,
    inner_dc,
    inner_expires_in,
)
from tgcore.mtproto.handshake.common import (
    DH_BYTES,
    AuthKeyCreated,
    RsaScheme,
    be_int_matches,
    check_echo,
    decrypt_inner,
    encrypt_inner,
    first_salt,
    key_encodings,
    parse_body,
    random_nonce,
)
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind, msg_id_time
from tgcore.tl import TLObject, functions, types

__all__ = ["ServerHandshake"]

_REQUESTS = (
    functions.ReqPqMulti,
    functions.ReqPq,
    functions.ReqDHParams,
    functions.SetClientDHParams,
)


class _Step(enum.Enum):
    REQ_PQ = enum.auto()
    REQ_DH_PARAMS = enum.auto()
    SET_CLIENT_DH_PARAMS = enum.auto()
    DONE = enum.auto()
    FAILED = enum.auto()


class ServerHandshake:
    """Creates an auth key with one client, answering its three handshake requests.

    Args:
        keys: The server's RSA private keys; resPQ offers all their fingerprints.
        rng: Source of random bytes (``os.urandom`` in production).
        clock: Unix time in seconds (``time.time`` in production).
        dc_id: This server's DC id. When set, a client that names another DC in
            p_q_inner_data_dc / _temp_dc is refused (test DCs add 10000, media DCs are negative;
            both are accepted for this id). None skips the check.
        key_id_in_use: Called with each candidate auth_key_id once the key is computed; True
            makes the server answer dh_gen_retry so the client tries a new b, as the
            specification asks when an auth_key_id collides.
        max_retries: dh_gen_retry answers allowed before dh_gen_fail.
        msg_id_window: Seconds ``(past, future)`` around ``clock()`` that an incoming msg_id's
            time may lie within; None disables the check (for clients with badly set clocks,
            which only learn the server's time from this very handshake).

    Raises:
        LocalProtocolError: no key given.

    Example:
        ```python
        hs = ServerHandshake([private_key], rng=os.urandom, clock=time.time, dc_id=2)
        replies, done = hs.receive(frame)   # once per plain message from the client
        ```
    """

    def __init__(
        self,
        keys: Sequence[RsaPrivateKey],
        *,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
        dc_id: int | None = None,
        key_id_in_use: Callable[[int], bool] | None = None,
        max_retries: int = 3,
        msg_id_window: tuple[float, float] | None = (300.0, 30.0),
    ) -> None:
        if not keys:
            raise LocalProtocolError("ServerHandshake needs at least one RSA private key")
        self._keys = {key.fingerprint: key for key in keys}
        self._rng = rng
        self._clock = clock
        self._dc_id = dc_id
        self._key_id_in_use = key_id_in_use
        self._max_retries = max_retries
        self._msg_id_window = msg_id_window
        self._msg_ids = MsgIdGenerator(clock)
        self._last_msg_id = 0
        self._step = _Step.REQ_PQ
        # Filled in as the steps go by.
        self._nonce = 0
        self._server_nonce = 0
        self._pq = self._p = self._q = 0
        self._inner: PQInner | None = None
        self._scheme = RsaScheme.RSA_PAD
        self._a = 0
        self._server_time = 0
        self._retries = 0
        self._retry_ids: frozenset[int] = frozenset({0})

    @property
    def finished(self) -> bool:
        """True once the handshake succeeded or failed; the object takes no more input then."""
        return self._step in (_Step.DONE, _Step.FAILED)

    def receive(self, payload: bytes) -> tuple[list[bytes], AuthKeyCreated | None]:
        """Handle one plain message from the client.

        Returns:
            The plain messages to send back (ready for the transport framer), and the created
            key once dh_gen_ok is among them (None before that).

        Raises:
            SecurityError: a security check failed; drop the connection.
            RemoteProtocolError: the message is malformed or not the expected next step.
            LocalProtocolError: the handshake already finished.
        """
        if self.finished:
            raise LocalProtocolError(f"the handshake is already over ({self._step.name})")
        try:
            msg_id, body = unpack_plain(payload)
            self._check_msg_id(msg_id)
            reply, done = self._dispatch(parse_body(body, _REQUESTS))
        except BaseException:
            self._step = _Step.FAILED
            raise
        return [pack_plain(self._msg_ids.next(MsgKind.SERVER_REPLY), bytes(reply))], done

    # -- checks and dispatch ----------------------------------------------------------------------

    def _check_msg_id(self, msg_id: int) -> None:
        if msg_id % 4:
            raise SecurityError(f"msg_id {msg_id} is not a client msg_id (not divisible by 4)")
        if msg_id <= self._last_msg_id:
            raise SecurityError(f"msg_id {msg_id} does not increase")
        if self._msg_id_window is not None:
            past, future = self._msg_id_window
            offset = msg_id_time(msg_id) - self._clock()
            if not -past <= offset <= future:
                raise SecurityError(f"msg_id {msg_id} is {offset:+.0f} s off the server's clock")
        self._last_msg_id = msg_id

    def _dispatch(self, obj: TLObject) -> tuple[TLObject, AuthKeyCreated | None]:
        if self._step is _Step.REQ_PQ and isinstance(obj, functions.ReqPqMulti | functions.ReqPq):
            return self._on_req_pq(obj.nonce), None
        if self._step is _Step.REQ_DH_PARAMS and isinstance(obj, functions.ReqDHParams):
            return self._on_req_dh_params(obj), None
        if self._step is _Step.SET_CLIENT_DH_PARAMS and isinstance(
            obj, functions.SetClientDHParams
        ):
            return self._on_set_client_dh_params(obj)
        raise RemoteProtocolError(
            f"unexpected {type(obj).__name__} while waiting for step {self._step.name}"
        )

    # -- the three steps --------------------------------------------------------------------------

    def _on_req_pq(self, nonce: int) -> TLObject:
        self._nonce = nonce
        self._server_nonce = random_nonce(self._rng, 16)
        self._pq, self._p, self._q = generate_pq(self._rng)
        self._step = _Step.REQ_DH_PARAMS
        return types.ResPQ(
            nonce=nonce,
            server_nonce=self._server_nonce,
            pq=self._pq.to_bytes(8, "big"),
            server_public_key_fingerprints=list(self._keys),
        )

    def _on_req_dh_params(self, req: functions.ReqDHParams) -> TLObject:
        ours = (self._nonce, self._server_nonce)
        check_echo((req.nonce, req.server_nonce), ours, "req_DH_params")
        if not (be_int_matches(req.p, self._p, 4) and be_int_matches(req.q, self._q, 4)):
            raise SecurityError("req_DH_params: p and q are not the factors of pq")
        key = self._keys.get(req.public_key_fingerprint)
        if key is None:
            raise SecurityError(f"req_DH_params: unknown fingerprint {req.public_key_fingerprint}")
        inner, self._scheme = decrypt_pq_inner_data(key, req.encrypted_data)
        self._check_pq_inner_data(inner)
        self._inner = inner

        # dh_key_pair redraws a whose g_a would fail the client's range check.
        self._a, g_a = dh_key_pair(self._rng)
        self._server_time = int(self._clock())
        answer = types.ServerDHInnerData(
            nonce=self._nonce,
            server_nonce=self._server_nonce,
            g=DH_G,
            dh_prime=DH_PRIME.to_bytes(DH_BYTES, "big"),
            g_a=g_a.to_bytes(DH_BYTES, "big"),
            server_time=self._server_time,
        )
        self._step = _Step.SET_CLIENT_DH_PARAMS
        return types.ServerDHParamsOk(
            nonce=self._nonce,
            server_nonce=self._server_nonce,
            encrypted_answer=encrypt_inner(answer, inner.new_nonce, self._server_nonce, self._rng),
        )

    def _check_pq_inner_data(self, inner: PQInner) -> None:
        ours = (self._nonce, self._server_nonce)
        check_echo((inner.nonce, inner.server_nonce), ours, "p_q_inner_data")
        if not be_int_matches(inner.pq, self._pq, 8):
            raise SecurityError("p_q_inner_data: pq differs from the one sent")
        if not (be_int_matches(inner.p, self._p, 4) and be_int_matches(inner.q, self._q, 4)):
            raise SecurityError("p_q_inner_data: p and q are not the factors of pq")
        dc = inner_dc(inner)
        if dc is not None and self._dc_id is not None and abs(dc) % 10000 != self._dc_id:
            raise SecurityError(f"p_q_inner_data: addressed to DC {dc}, this is {self._dc_id}")
        expires_in = inner_expires_in(inner)
        if expires_in is not None and expires_in <= 0:
            raise SecurityError(f"p_q_inner_data_temp_dc: expires_in {expires_in}")

    def _on_set_client_dh_params(
        self, req: functions.SetClientDHParams
    ) -> tuple[TLObject, AuthKeyCreated | None]:
        assert self._inner is not None  # set by the previous step
        new_nonce = self._inner.new_nonce
        ours = (self._nonce, self._server_nonce)
        check_echo((req.nonce, req.server_nonce), ours, "set_client_DH_params")
        inner = decrypt_inner(
            req.encrypted_data,
            new_nonce,
            self._server_nonce,
            types.ClientDHInnerData,
            "client_DH_inner_data",
        )
        check_echo((inner.nonce, inner.server_nonce), ours, "client_DH_inner_data")
        if inner.retry_id not in self._retry_ids:
            raise SecurityError(f"client_DH_inner_data: unexpected retry_id {inner.retry_id}")
        if len(inner.g_b) > DH_BYTES:
            raise SecurityError(f"client_DH_inner_data: g_b of {len(inner.g_b)} bytes")
        g_b = int.from_bytes(inner.g_b, "big")
        check_g_x(g_b, DH_PRIME)

        auth_key, alt_key = key_encodings(modexp(g_b, self._a, DH_PRIME))
        candidates = (auth_key,) if alt_key is None else (auth_key, alt_key)
        # Which encoding the client hashes with when they differ (see docs/handshake.md): only
        # a legacy-RSA client sending the dc-less p_q_inner_data is Telethon-like and uses the
        # minimal one; everything else follows the specification's 256 bytes.
        minimal = self._scheme is RsaScheme.LEGACY and isinstance(self._inner, types.PQInnerData)
        hash_key = alt_key if minimal and alt_key is not None else auth_key
        nonce, server_nonce = ours

        if self._key_id_in_use is not None and any(
            self._key_id_in_use(key.key_id) for key in candidates
        ):
            if self._retries >= self._max_retries:
                self._step = _Step.FAILED
                nnh3 = hash_key.new_nonce_hash(new_nonce, 3)
                fail = types.DhGenFail(nonce=nonce, server_nonce=server_nonce, new_nonce_hash3=nnh3)
                return fail, None
            self._retries += 1
            self._retry_ids = frozenset(key.aux_hash for key in candidates)
            nnh2 = hash_key.new_nonce_hash(new_nonce, 2)
            retry = types.DhGenRetry(nonce=nonce, server_nonce=server_nonce, new_nonce_hash2=nnh2)
            return retry, None

        self._step = _Step.DONE
        expires_in = inner_expires_in(self._inner)
        done = AuthKeyCreated(
            auth_key=auth_key,
            first_salt=first_salt(new_nonce, server_nonce),
            alt_auth_key=alt_key,
            is_temp=expires_in is not None,
            expires_at=None if expires_in is None else self._server_time + expires_in,
            dc_id=inner_dc(self._inner),
            rsa_scheme=self._scheme,
        )
        nnh1 = hash_key.new_nonce_hash(new_nonce, 1)
        return types.DhGenOk(nonce=nonce, server_nonce=server_nonce, new_nonce_hash1=nnh1), done
