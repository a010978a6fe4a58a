"""Byte-level codec of the MTProto service messages that the session itself reads and writes.

The session touches only these few fixed-layout constructors (acks, notifications, pings,
salts, message-status queries), so it encodes and decodes them directly with the TL
primitives: no registry lookup on the hot path, a hard cap on every vector length, and
``info`` strings kept as raw bytes (their status bytes go above 127, which a text ``string``
would mangle). Everything else (RPC queries, results, updates) stays opaque bytes here.
"""

from __future__ import annotations

import struct

import attrs

from tgcore.tl.errors import TLDecodeError
from tgcore.tl.primitives import VECTOR_ID, Reader, pack_bytes, pack_string

__all__ = [
    "BAD_MSG_NOTIFICATION_ID",
    "BAD_SERVER_SALT_ID",
    "BadMsgNotification",
    "DESTROY_SESSION_ID",
    "DESTROY_SESSION_NONE_ID",
    "DESTROY_SESSION_OK_ID",
    "DetailedInfo",
    "FUTURE_SALTS_ID",
    "FUTURE_SALT_ID",
    "FutureSaltsInfo",
    "GET_FUTURE_SALTS_ID",
    "GZIP_PACKED_ID",
    "HTTP_WAIT_ID",
    "HttpWait",
    "MAX_IDS_PER_MESSAGE",
    "MSGS_ACK_ID",
    "MSGS_ALL_INFO_ID",
    "MSGS_STATE_INFO_ID",
    "MSGS_STATE_REQ_ID",
    "MSG_CONTAINER_ID",
    "MSG_COPY_ID",
    "MSG_DETAILED_INFO_ID",
    "MSG_NEW_DETAILED_INFO_ID",
    "MSG_RESEND_ANS_REQ_ID",
    "MSG_RESEND_REQ_ID",
    "MsgsInfo",
    "NEW_SESSION_CREATED_ID",
    "NewSessionCreated",
    "PING_DELAY_DISCONNECT_ID",
    "PING_ID",
    "PONG_ID",
    "PingRequest",
    "Pong",
    "RPC_ERROR_ID",
    "RPC_RESULT_ID",
    "StateInfo",
    "constructor_id",
    "pack_bad_msg_notification",
    "pack_bad_server_salt",
    "pack_destroy_session_result",
    "pack_future_salts",
    "pack_msg_detailed_info",
    "pack_msg_ids",
    "pack_msgs_state_info",
    "pack_new_session_created",
    "pack_ping",
    "pack_pong",
    "pack_rpc_error",
    "read_bad_msg_notification",
    "read_destroy_session",
    "read_detailed_info",
    "read_future_salts",
    "read_get_future_salts",
    "read_http_wait",
    "read_msg_ids",
    "read_msgs_all_info",
    "read_msgs_state_info",
    "read_new_session_created",
    "read_ping",
    "read_pong",
    "read_rpc_error",
]

# Envelope constructors (the session handles these at the byte level).
RPC_RESULT_ID = 0xF35C6D01
MSG_CONTAINER_ID = 0x73F1F8DC
GZIP_PACKED_ID = 0x3072CFA1
MSG_COPY_ID = 0xE06046B2

RPC_ERROR_ID = 0x2144CA19
MSGS_ACK_ID = 0x62D6B459
BAD_MSG_NOTIFICATION_ID = 0xA7EFF811
BAD_SERVER_SALT_ID = 0xEDAB447B
MSGS_STATE_REQ_ID = 0xDA69FB52
MSGS_STATE_INFO_ID = 0x04DEB57D
MSGS_ALL_INFO_ID = 0x8CC0D131
MSG_DETAILED_INFO_ID = 0x276D3EC6
MSG_NEW_DETAILED_INFO_ID = 0x809DB6DF
MSG_RESEND_REQ_ID = 0x7D861A08
MSG_RESEND_ANS_REQ_ID = 0x8610BAEB
FUTURE_SALT_ID = 0x0949D9DC
FUTURE_SALTS_ID = 0xAE500895
GET_FUTURE_SALTS_ID = 0xB921BD04
PING_ID = 0x7ABE77EC
PING_DELAY_DISCONNECT_ID = 0xF3427B8C
PONG_ID = 0x347773C5
DESTROY_SESSION_ID = 0xE7512126
DESTROY_SESSION_OK_ID = 0xE22045FC
DESTROY_SESSION_NONE_ID = 0x62D350C9
NEW_SESSION_CREATED_ID = 0x9EC20908
HTTP_WAIT_ID = 0x9299359F

