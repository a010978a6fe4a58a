"""The client side of an encrypted MTProto session.

Sans-IO: :meth:`ClientSession.send` queues a request and returns its msg_id,
:meth:`ClientSession.data_to_send` gives the encrypted payloads to frame and write, and
:meth:`ClientSession.receive` turns a payload from the server into events. The session learns
the salt and the clock offset from the server, acknowledges what the server sends, and re-sends
requests the server bounced (bad salt, wrong time, wrong seq_no) or lost (new session), so a
caller only ever deals with the msg_id ``send`` returned.
"""

from __future__ import annotations

import os
import struct
import time
from collections import OrderedDict
from collections.abc import Callable

import attrs

from tgcore.crypto import AuthKey
from tgcore.errors import LocalProtocolError, SecurityError, TgError
from tgcore.mtproto.envelope import (
    DecryptedMessage,
    decrypt_server_message,
    encrypt_client_message,
)
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind
from tgcore.mtproto.session import _service as sv
from tgcore.mtproto.session._outbox import Outbox
from tgcore.mtproto.session.checks import (
    STATE_ACKNOWLEDGED,
    STATE_NO_ACK_NEEDED,
    STATE_NOT_RECEIVED,
    STATE_RECEIVED,
    STATE_TOO_HIGH,
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
    unpack_container,
    unpack_rpc_result,
)
from tgcore.mtproto.session.events import (
    Acked,
    BadMessage,
    ClientEvent,
    MalformedMessage,
    NewSession,
    PingReceived,
    RpcErrorReceived,
    RpcResult,
    SaltChanged,
    UpdateReceived,
)
from tgcore.mtproto.session.seqno import SeqNoGenerator
from tgcore.tl.codec import read_object
from tgcore.tl.errors import TLDecodeError
from tgcore.tl.primitives import Reader
from tgcore.tl.tlobject import TLObject, TLRequest

__all__ = ["ClientSession", "PendingRequest"]

# Messages a client sends that need no acknowledgment (even seq_no). Pings count here, as the
# spec says their pong needs no acknowledgment either.
_NOT_CONTENT = frozenset(
    {
        sv.MSGS_ACK_ID,
        sv.MSG_CONTAINER_ID,
        sv.PING_ID,
        sv.PING_DELAY_DISCONNECT_ID,
        sv.HTTP_WAIT_ID,
        sv.MSGS_STATE_REQ_ID,
        sv.MSGS_STATE_INFO_ID,
        sv.MSGS_ALL_INFO_ID,
        sv.MSG_RESEND_REQ_ID,
        sv.MSG_RESEND_ANS_REQ_ID,
    }
)
# What send() may carry that no answer comes back for: not tracked as a pending request.
_NO_ANSWER = frozenset(
    {
        sv.MSGS_ACK_ID,
        sv.HTTP_WAIT_ID,
        sv.MSGS_STATE_INFO_ID,
        sv.MSGS_ALL_INFO_ID,
        sv.MSG_RESEND_REQ_ID,
        sv.MSG_RESEND_ANS_REQ_ID,
    }
)
# Notifications processed even when their msg_id's time looks wrong: they are how a client
# with a wrong clock (or salt) learns the right one.
_TIME_EXEMPT = frozenset({sv.BAD_MSG_NOTIFICATION_ID, sv.BAD_SERVER_SALT_ID})
# bad_msg_notification codes after which the message simply goes out again.
_RESEND_CODES = frozenset({16, 17, 32, 33, 48})
# How many sent service messages (acks, status replies) are remembered for re-sending.
_SERVICE_MEMORY = 256
_DECODE_ERRORS = (TgError, ValueError, struct.error, RecursionError)


@attrs.define(eq=False)
class _Outgoing:
    key: int  # the msg_id send() returned: stable across re-sends
    msg_id: int
    seq_no: int
    body: bytes
    request: object
    content: bool
    tracked: bool  # a request awaiting its answer (else a service message)
    container_id: int | None = None
    acked: bool = False
    sent: bool = False


@attrs.frozen
class PendingRequest:
    """A request sent and not answered yet.

    ``msg_id`` is what :meth:`ClientSession.send` returned; ``current_msg_id`` the id of its
    latest transmission; ``request`` the TL object given (None for raw bytes).
    """

    msg_id: int
    current_msg_id: int
    request: object
    body: bytes
    acked: bool


