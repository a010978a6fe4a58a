"""The server side of one encrypted MTProto session (one auth key, one session_id).

Sans-IO: the gateway decrypts a frame (:func:`~tgcore.mtproto.envelope.decrypt_client_message`),
finds or creates the session for its session_id, calls :meth:`ServerSession.receive`, dispatches
the :class:`~tgcore.mtproto.session.events.RpcCall` events, answers them, and sends what
:meth:`ServerSession.data_to_send` returns. Service messages (acks, pings, salts, status
queries, re-send requests) are handled here; everything else is an RPC call.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from tgcore.crypto import AuthKey
from tgcore.errors import LocalProtocolError, SecurityError
from tgcore.mtproto.envelope import (
    DecryptedMessage,
    decrypt_client_message,
    encrypt_server_message,
)
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind
from tgcore.mtproto.session import _service as sv
from tgcore.mtproto.session._outbox import Outbox
from tgcore.mtproto.session._sentcache import SentCache
from tgcore.mtproto.session.checks import (
    STATE_ACKNOWLEDGED,
    STATE_ANSWERED,
    STATE_NO_ACK_NEEDED,
    STATE_RECEIVED,
    STATE_RPC,
    MsgIdStatus,
    ReceivedWindow,
    check_msg_id_time,
)
from tgcore.mtproto.session.config import SessionConfig
from tgcore.mtproto.session.containers import (
    ContainerError,
    Message,
    gzip_pack,
    gzip_unpack,
    maybe_gzip,
    pack_rpc_result,
    unpack_container,
)
from tgcore.mtproto.session.events import (
    Acked,
    BadMessage,
    DestroySessionRequested,
    HttpWaitReceived,
    MalformedMessage,
    PingReceived,
    RpcCall,
    ServerEvent,
)
from tgcore.mtproto.session.salts import SaltProvider
from tgcore.mtproto.session.seqno import SeqNoGenerator
from tgcore.tl.errors import TLDecodeError
from tgcore.tl.tlobject import TLObject

__all__ = ["ServerSession"]

# Client messages that never need an acknowledgment: an odd seq_no on them is error 34.
_EVEN_ONLY = frozenset({sv.MSGS_ACK_ID, sv.MSGS_STATE_INFO_ID, sv.MSGS_ALL_INFO_ID})
# Service queries that reference clients number either way (Telethon counts a ping as
# content-related, Pyrogram does not), so neither parity is an error for them.
_EITHER_PARITY = frozenset(
    {
        sv.PING_ID,
        sv.PING_DELAY_DISCONNECT_ID,
        sv.HTTP_WAIT_ID,
        sv.MSGS_STATE_REQ_ID,
        sv.MSG_RESEND_REQ_ID,
        sv.MSG_RESEND_ANS_REQ_ID,
        sv.DESTROY_SESSION_ID,
        sv.GET_FUTURE_SALTS_ID,
        sv.MSG_DETAILED_INFO_ID,
        sv.MSG_NEW_DETAILED_INFO_ID,
    }
)
# What only a server may send; a client sending it is dropped.
_SERVER_ONLY = frozenset(
    {
        sv.RPC_RESULT_ID,
        sv.RPC_ERROR_ID,
        sv.PONG_ID,
        sv.BAD_MSG_NOTIFICATION_ID,
        sv.BAD_SERVER_SALT_ID,
        sv.NEW_SESSION_CREATED_ID,
        sv.FUTURE_SALTS_ID,
        sv.DESTROY_SESSION_OK_ID,
        sv.DESTROY_SESSION_NONE_ID,
        sv.MSG_COPY_ID,
    }
)
# Client reports about our messages: nothing to do with them.
_IGNORED = frozenset(
    {
        sv.MSGS_STATE_INFO_ID,
        sv.MSGS_ALL_INFO_ID,
        sv.MSG_DETAILED_INFO_ID,
        sv.MSG_NEW_DETAILED_INFO_ID,
    }
)
_NOT_CONTENT_ONLY = _EVEN_ONLY | _EITHER_PARITY | _SERVER_ONLY


class ServerSession:
    """One client session, server side: checks, service messages, answers, acks, re-sends.

    Args:
        auth_key: the session's auth key.
        session_id: the client-chosen session id (from the first decrypted message).
        salts: where valid salts come from (shared by all sessions of the auth key).
        rng: random bytes (padding, unique_id).
        clock: Unix time.
        config: limits.
    """

    def __init__(
        self,
        auth_key: AuthKey,
        session_id: int,
        *,
        salts: SaltProvider,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
        config: SessionConfig | None = None,
    ) -> None:
        self._auth_key = auth_key
        self._session_id = session_id
        self._salts = salts
        self._rng = rng
        self._clock = clock
        self._config = config = config or SessionConfig()
        self._ids = MsgIdGenerator(clock)
        self._seq = SeqNoGenerator()
        self._window = ReceivedWindow(config.msg_id_window)
        self._outbox = Outbox(
            max_messages=config.max_container_messages, max_bytes=config.max_container_bytes
        )
        self._sent = SentCache(
            max_messages=config.sent_cache_messages, max_bytes=config.sent_cache_bytes
        )
        self._acks: dict[int, None] = {}  # insertion-ordered set
        self._ack_now = False
        self._first_msg_id: int | None = None
        self._unique_id = int.from_bytes(rng(8), "little", signed=True)
        self._handlers: dict[int, Callable[[Message, bytes, list[ServerEvent]], None]] = {
            sv.MSGS_ACK_ID: self._on_ack,
            sv.PING_ID: self._on_ping,
            sv.PING_DELAY_DISCONNECT_ID: self._on_ping,
            sv.GET_FUTURE_SALTS_ID: self._on_get_future_salts,
            sv.MSGS_STATE_REQ_ID: self._on_state_req,
            sv.MSG_RESEND_REQ_ID: self._on_resend_req,
            sv.MSG_RESEND_ANS_REQ_ID: self._on_resend_req,
            sv.DESTROY_SESSION_ID: self._on_destroy_session,
            sv.HTTP_WAIT_ID: self._on_http_wait,
        }
        #: When ping_delay_disconnect asked for it: the Unix time at which the gateway closes
        #: the connection unless another such ping arrives first. None otherwise.
        self.disconnect_deadline: float | None = None
        #: Unix time of the last message received (for the gateway's idle-session expiry).
        self.last_received: float = clock()

    # -- properties ------------------------------------------------------------------------------

    @property
    def auth_key(self) -> AuthKey:
        """The session's auth key."""
        return self._auth_key

    @property
    def session_id(self) -> int:
        """The client-chosen session id."""
        return self._session_id

    @property
    def unique_id(self) -> int:
        """The random id announced in new_session_created."""
        return self._unique_id

    @property
    def started(self) -> bool:
        """Whether a client message was accepted (new_session_created has been queued)."""
        return self._first_msg_id is not None

    # -- input -----------------------------------------------------------------------------------

    def receive_frame(self, payload: bytes) -> list[ServerEvent]:
        """Decrypt an encrypted payload from the client and :meth:`receive` it.

        Raises :class:`SecurityError` when it does not decrypt with this session's key or
        belongs to another session.
        """
        message = decrypt_client_message(self._auth_key, payload)
        if message.session_id != self._session_id:
            raise SecurityError("message for another session")
        return self.receive(message)

    def receive(self, message: DecryptedMessage) -> list[ServerEvent]:
        """Check and process one decrypted client message; returns what happened.

        A message that fails a check is not processed: the client is told with
        bad_msg_notification (or bad_server_salt with the salt to use) and a
        :class:`BadMessage` event reports it. Duplicates are dropped silently, an answer
        already sent for them is sent again.
        """
        if message.session_id != self._session_id:
            raise LocalProtocolError("message routed to the wrong session")
        events: list[ServerEvent] = []
        now = self.last_received = self._clock()
        msg_id, seq_no = message.msg_id, message.seq_no
        config = self._config
        code = check_msg_id_time(
            msg_id, now, max_past=config.max_past, max_future=config.max_future
        )
        if code:
            self._reject(msg_id, seq_no, code, events)
        elif not self._salts.is_valid(message.salt, now):
            salt = self._salts.current(now)
            self._queue(sv.pack_bad_server_salt(msg_id, seq_no, salt), False, MsgKind.SERVER_REPLY)
            events.append(BadMessage(msg_id, 48))
        elif sv.constructor_id(message.body) == sv.MSG_CONTAINER_ID:
            self._receive_container(Message(msg_id, seq_no, message.body), events)
        else:
            single = Message(msg_id, seq_no, message.body)
            if self._admit(single, events):
                self._start(msg_id, now)
                self._process(single, events)
        return events

    def _reject(self, msg_id: int, seq_no: int, code: int, events: list[ServerEvent]) -> None:
        self._queue(sv.pack_bad_msg_notification(msg_id, seq_no, code), False, MsgKind.SERVER_REPLY)
        events.append(BadMessage(msg_id, code))

    def _receive_container(self, container: Message, events: list[ServerEvent]) -> None:
        msg_id, seq_no = container.msg_id, container.seq_no
        status = self._window.status(msg_id)
        if msg_id & 3:
            return self._reject(msg_id, seq_no, 18, events)
        if status is MsgIdStatus.DUPLICATE:
            return self._reject(msg_id, seq_no, 19, events)
        if status is MsgIdStatus.TOO_OLD:
            return self._reject(msg_id, seq_no, 20, events)
        if seq_no & 1:
            return self._reject(msg_id, seq_no, 34, events)
        try:
            inner = unpack_container(
                container.body, max_messages=self._config.max_container_messages
            )
            if any(m.msg_id >= msg_id for m in inner):
                raise ContainerError("message msg_id not below its container's")
        except ContainerError as exc:
            events.append(MalformedMessage(msg_id, str(exc)))
            return self._reject(msg_id, seq_no, 64, events)
        self._window.add(msg_id, -1, STATE_RECEIVED | STATE_NO_ACK_NEEDED)
        accepted = [m for m in inner if self._admit(m, events)]
        if accepted:
            self._start(min(m.msg_id for m in accepted), self.last_received)
        for message in accepted:
            self._process(message, events)

    def _admit(self, message: Message, events: list[ServerEvent]) -> bool:
        """Run the per-message checks; record and return True if ``message`` is accepted."""
        msg_id, seq_no = message.msg_id, message.seq_no
        if msg_id & 3:
            self._reject(msg_id, seq_no, 18, events)
            return False
        status = self._window.status(msg_id)
        if status is MsgIdStatus.DUPLICATE:
            answer = self._sent.answer_for(msg_id)
            if answer is not None:
                # The client repeats a query we answered: our answer may have been lost.
                self._outbox.append(answer, in_container=True)
            return False
        if status is MsgIdStatus.TOO_OLD:
            self._reject(msg_id, seq_no, 20, events)
            return False
        cid = sv.constructor_id(message.body)
        content = bool(seq_no & 1)
        if content and cid in _EVEN_ONLY:
            code = 34
        elif not content and cid not in _NOT_CONTENT_ONLY:
            code = 35
        else:
            code = self._window.check_seq_no(msg_id, seq_no)
        if code:
            self._reject(msg_id, seq_no, code, events)
            return False
        flags = STATE_RECEIVED if content else STATE_RECEIVED | STATE_NO_ACK_NEEDED
        self._window.add(msg_id, seq_no, flags)
        if content:
            self._acks[msg_id] = None
        return True

    def _start(self, first_msg_id: int, now: float) -> None:
        # new_session_created goes out before any answer; it is repeated if a message older
        # than the first one shows up later (the client then knows what the session saw).
        if self._first_msg_id is None or first_msg_id < self._first_msg_id:
            self._first_msg_id = first_msg_id
            body = sv.pack_new_session_created(
                first_msg_id, self._unique_id, self._salts.current(now)
            )
            self._queue(body, True, MsgKind.SERVER_PUSH)

    def _process(self, message: Message, events: list[ServerEvent]) -> None:
        body = message.body
        cid = sv.constructor_id(body)
        try:
            if cid == sv.GZIP_PACKED_ID:
                body = gzip_unpack(body, max_size=self._config.max_gzip_size)
                cid = sv.constructor_id(body)
            if len(body) < 4:
                raise TLDecodeError(f"message body of {len(body)} bytes")
            handler = self._handlers.get(cid)
            if handler is not None:
                handler(message, body, events)
            elif cid in _IGNORED:
                pass
            elif cid in _SERVER_ONLY or cid == sv.MSG_CONTAINER_ID:
                events.append(MalformedMessage(message.msg_id, f"unexpected 0x{cid:08x}"))
            else:
                self._window.mark(message.msg_id, STATE_RPC)
                events.append(RpcCall(message.msg_id, body))
        except (TLDecodeError, SecurityError) as exc:
            events.append(MalformedMessage(message.msg_id, str(exc)))

    # -- service message handlers ----------------------------------------------------------------

    def _on_ack(self, message: Message, body: bytes, events: list[ServerEvent]) -> None:
        msg_ids = sv.read_msg_ids(body)
        for msg_id in msg_ids:
            self._sent.ack(msg_id)
        events.append(Acked(tuple(msg_ids)))

    def _on_ping(self, message: Message, body: bytes, events: list[ServerEvent]) -> None:
        ping = sv.read_ping(body)
        self._answered(message.msg_id)
        self._queue(sv.pack_pong(message.msg_id, ping.ping_id), False, MsgKind.SERVER_REPLY)
        if ping.disconnect_delay is not None:
            self.disconnect_deadline = self.last_received + ping.disconnect_delay
        events.append(PingReceived(message.msg_id, ping.ping_id, ping.disconnect_delay))

    def _on_get_future_salts(
        self, message: Message, body: bytes, events: list[ServerEvent]
    ) -> None:
        num = sv.read_get_future_salts(body)
        now = self.last_received
        salts = [(s.valid_since, s.valid_until, s.salt) for s in self._salts.future(now, num)]
        self._answered(message.msg_id)
        body = sv.pack_future_salts(message.msg_id, int(now), salts)
        self._queue(body, False, MsgKind.SERVER_REPLY)

    def _on_state_req(self, message: Message, body: bytes, events: list[ServerEvent]) -> None:
        self._send_state_info(message.msg_id, sv.read_msg_ids(body))

    def _send_state_info(self, req_msg_id: int, msg_ids: list[int]) -> None:
        info = bytes(self._window.state(msg_id) for msg_id in msg_ids)
        self._answered(req_msg_id)
        self._queue(sv.pack_msgs_state_info(req_msg_id, info), False, MsgKind.SERVER_REPLY)

    def _on_resend_req(self, message: Message, body: bytes, events: list[ServerEvent]) -> None:
        msg_ids = sv.read_msg_ids(body)
        if sv.constructor_id(body) == sv.MSG_RESEND_ANS_REQ_ID:
            found = [self._sent.answer_for(msg_id) for msg_id in msg_ids]
        else:
            found = [self._sent.get(msg_id) for msg_id in msg_ids]
        again = [m for m in found if m is not None]
        if len(again) != len(found):
            # Something unknown, forgotten or not ours: answer as to msgs_state_req.
            return self._send_state_info(message.msg_id, msg_ids)
        self._answered(message.msg_id)
        for old in again:
            self._outbox.append(old, in_container=True)

    def _on_destroy_session(self, message: Message, body: bytes, events: list[ServerEvent]) -> None:
        events.append(DestroySessionRequested(message.msg_id, sv.read_destroy_session(body)))

    def _on_http_wait(self, message: Message, body: bytes, events: list[ServerEvent]) -> None:
        wait = sv.read_http_wait(body)
        events.append(
            HttpWaitReceived(message.msg_id, wait.max_delay, wait.wait_after, wait.max_wait)
        )

    # -- output ----------------------------------------------------------------------------------

    def _queue(
        self, body: bytes, content: bool, kind: MsgKind, req_msg_id: int | None = None
    ) -> int:
        message = Message(self._ids.next(kind), self._seq.next(content), body)
        self._outbox.append(message)
        if content:
            self._sent.add(message, req_msg_id)
        return message.msg_id

    def _answered(self, req_msg_id: int) -> None:
        # An answer acknowledges the query: no separate msgs_ack is needed for it.
        self._acks.pop(req_msg_id, None)
        self._window.mark(req_msg_id, STATE_ANSWERED | STATE_ACKNOWLEDGED)

    def _answer_body(self, req_msg_id: int, body: bytes) -> int:
        flags = self._window.flags(req_msg_id)
        if flags is not None and flags & STATE_ANSWERED:
            raise LocalProtocolError(f"message {req_msg_id} was already answered")
        self._answered(req_msg_id)
        return self._queue(body, True, MsgKind.SERVER_REPLY, req_msg_id)

    def _serialize(self, obj: bytes | TLObject, gzip: bool | None) -> bytes:
        data = obj if isinstance(obj, bytes) else obj.to_bytes()
        if len(data) < 4 or len(data) % 4:
            raise LocalProtocolError(
                f"a TL object is a positive multiple of 4 bytes, not {len(data)}"
            )
        config = self._config
        if gzip is None:
            return maybe_gzip(data, threshold=config.gzip_threshold, level=config.gzip_level)
        return gzip_pack(data, config.gzip_level) if gzip else data

    def answer(self, req_msg_id: int, result: bytes | TLObject, *, gzip: bool | None = None) -> int:
        """Queue the rpc_result for the call ``req_msg_id``; returns the answer's msg_id.

        ``result`` is the serialized result or a TL object. ``gzip`` None packs it when that
        pays off (large and compressible); True or False forces the choice (pass False for
        already-compressed data such as file parts).

        Raises :class:`LocalProtocolError` if the call was already answered.
        """
        body = pack_rpc_result(req_msg_id, self._serialize(result, gzip))
        return self._answer_body(req_msg_id, body)

    def answer_error(self, req_msg_id: int, code: int, name: str) -> int:
        """Queue ``rpc_error(code, name)`` as the rpc_result of the call ``req_msg_id``."""
        body = pack_rpc_result(req_msg_id, sv.pack_rpc_error(code, name))
        return self._answer_body(req_msg_id, body)

    def answer_destroy_session(self, req_msg_id: int, session_id: int, *, destroyed: bool) -> int:
        """Answer a :class:`DestroySessionRequested` with destroy_session_ok or _none."""
        body = sv.pack_destroy_session_result(session_id, destroyed=destroyed)
        return self._answer_body(req_msg_id, body)

    def push(self, update: bytes | TLObject, *, gzip: bool | None = None) -> int:
        """Queue a message the server sends on its own (an update); returns its msg_id.

        ``gzip`` is as for :meth:`answer`. A caller pushing one update to many sessions can
        pack it once (e.g. with :class:`~tgcore.mtproto.session.SharedGzip`) and pass the
        result with ``gzip=False``.
        """
        return self._queue(self._serialize(update, gzip), True, MsgKind.SERVER_PUSH)

    def flush_acks(self) -> None:
        """Send the pending acknowledgments with the next :meth:`data_to_send`, even alone."""
        self._ack_now = True

    @property
    def pending_acks(self) -> int:
        """How many received content messages wait for an acknowledgment."""
        return len(self._acks)

    def _new_container(self) -> tuple[int, int]:
        return self._ids.next(MsgKind.SERVER_PUSH), self._seq.next(False)

    def data_to_send(self) -> list[bytes]:
        """The encrypted payloads to send now (each one for ``framer.pack``), queue emptied.

        Pending acknowledgments ride along with anything else; alone they go out only after
        :meth:`flush_acks` or once ``config.ack_threshold`` of them piled up.
        """
        acks = self._acks
        if acks and (self._outbox or self._ack_now or len(acks) >= self._config.ack_threshold):
            msg_ids = list(acks)
            acks.clear()
            for start in range(0, len(msg_ids), sv.MAX_IDS_PER_MESSAGE):
                chunk = msg_ids[start : start + sv.MAX_IDS_PER_MESSAGE]
                self._queue(sv.pack_msg_ids(sv.MSGS_ACK_ID, chunk), False, MsgKind.SERVER_PUSH)
            for msg_id in msg_ids:
                self._window.mark(msg_id, STATE_ACKNOWLEDGED)
        self._ack_now = False
        if not self._outbox:
            return []
        salt = self._salts.current(self._clock())
        return [
            encrypt_server_message(
                self._auth_key,
                DecryptedMessage(
                    salt,
                    self._session_id,
                    packed.message.msg_id,
                    packed.message.seq_no,
                    packed.message.body,
                ),
                self._rng,
            )
            for packed in self._outbox.drain(self._new_container)
        ]