#: The spec's cap on the msg_ids in one msgs_ack, msgs_state_req or msg_resend_req.
MAX_IDS_PER_MESSAGE = 8192

_U32 = struct.Struct("<I")
_ID_LONG = struct.Struct("<Iq")
_ID_LONG_LONG = struct.Struct("<Iqq")
_ID_LONG_LONG_LONG = struct.Struct("<Iqqq")
_BAD_MSG = struct.Struct("<Iqii")
_BAD_SALT = struct.Struct("<Iqiiq")
_DETAILED = struct.Struct("<Iqqii")
_NEW_DETAILED = struct.Struct("<Iqii")
_FUTURE_SALT = struct.Struct("<iiq")
_VECTOR_HEAD = struct.Struct("<Ii")


def constructor_id(body: bytes) -> int:
    """The boxed constructor id at the start of ``body`` (0 if it is shorter than 4 bytes)."""
    if len(body) < 4:
        return 0
    return int(_U32.unpack_from(body)[0])


def _open(body: bytes, expected: tuple[int, ...]) -> Reader:
    reader = Reader(body)
    cid = reader.read_uint()
    if cid not in expected:
        raise TLDecodeError(f"expected constructor {expected}, got 0x{cid:08x}")
    return reader


# -- vectors of msg_ids: msgs_ack, msgs_state_req, msg_resend_req -------------------------------


def pack_msg_ids(cid: int, msg_ids: list[int]) -> bytes:
    """``cid msg_ids:Vector<long>`` (msgs_ack, msgs_state_req, msg_resend_req)."""
    return _U32.pack(cid) + _pack_long_vector(msg_ids)


def _pack_long_vector(values: list[int]) -> bytes:
    return _VECTOR_HEAD.pack(VECTOR_ID, len(values)) + struct.pack(f"<{len(values)}q", *values)


def _read_long_vector(reader: Reader) -> list[int]:
    if reader.read_uint() != VECTOR_ID:
        raise TLDecodeError("expected Vector<long>")
    count = reader.read_int()
    if not 0 <= count <= MAX_IDS_PER_MESSAGE:
        raise TLDecodeError(f"msg_ids vector of {count} items (at most {MAX_IDS_PER_MESSAGE})")
    return list(struct.unpack(f"<{count}q", reader.read_raw(8 * count)))


def read_msg_ids(body: bytes) -> list[int]:
    """The msg_ids of a msgs_ack, msgs_state_req, msg_resend_req or msg_resend_ans_req."""
    reader = _open(body, (MSGS_ACK_ID, MSGS_STATE_REQ_ID, MSG_RESEND_REQ_ID, MSG_RESEND_ANS_REQ_ID))
    return _read_long_vector(reader)


# -- message status -----------------------------------------------------------------------------


@attrs.frozen
class MsgsInfo:
    """msgs_all_info: one status byte of ``info`` per msg_id."""

    msg_ids: list[int]
    info: bytes


def pack_msgs_state_info(req_msg_id: int, info: bytes) -> bytes:
    """``msgs_state_info req_msg_id:long info:string`` with ``info`` as raw status bytes."""
    return _ID_LONG.pack(MSGS_STATE_INFO_ID, req_msg_id) + pack_bytes(info)


@attrs.frozen
class StateInfo:
    """msgs_state_info: one status byte of ``info`` per msg_id asked about in ``req_msg_id``."""

    req_msg_id: int
    info: bytes


def read_msgs_state_info(body: bytes) -> StateInfo:
    """A msgs_state_info."""
    reader = _open(body, (MSGS_STATE_INFO_ID,))
    return StateInfo(reader.read_long(), reader.read_bytes())


def read_msgs_all_info(body: bytes) -> MsgsInfo:
    """A msgs_all_info; the info string must hold one byte per msg_id."""
    reader = _open(body, (MSGS_ALL_INFO_ID,))
    msg_ids = _read_long_vector(reader)
    info = reader.read_bytes()
    if len(info) != len(msg_ids):
        raise TLDecodeError("msgs_all_info info length differs from its msg_ids count")
    return MsgsInfo(msg_ids, info)