class ClientSession:
    """One session with the server over one auth key, client side.

    Args:
        auth_key: the auth key.
        salt: the server salt to start with (0 if unknown: the server answers bad_server_salt
            with the right one and the request goes out again).
        session_id: random when not given.
        rng: random bytes (session_id, padding).
        clock: Unix time.
        time_offset: seconds to add to ``clock`` to get the server's time, if known.
        config: limits.
    """

    def __init__(
        self,
        auth_key: AuthKey,
        salt: int = 0,
        *,
        session_id: int | None = None,
        rng: Callable[[int], bytes] = os.urandom,
        clock: Callable[[], float] = time.time,
        time_offset: float = 0.0,
        config: SessionConfig | None = None,
    ) -> None:
        self._auth_key = auth_key
        self._salt = salt
        if session_id is None:
            session_id = int.from_bytes(rng(8), "little", signed=True)
        self._session_id = session_id
        self._rng = rng
        self._config = config = config or SessionConfig()
        self._ids = MsgIdGenerator(clock, time_offset)
        self._seq = SeqNoGenerator()
        self._window = ReceivedWindow(config.msg_id_window)
        self._outbox = Outbox(
            max_messages=config.max_container_messages, max_bytes=config.max_container_bytes
        )
        self._requests: dict[int, _Outgoing] = {}  # by current msg_id
        self._service: OrderedDict[int, _Outgoing] = OrderedDict()
        self._acks: dict[int, None] = {}
        self._ack_now = False
        self._handlers: dict[int, Callable[[Message, bytes, list[ClientEvent]], None]] = {
            sv.RPC_RESULT_ID: self._on_rpc_result,
            sv.PONG_ID: self._on_pong,
            sv.FUTURE_SALTS_ID: self._on_future_salts,
            sv.DESTROY_SESSION_OK_ID: self._on_destroy_session,
            sv.DESTROY_SESSION_NONE_ID: self._on_destroy_session,
            sv.BAD_MSG_NOTIFICATION_ID: self._on_bad_msg,
            sv.BAD_SERVER_SALT_ID: self._on_bad_msg,
            sv.NEW_SESSION_CREATED_ID: self._on_new_session,
            sv.MSGS_ACK_ID: self._on_ack,
            sv.MSGS_STATE_REQ_ID: self._on_state_req,
            sv.MSG_RESEND_REQ_ID: self._on_resend_req,
            sv.MSG_RESEND_ANS_REQ_ID: self._on_state_req,
            sv.MSGS_STATE_INFO_ID: self._on_state_info,
            sv.MSGS_ALL_INFO_ID: self._on_all_info,
            sv.MSG_DETAILED_INFO_ID: self._on_detailed_info,
            sv.MSG_NEW_DETAILED_INFO_ID: self._on_detailed_info,
            sv.PING_ID: self._on_ping,
        }

    # -- properties ------------------------------------------------------------------------------

    @property
    def auth_key(self) -> AuthKey:
        """The auth key."""
        return self._auth_key

    @property
    def session_id(self) -> int:
        """This session's id."""
        return self._session_id

    @property
    def salt(self) -> int:
        """The server salt put into outgoing messages."""
        return self._salt

    @salt.setter
    def salt(self, value: int) -> None:
        self._salt = value

    @property
    def time_offset(self) -> float:
        """Seconds added to the clock to follow the server's time (learned from the server)."""
        return self._ids.time_offset

    @property
    def pending_acks(self) -> int:
        """How many server messages wait for our acknowledgment."""
        return len(self._acks)

    # -- sending ---------------------------------------------------------------------------------

    def send(
        self,
        request: bytes | TLObject,
        *,
        content_related: bool | None = None,
        gzip: bool | None = None,
    ) -> int:
        """Queue ``request`` (a TL object or its serialization); returns its msg_id.

        The msg_id identifies the request in every event about it, even if the session has to
        send it again under a new msg_id. ``content_related`` defaults to what the constructor
        is (queries are, pings and acks are not); ``gzip`` None packs large compressible
        bodies, True or False forces the choice.
        """
        body = request if isinstance(request, bytes) else request.to_bytes()
        if len(body) < 4 or len(body) % 4:
            raise LocalProtocolError(
                f"a TL object is a positive multiple of 4 bytes, not {len(body)}"
            )
        constructor = sv.constructor_id(body)
        content = constructor not in _NOT_CONTENT if content_related is None else content_related
        config = self._config
        if gzip is None:
            if content:
                body = maybe_gzip(body, threshold=config.gzip_threshold, level=config.gzip_level)
        elif gzip:
            body = gzip_pack(body, config.gzip_level)
        stored = None if isinstance(request, bytes) else request
        out = _Outgoing(0, 0, 0, body, stored, content, tracked=constructor not in _NO_ANSWER)
        self._enqueue(out)
        return out.key

    def _send_service(self, body: bytes) -> None:
        self._enqueue(_Outgoing(0, 0, 0, body, None, False, tracked=False))

    def _enqueue(self, out: _Outgoing) -> None:
        out.msg_id = self._ids.next(MsgKind.CLIENT)
        out.seq_no = self._seq.next(out.content)
        out.container_id = None
        out.sent = False
        if not out.key:
            out.key = out.msg_id
        if out.tracked:
            self._requests[out.msg_id] = out
        else:
            self._service[out.msg_id] = out
            if len(self._service) > _SERVICE_MEMORY:
                self._service.popitem(last=False)
        self._outbox.append(Message(out.msg_id, out.seq_no, out.body))

    def _resend(self, out: _Outgoing) -> None:
        """Send ``out`` again under a new msg_id and seq_no."""
        (self._requests if out.tracked else self._service).pop(out.msg_id, None)
        self._enqueue(out)

    def pending(self) -> list[PendingRequest]:
        """The requests sent and not answered yet, oldest first."""
        return [
            PendingRequest(out.key, out.msg_id, out.request, out.body, out.acked)
            for out in sorted(self._requests.values(), key=lambda o: o.key)
        ]

    def resend_pending(self) -> None:
        """Queue every unanswered request that was sent again (after a reconnect).

        They keep their msg_ids and travel inside a container, as the spec asks for a message
        that may or may not have arrived: a server that got it does not run it twice (it sends
        its answer again instead), one that did not runs it now.
        """
        for out in sorted(self._requests.values(), key=lambda o: o.msg_id):
            if out.sent:
                out.sent = False
                self._outbox.append(Message(out.msg_id, out.seq_no, out.body), in_container=True)

    def cancel(self, msg_id: int) -> bool:
        """Stop tracking the request ``send`` returned ``msg_id`` for; False if unknown.

        Its answer, should it still come, is reported with ``request`` None.
        """
        for current, out in self._requests.items():
            if out.key == msg_id:
                del self._requests[current]
                return True
        return False

    def flush_acks(self) -> None:
        """Send pending acknowledgments with the next :meth:`data_to_send`, even alone."""
        self._ack_now = True

    def _new_container(self) -> tuple[int, int]:
        return self._ids.next(MsgKind.CLIENT), self._seq.next(False)

    def data_to_send(self) -> list[bytes]:
        """The encrypted payloads to send now, queue emptied.

        Pending acknowledgments ride along with anything else; alone they go out after
        :meth:`flush_acks` or once ``config.ack_threshold`` of them piled up.
        """
        acks = self._acks
        if acks and (self._outbox or self._ack_now or len(acks) >= self._config.ack_threshold):
            msg_ids = list(acks)
            acks.clear()
            for start in range(0, len(msg_ids), sv.MAX_IDS_PER_MESSAGE):
                chunk = msg_ids[start : start + sv.MAX_IDS_PER_MESSAGE]
                self._send_service(sv.pack_msg_ids(sv.MSGS_ACK_ID, chunk))
            for msg_id in msg_ids:
                self._window.mark(msg_id, STATE_ACKNOWLEDGED)
        self._ack_now = False
        payloads = []
        for packed in self._outbox.drain(self._new_container):
            container_id = packed.message.msg_id if packed.inner else None
            for inner in packed.inner or (packed.message,):
                out = self._requests.get(inner.msg_id) or self._service.get(inner.msg_id)
                if out is not None:
                    out.container_id = container_id
                    out.sent = True
            message = packed.message
            plain = DecryptedMessage(
                self._salt, self._session_id, message.msg_id, message.seq_no, message.body
            )
            payloads.append(encrypt_client_message(self._auth_key, plain, self._rng))
        return payloads

    # -- receiving -------------------------------------------------------------------------------

    def receive(self, payload: bytes) -> list[ClientEvent]:
        """Decrypt, check and process one payload from the server.

        Raises :class:`SecurityError` if it fails decryption, belongs to another session or
        has an even msg_id: drop it (and, as the spec recommends, reconnect). Replays and
        messages outside the time window are ignored (no events).
        """
        message = decrypt_server_message(self._auth_key, payload)
        if message.session_id != self._session_id:
            raise SecurityError("server message for another session")
        if not message.msg_id & 1:
            raise SecurityError("server message with an even msg_id")
        events: list[ClientEvent] = []
        config = self._config
        time_ok = not check_msg_id_time(
            message.msg_id, self._ids.now(), max_past=config.max_past, max_future=config.max_future
        )
        if self._window.status(message.msg_id) is not MsgIdStatus.NEW:
            return events
        top = Message(message.msg_id, message.seq_no, message.body)
        if sv.constructor_id(message.body) != sv.MSG_CONTAINER_ID:
            self._accept(top, time_ok, events)
            return events
        try:
            inner = unpack_container(message.body, max_messages=config.max_container_messages)
            if any(not m.msg_id & 1 or m.msg_id >= message.msg_id for m in inner):
                raise ContainerError("bad msg_id inside the container")
        except ContainerError as exc:
            events.append(MalformedMessage(message.msg_id, str(exc)))
            return events
        if time_ok:
            self._window.add(message.msg_id, -1, STATE_RECEIVED | STATE_NO_ACK_NEEDED)
        for item in inner:
            if self._window.status(item.msg_id) is MsgIdStatus.NEW:
                self._accept(item, time_ok, events)
        return events

    def _accept(self, message: Message, time_ok: bool, events: list[ClientEvent]) -> None:
        if not time_ok and sv.constructor_id(message.body) not in _TIME_EXEMPT:
            return
        content = bool(message.seq_no & 1)
        flags = STATE_RECEIVED if content else STATE_RECEIVED | STATE_NO_ACK_NEEDED
        self._window.add(message.msg_id, message.seq_no, flags)
        if content:
            self._acks[message.msg_id] = None
        body = message.body
        try:
            if sv.constructor_id(body) == sv.GZIP_PACKED_ID:
                body = gzip_unpack(body, max_size=self._config.max_gzip_size)
            if len(body) < 4:
                raise TLDecodeError(f"message body of {len(body)} bytes")
            handler = self._handlers.get(sv.constructor_id(body))
            if handler is None:
                events.append(UpdateReceived(message.msg_id, body, _decode_object(body)))
            else:
                handler(message, body, events)
        except (TLDecodeError, SecurityError) as exc:
            events.append(MalformedMessage(message.msg_id, str(exc)))

    # -- answers ---------------------------------------------------------------------------------

    def _answer(self, req_msg_id: int, body: bytes) -> RpcResult:
        out = self._requests.pop(req_msg_id, None)
        if out is None:
            return RpcResult(req_msg_id, body, None, _decode_object(body))
        request = out.request
        if not isinstance(request, TLRequest):
            return RpcResult(out.key, body, request, _decode_object(body))
        try:
            result = request.read_result(Reader(body))
        except _DECODE_ERRORS as exc:
            error = exc if isinstance(exc, TgError) else TLDecodeError(str(exc))
            return RpcResult(out.key, body, request, None, error)
        return RpcResult(out.key, body, request, result)

    def _on_rpc_result(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        req_msg_id, result = unpack_rpc_result(body)
        if sv.constructor_id(result) == sv.GZIP_PACKED_ID:
            result = gzip_unpack(result, max_size=self._config.max_gzip_size)
        if sv.constructor_id(result) == sv.RPC_ERROR_ID:
            code, name = sv.read_rpc_error(result)
            out = self._requests.pop(req_msg_id, None)
            key, request = (req_msg_id, None) if out is None else (out.key, out.request)
            events.append(RpcErrorReceived(key, code, name, request))
        else:
            events.append(self._answer(req_msg_id, result))

    def _on_pong(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        pong = sv.read_pong(body)
        if pong.msg_id in self._requests:
            events.append(self._answer(pong.msg_id, body))

    def _on_future_salts(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        info = sv.read_future_salts(body)
        if info.req_msg_id in self._requests:
            events.append(self._answer(info.req_msg_id, body))

    def _on_destroy_session(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        session_id = sv.read_destroy_session(body)
        for msg_id, out in self._requests.items():
            if (
                sv.constructor_id(out.body) == sv.DESTROY_SESSION_ID
                and sv.read_destroy_session(out.body) == session_id
            ):
                events.append(self._answer(msg_id, body))
                return

    # -- notifications ---------------------------------------------------------------------------

    def _take(self, msg_id: int) -> list[_Outgoing]:
        """What we sent as ``msg_id`` or inside the container ``msg_id``, removed from tracking."""
        found = [
            out
            for table in (self._requests, self._service)
            for out in table.values()
            if out.msg_id == msg_id or out.container_id == msg_id
        ]
        for out in found:
            (self._requests if out.tracked else self._service).pop(out.msg_id)
        return sorted(found, key=lambda o: o.msg_id)

    def _on_bad_msg(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        note = sv.read_bad_msg_notification(body)
        affected = self._take(note.bad_msg_id)
        if not affected:
            # Not about anything we sent recently: changing salt or clock on its word would
            # let a replayed notification steer us.
            return
        code = note.error_code
        if note.new_server_salt is not None:
            if note.new_server_salt != self._salt:
                self._salt = note.new_server_salt
                events.append(SaltChanged(self._salt))
        elif code in (16, 17):
            self._ids.resync(message.msg_id)
        elif code == 32:
            self._seq.advance(64)
        if note.new_server_salt is not None or code in _RESEND_CODES:
            for out in affected:
                self._enqueue(out)
            return
        for out in affected:
            if out.tracked:
                events.append(BadMessage(out.key, code, out.request))

    def _on_new_session(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        note = sv.read_new_session_created(body)
        if note.server_salt != self._salt:
            self._salt = note.server_salt
            events.append(SaltChanged(self._salt))
        # What we sent before the new session's first message never reached it.
        lost = sorted(
            (out for out in self._requests.values() if out.msg_id < note.first_msg_id),
            key=lambda o: o.key,
        )
        for out in lost:
            self._resend(out)
        events.append(NewSession(note.first_msg_id, note.unique_id, note.server_salt))

    def _on_ack(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        keys = []
        for msg_id in sv.read_msg_ids(body):
            out = self._requests.get(msg_id)
            if out is None:
                keys.append(msg_id)
            else:
                out.acked = True
                keys.append(out.key)
        events.append(Acked(tuple(keys)))

    def _on_state_req(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        info = bytes(self._window.state(msg_id) for msg_id in sv.read_msg_ids(body))
        self._send_service(sv.pack_msgs_state_info(message.msg_id, info))

    def _on_resend_req(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        msg_ids = sv.read_msg_ids(body)
        found = [self._requests.get(msg_id) for msg_id in msg_ids]
        again = [out for out in found if out is not None]
        if len(again) != len(found):
            return self._on_state_req(message, body, events)
        for out in again:
            self._resend(out)

    def _on_state_info(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        req_msg_id = sv.read_msgs_state_info(body).req_msg_id
        if req_msg_id in self._requests:
            events.append(self._answer(req_msg_id, body))

    def _on_all_info(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        info = sv.read_msgs_all_info(body)
        for msg_id, state in zip(info.msg_ids, info.info, strict=True):
            out = self._requests.get(msg_id)
            if out is not None and state & 7 in (STATE_NOT_RECEIVED, STATE_TOO_HIGH):
                self._resend(out)

    def _on_detailed_info(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        info = sv.read_detailed_info(body)
        if info.answer_msg_id in self._window:
            self._acks[info.answer_msg_id] = None
        else:
            self._send_service(sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, [info.answer_msg_id]))

    def _on_ping(self, message: Message, body: bytes, events: list[ClientEvent]) -> None:
        ping = sv.read_ping(body)
        self._send_service(sv.pack_pong(message.msg_id, ping.ping_id))
        events.append(PingReceived(message.msg_id, ping.ping_id, ping.disconnect_delay))


def _decode_object(body: bytes) -> object:
    """The TL object in ``body``, or None if the schema cannot read it."""
    try:
        return read_object(body)
    except _DECODE_ERRORS:
        return None
