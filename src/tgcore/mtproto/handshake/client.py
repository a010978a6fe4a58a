"""The client role of the auth-key handshake, as a sans-IO state machine.

:meth:`ClientHandshake.start` gives the first plain message (req_pq_multi); feed every plain
message the server answers to :meth:`ClientHandshake.receive` and send what it returns, until it
reports :class:`~tgcore.mtproto.handshake.AuthKeyCreated`. Every answer is checked as the
specification and its security guidelines ask; a failed check raises
:class:`~tgcore.errors.SecurityError`.
"""

from __future__ import annotations

import enum
import os
import time
from collections.abc import Callable, Sequence

from tgcore.crypto import (
    RsaPublicKey,
    check_dh_params,
    check_g_x,
    dh_key_pair,
    factorize_pq,
    modexp,
)
from tgcore.errors import LocalProtocolError, RemoteProtocolError, SecurityError
from tgcore.mtproto.envelope import pack_plain, unpack_plain
from tgcore.mtproto.handshake.common import (
    DH_BYTES,
    AuthKeyCreated,
    RsaScheme,
    check_echo,
    decrypt_inner,
    encrypt_inner,
    first_salt,
    key_encodings,
    params_fail_hash,
    parse_body,
    random_nonce,
)
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind
from tgcore.tl import TLObject, functions, types

__all__ = ["ClientHandshake"]

_FACTOR_LIMIT = 1 << 32  # p and q are below 2^32 (Kurigram and TDLib insist on it too)


_ANSWERS = (
    types.ResPQ,
    types.ServerDHParamsOk,
    types.ServerDHParamsFail,
    types.DhGenOk,
    types.DhGenRetry,
    types.DhGenFail,
)


class _Step(enum.Enum):
    NEW = enum.auto()
    RES_PQ = enum.auto()
    SERVER_DH_PARAMS = enum.auto()
    DH_GEN = enum.auto()
    DONE = enum.auto()
    FAILED = enum.auto()