@attrs.frozen
class DetailedInfo:
    """msg_detailed_info (``msg_id`` set) or msg_new_detailed_info (``msg_id`` None)."""

    msg_id: int | None
    answer_msg_id: int
    bytes: int
    status: int


def pack_msg_detailed_info(msg_id: int, answer_msg_id: int, size: int, status: int = 0) -> bytes:
    """A msg_detailed_info about the answer ``answer_msg_id`` to ``msg_id``."""
    return _DETAILED.pack(MSG_DETAILED_INFO_ID, msg_id, answer_msg_id, size, status)


def read_detailed_info(body: bytes) -> DetailedInfo:
    """A msg_detailed_info or msg_new_detailed_info."""
    if constructor_id(body) == MSG_DETAILED_INFO_ID:
        if len(body) < _DETAILED.size:
            raise TLDecodeError("truncated msg_detailed_info")
        _, msg_id, answer, size, status = _DETAILED.unpack_from(body)
        return DetailedInfo(msg_id, answer, size, status)
    _open(body, (MSG_NEW_DETAILED_INFO_ID,))
    if len(body) < _NEW_DETAILED.size:
        raise TLDecodeError("truncated msg_new_detailed_info")
    _, answer, size, status = _NEW_DETAILED.unpack_from(body)
    return DetailedInfo(None, answer, size, status)


# -- notifications about a bad message ----------------------------------------------------------


@attrs.frozen
class BadMsgNotification:
    """bad_msg_notification, or bad_server_salt when ``new_server_salt`` is set."""

    bad_msg_id: int
    bad_msg_seqno: int
    error_code: int
    new_server_salt: int | None = None


def pack_bad_msg_notification(bad_msg_id: int, bad_msg_seqno: int, error_code: int) -> bytes:
    """``bad_msg_notification bad_msg_id:long bad_msg_seqno:int error_code:int``."""
    return _BAD_MSG.pack(BAD_MSG_NOTIFICATION_ID, bad_msg_id, bad_msg_seqno, error_code)


def pack_bad_server_salt(bad_msg_id: int, bad_msg_seqno: int, new_server_salt: int) -> bytes:
    """``bad_server_salt`` with error_code 48 and the salt to use from now on."""
    return _BAD_SALT.pack(BAD_SERVER_SALT_ID, bad_msg_id, bad_msg_seqno, 48, new_server_salt)


def read_bad_msg_notification(body: bytes) -> BadMsgNotification:
    """A bad_msg_notification or a bad_server_salt."""
    if constructor_id(body) == BAD_SERVER_SALT_ID:
        if len(body) < _BAD_SALT.size:
            raise TLDecodeError("truncated bad_server_salt")
        _, msg_id, seqno, code, salt = _BAD_SALT.unpack_from(body)
        return BadMsgNotification(msg_id, seqno, code, salt)
    _open(body, (BAD_MSG_NOTIFICATION_ID,))
    if len(body) < _BAD_MSG.size:
        raise TLDecodeError("truncated bad_msg_notification")
    _, msg_id, seqno, code = _BAD_MSG.unpack_from(body)
    return BadMsgNotification(msg_id, seqno, code)


# -- session lifetime ---------------------------------------------------------------------------


@attrs.frozen
class NewSessionCreated:
    """new_session_created: the server started a session at ``first_msg_id``."""

    first_msg_id: int
    unique_id: int
    server_salt: int


def pack_new_session_created(first_msg_id: int, unique_id: int, server_salt: int) -> bytes:
    """``new_session_created first_msg_id:long unique_id:long server_salt:long``."""
    return _ID_LONG_LONG_LONG.pack(NEW_SESSION_CREATED_ID, first_msg_id, unique_id, server_salt)


def read_new_session_created(body: bytes) -> NewSessionCreated:
    """A new_session_created."""
    _open(body, (NEW_SESSION_CREATED_ID,))
    if len(body) < _ID_LONG_LONG_LONG.size:
        raise TLDecodeError("truncated new_session_created")
    _, first, unique, salt = _ID_LONG_LONG_LONG.unpack_from(body)
    return NewSessionCreated(first, unique, salt)


def pack_destroy_session_result(session_id: int, *, destroyed: bool) -> bytes:
    """destroy_session_ok (``destroyed``) or destroy_session_none."""
    cid = DESTROY_SESSION_OK_ID if destroyed else DESTROY_SESSION_NONE_ID
    return _ID_LONG.pack(cid, session_id)


def read_destroy_session(body: bytes) -> int:
    """The session_id of a destroy_session query or of its ok/none answer."""
    _open(body, (DESTROY_SESSION_ID, DESTROY_SESSION_OK_ID, DESTROY_SESSION_NONE_ID))
    if len(body) < _ID_LONG.size:
        raise TLDecodeError("truncated destroy_session")
    return int(_ID_LONG.unpack_from(body)[1])


# -- ping ---------------------------------------------------------------------------------------


@attrs.frozen
class PingRequest:
    """ping, or ping_delay_disconnect when ``disconnect_delay`` is set."""

    ping_id: int
    disconnect_delay: int | None = None


def pack_ping(ping_id: int) -> bytes:
    """``ping ping_id:long``."""
    return _ID_LONG.pack(PING_ID, ping_id)


def read_ping(body: bytes) -> PingRequest:
    """A ping or ping_delay_disconnect."""
    reader = _open(body, (PING_ID, PING_DELAY_DISCONNECT_ID))
    ping_id = reader.read_long()
    if constructor_id(body) == PING_DELAY_DISCONNECT_ID:
        return PingRequest(ping_id, reader.read_int())
    return PingRequest(ping_id)


@attrs.frozen
class Pong:
    """pong: the answer to the ping in message ``msg_id``."""

    msg_id: int
    ping_id: int


def pack_pong(msg_id: int, ping_id: int) -> bytes:
    """``pong msg_id:long ping_id:long``."""
    return _ID_LONG_LONG.pack(PONG_ID, msg_id, ping_id)


def read_pong(body: bytes) -> Pong:
    """A pong."""
    _open(body, (PONG_ID,))
    if len(body) < _ID_LONG_LONG.size:
        raise TLDecodeError("truncated pong")
    _, msg_id, ping_id = _ID_LONG_LONG.unpack_from(body)
    return Pong(msg_id, ping_id)


# -- salts --------------------------------------------------------------------------------------


@attrs.frozen
class FutureSaltsInfo:
    """future_salts: ``(valid_since, valid_until, salt)`` triples answering ``req_msg_id``."""

    req_msg_id: int
    now: int
    salts: list[tuple[int, int, int]]


def read_get_future_salts(body: bytes) -> int:
    """The ``num`` of a get_future_salts query."""
    return _open(body, (GET_FUTURE_SALTS_ID,)).read_int()


def pack_future_salts(req_msg_id: int, now: int, salts: list[tuple[int, int, int]]) -> bytes:
    """``future_salts req_msg_id:long now:int salts:vector<future_salt>`` (a bare vector)."""
    parts = [_ID_LONG.pack(FUTURE_SALTS_ID, req_msg_id), struct.pack("<ii", now, len(salts))]
    parts.extend(_FUTURE_SALT.pack(since, until, salt) for since, until, salt in salts)
    return b"".join(parts)


def read_future_salts(body: bytes) -> FutureSaltsInfo:
    """A future_salts."""
    reader = _open(body, (FUTURE_SALTS_ID,))
    req_msg_id = reader.read_long()
    now = reader.read_int()
    count = reader.read_int()
    if not 0 <= count <= 64:
        raise TLDecodeError(f"future_salts with {count} salts")
    raw = reader.read_raw(_FUTURE_SALT.size * count)
    salts = [(int(a), int(b), int(c)) for a, b, c in _FUTURE_SALT.iter_unpack(raw)]
    return FutureSaltsInfo(req_msg_id, now, salts)


# -- errors and long poll -----------------------------------------------------------------------


def pack_rpc_error(code: int, message: str) -> bytes:
    """``rpc_error error_code:int error_message:string``."""
    return struct.pack("<Ii", RPC_ERROR_ID, code) + pack_string(message)


def read_rpc_error(body: bytes) -> tuple[int, str]:
    """``(error_code, error_message)`` of an rpc_error."""
    reader = _open(body, (RPC_ERROR_ID,))
    return reader.read_int(), reader.read_string()


@attrs.frozen
class HttpWait:
    """http_wait: long-poll parameters, in milliseconds."""

    max_delay: int
    wait_after: int
    max_wait: int


def read_http_wait(body: bytes) -> HttpWait:
    """An http_wait."""
    reader = _open(body, (HTTP_WAIT_ID,))
    return HttpWait(reader.read_int(), reader.read_int(), reader.read_int())