class ClientHandshake:
    """Creates an auth key with a server, as the client.

    Args:
        public_keys: The RSA public keys we trust; the first fingerprint the server offers that
            matches one of them is used.
        dc_id: The DC we believe we connect to, sent in p_q_inner_data_dc. None sends the
            dc-less p_q_inner_data instead (what old clients send; permanent keys only).
        rng: Source of random bytes (``os.urandom`` in production).
        clock: Unix time in seconds (``time.time`` in production).
        test_mode: Connecting to a test server: the dc sent is ``dc_id + 10000``.
        media: Connecting to a media-only DC: the dc sent is negative.
        temp_expires_in: Create a temporary key living this many seconds
            (p_q_inner_data_temp_dc) instead of a permanent one.
        legacy_rsa: Encrypt the inner data with the pre-2.0 RSA scheme rather than RSA_PAD,
            for servers that only know that.
        max_retries: dh_gen_retry answers accepted before giving up.
        msg_ids: The generator of our msg_ids (to share it with the session that follows; set
            its ``time_offset`` from the result's ``time_offset`` afterwards).

    Raises:
        LocalProtocolError: no key, or options that contradict each other.

    Example:
        ```python
        hs = ClientHandshake([public_key], dc_id=2)
        send(hs.start())
        while True:
            replies, done = hs.receive(recv())
            for r in replies:
                send(r)
            if done:
                break
        ```
    """

    def __init__(
        self,
        public_keys: Sequence[RsaPublicKey],
        *,
        dc_id: int | None,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
        test_mode: bool = False,
        media: bool = False,
        temp_expires_in: int | None = None,
        legacy_rsa: bool = False,
        max_retries: int = 5,
        msg_ids: MsgIdGenerator | None = None,
    ) -> None:
        if not public_keys:
            raise LocalProtocolError("ClientHandshake needs at least one RSA public key")
        if dc_id is None and (temp_expires_in is not None or test_mode or media):
            raise LocalProtocolError("temporary, test-mode and media keys need a dc_id")
        if temp_expires_in is not None and temp_expires_in <= 0:
            raise LocalProtocolError("temp_expires_in must be positive")
        self._keys = {key.fingerprint: key for key in public_keys}
        self._rng = rng
        self._clock = clock
        self._dc: int | None = None
        if dc_id is not None:
            self._dc = (dc_id + 10000 if test_mode else dc_id) * (-1 if media else 1)
        self._temp_expires_in = temp_expires_in
        self._legacy_rsa = legacy_rsa
        self._max_retries = max_retries
        self._msg_ids = msg_ids if msg_ids is not None else MsgIdGenerator(clock)
        self._step = _Step.NEW
        self._nonce = self._server_nonce = self._new_nonce = 0
        self._g = self._dh_prime = self._g_a = 0
        self._time_offset = 0
        self._server_time = 0
        self._g_ab = 0
        self._retries = 0

    @property
    def finished(self) -> bool:
        """True once the handshake succeeded or failed; the object takes no more input then."""
        return self._step in (_Step.DONE, _Step.FAILED)

    def start(self) -> bytes:
        """The first message to send: req_pq_multi with a fresh nonce."""
        if self._step is not _Step.NEW:
            raise LocalProtocolError("the handshake has already started")
        self._nonce = random_nonce(self._rng, 16)
        self._step = _Step.RES_PQ
        return self._pack(functions.ReqPqMulti(nonce=self._nonce))

    def receive(self, payload: bytes) -> tuple[list[bytes], AuthKeyCreated | None]:
        """Handle one plain message from the server.

        Returns:
            The plain messages to send next, and the created key once the server confirmed it
            with dh_gen_ok (None before that).

        Raises:
            SecurityError: a security check failed, or the server refused the key.
            RemoteProtocolError: the message is malformed or not the expected next step.
            LocalProtocolError: :meth:`start` was not called, or the handshake is over.
        """
        if self._step is _Step.NEW or self.finished:
            raise LocalProtocolError(f"cannot receive in state {self._step.name}")
        try:
            msg_id, body = unpack_plain(payload)
            if msg_id % 4 not in (MsgKind.SERVER_REPLY, MsgKind.SERVER_PUSH):
                raise SecurityError(f"msg_id {msg_id} is not a server msg_id")
            return self._dispatch(parse_body(body, _ANSWERS))
        except BaseException:
            self._step = _Step.FAILED
            raise

    def _pack(self, obj: TLObject) -> bytes:
        return pack_plain(self._msg_ids.next(MsgKind.CLIENT), bytes(obj))

    def _dispatch(self, obj: TLObject) -> tuple[list[bytes], AuthKeyCreated | None]:
        if self._step is _Step.RES_PQ and isinstance(obj, types.ResPQ):
            return [self._on_res_pq(obj)], None
        if self._step is _Step.SERVER_DH_PARAMS and isinstance(
            obj, types.ServerDHParamsOk | types.ServerDHParamsFail
        ):
            return [self._on_server_dh_params(obj)], None
        if self._step is _Step.DH_GEN and isinstance(
            obj, types.DhGenOk | types.DhGenRetry | types.DhGenFail
        ):
            return self._on_dh_gen(obj)
        raise RemoteProtocolError(
            f"unexpected {type(obj).__name__} while waiting for step {self._step.name}"
        )

    # -- the steps --------------------------------------------------------------------------------

    def _on_res_pq(self, res: types.ResPQ) -> bytes:
        if res.nonce != self._nonce:
            raise SecurityError("resPQ: nonce mismatch")
        self._server_nonce = res.server_nonce
        fingerprint = next((f for f in res.server_public_key_fingerprints if f in self._keys), None)
        if fingerprint is None:
            raise SecurityError(
                f"resPQ: none of the server's fingerprints {res.server_public_key_fingerprints}"
                " is a key we trust"
            )
        p, q = self._factorize(res.pq)
        self._new_nonce = random_nonce(self._rng, 32)
        p_bytes, q_bytes = p.to_bytes(4, "big"), q.to_bytes(4, "big")
        inner = self._pq_inner_data(res.pq, p_bytes, q_bytes)
        key = self._keys[fingerprint]
        if self._legacy_rsa:
            encrypted = key.encrypt_legacy(bytes(inner), self._rng)
        else:
            encrypted = key.encrypt_rsa_pad(bytes(inner), self._rng)
        self._step = _Step.SERVER_DH_PARAMS
        return self._pack(
            functions.ReqDHParams(
                nonce=self._nonce,
                server_nonce=self._server_nonce,
                p=p_bytes,
                q=q_bytes,
                public_key_fingerprint=fingerprint,
                encrypted_data=encrypted,
            )
        )

    def _pq_inner_data(self, pq: bytes, p: bytes, q: bytes) -> TLObject:
        nonces = (self._nonce, self._server_nonce, self._new_nonce)
        if self._dc is None:
            return types.PQInnerData(
                pq=pq, p=p, q=q, nonce=nonces[0], server_nonce=nonces[1], new_nonce=nonces[2]
            )
        if self._temp_expires_in is None:
            return types.PQInnerDataDc(
                pq=pq,
                p=p,
                q=q,
                nonce=nonces[0],
                server_nonce=nonces[1],
                new_nonce=nonces[2],
                dc=self._dc,
            )
        return types.PQInnerDataTempDc(
            pq=pq,
            p=p,
            q=q,
            nonce=nonces[0],
            server_nonce=nonces[1],
            new_nonce=nonces[2],
            dc=self._dc,
            expires_in=self._temp_expires_in,
        )

    @staticmethod
    def _factorize(pq_bytes: bytes) -> tuple[int, int]:
        if not 0 < len(pq_bytes) <= 8:
            raise SecurityError(f"resPQ: pq of {len(pq_bytes)} bytes")
        pq = int.from_bytes(pq_bytes, "big")
        try:
            p, q = factorize_pq(pq)
        except SecurityError as exc:
            raise SecurityError(f"resPQ: bad pq {pq}: {exc}") from exc
        if q >= _FACTOR_LIMIT:
            raise SecurityError(f"resPQ: pq {pq} has a factor above 2^32")
        return p, q

    def _on_server_dh_params(self, res: types.ServerDHParamsOk | types.ServerDHParamsFail) -> bytes:
        ours = (self._nonce, self._server_nonce)
        check_echo((res.nonce, res.server_nonce), ours, type(res).__name__)
        if isinstance(res, types.ServerDHParamsFail):
            if res.new_nonce_hash != params_fail_hash(self._new_nonce):
                raise SecurityError("server_DH_params_fail: bad new_nonce_hash")
            raise SecurityError("the server refused the DH parameters (server_DH_params_fail)")
        inner = decrypt_inner(
            res.encrypted_answer,
            self._new_nonce,
            self._server_nonce,
            types.ServerDHInnerData,
            "server_DH_inner_data",
        )
        check_echo((inner.nonce, inner.server_nonce), ours, "server_DH_inner_data")
        dh_prime = int.from_bytes(inner.dh_prime, "big")
        check_dh_params(inner.g, dh_prime)
        g_a = int.from_bytes(inner.g_a, "big")
        check_g_x(g_a, dh_prime)
        self._g, self._dh_prime, self._g_a = inner.g, dh_prime, g_a
        self._server_time = inner.server_time
        self._time_offset = inner.server_time - int(self._clock())
        return self._client_dh_params(retry_id=0)

    def _client_dh_params(self, retry_id: int) -> bytes:
        b, g_b = dh_key_pair(self._rng, self._g, self._dh_prime)
        self._g_ab = modexp(self._g_a, b, self._dh_prime)
        inner = types.ClientDHInnerData(
            nonce=self._nonce,
            server_nonce=self._server_nonce,
            retry_id=retry_id,
            g_b=g_b.to_bytes(DH_BYTES, "big"),
        )
        self._step = _Step.DH_GEN
        return self._pack(
            functions.SetClientDHParams(
                nonce=self._nonce,
                server_nonce=self._server_nonce,
                encrypted_data=encrypt_inner(inner, self._new_nonce, self._server_nonce, self._rng),
            )
        )

    def _on_dh_gen(
        self, res: types.DhGenOk | types.DhGenRetry | types.DhGenFail
    ) -> tuple[list[bytes], AuthKeyCreated | None]:
        name = type(res).__name__
        check_echo((res.nonce, res.server_nonce), (self._nonce, self._server_nonce), name)
        if isinstance(res, types.DhGenOk):
            number, got = 1, res.new_nonce_hash1
        elif isinstance(res, types.DhGenRetry):
            number, got = 2, res.new_nonce_hash2
        else:
            number, got = 3, res.new_nonce_hash3
        auth_key, alt_key = key_encodings(self._g_ab)
        # The server may hash either encoding of a key whose top byte is zero (Telethon-derived
        # servers hash the minimal one); both prove it computed the same g^ab.
        matched = next(
            (
                key
                for key in (auth_key, alt_key)
                if key is not None and key.new_nonce_hash(self._new_nonce, number) == got
            ),
            None,
        )
        if matched is None:
            raise SecurityError(f"{name}: bad new_nonce_hash{number}")
        if isinstance(res, types.DhGenFail):
            raise SecurityError("the server refused the key (dh_gen_fail)")
        if isinstance(res, types.DhGenRetry):
            if self._retries >= self._max_retries:
                raise SecurityError(f"the server asked for more than {self._max_retries} retries")
            self._retries += 1
            return [self._client_dh_params(retry_id=matched.aux_hash)], None
        self._step = _Step.DONE
        expires_in = self._temp_expires_in
        return [], AuthKeyCreated(
            auth_key=auth_key,
            first_salt=first_salt(self._new_nonce, self._server_nonce),
            time_offset=self._time_offset,
            alt_auth_key=alt_key,
            is_temp=expires_in is not None,
            expires_at=None if expires_in is None else self._server_time + expires_in,
            dc_id=self._dc,
            rsa_scheme=RsaScheme.LEGACY if self._legacy_rsa else RsaScheme.RSA_PAD,
        )
