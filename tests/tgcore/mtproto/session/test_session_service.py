"""The byte-level service codec against the generated TL classes and Telethon's (oracles)."""

from __future__ import annotations

import pytest
from telethon.tl import functions as tf
from telethon.tl import types as tt

from tgcore.mtproto.session import _service as sv
from tgcore.tl import functions, types
from tgcore.tl.errors import TLDecodeError


def test_constructor_ids_match_the_schema() -> None:
    pairs = [
        (sv.MSGS_ACK_ID, types.MsgsAck),
        (sv.BAD_MSG_NOTIFICATION_ID, types.BadMsgNotification),
        (sv.BAD_SERVER_SALT_ID, types.BadServerSalt),
        (sv.MSGS_STATE_REQ_ID, types.MsgsStateReq),
        (sv.MSGS_STATE_INFO_ID, types.MsgsStateInfo),
        (sv.MSGS_ALL_INFO_ID, types.MsgsAllInfo),
        (sv.MSG_DETAILED_INFO_ID, types.MsgDetailedInfo),
        (sv.MSG_NEW_DETAILED_INFO_ID, types.MsgNewDetailedInfo),
        (sv.MSG_RESEND_REQ_ID, types.MsgResendReq),
        (sv.FUTURE_SALT_ID, types.FutureSalt),
        (sv.FUTURE_SALTS_ID, types.FutureSalts),
        (sv.GET_FUTURE_SALTS_ID, functions.GetFutureSalts),
        (sv.PING_ID, functions.Ping),
        (sv.PING_DELAY_DISCONNECT_ID, functions.PingDelayDisconnect),
        (sv.PONG_ID, types.Pong),
        (sv.DESTROY_SESSION_ID, functions.DestroySession),
        (sv.DESTROY_SESSION_OK_ID, types.DestroySessionOk),
        (sv.DESTROY_SESSION_NONE_ID, types.DestroySessionNone),
        (sv.NEW_SESSION_CREATED_ID, types.NewSessionCreated),
        (sv.HTTP_WAIT_ID, types.HttpWait),
        (sv.RPC_ERROR_ID, types.RpcError),
    ]
    for cid, cls in pairs:
        assert cid == cls.CONSTRUCTOR_ID, cls


def test_packers_match_generated_and_telethon_bytes() -> None:
    ids = [1 << 40, -5, 7 << 33]
    assert sv.pack_msg_ids(sv.MSGS_ACK_ID, ids) == types.MsgsAck(msg_ids=ids).to_bytes()
    assert sv.pack_msg_ids(sv.MSGS_ACK_ID, ids) == bytes(tt.MsgsAck(ids))
    assert sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, ids) == bytes(tt.MsgResendReq(ids))
    assert sv.pack_bad_msg_notification(10, 3, 16) == bytes(tt.BadMsgNotification(10, 3, 16))
    assert sv.pack_bad_server_salt(10, 3, -99) == bytes(tt.BadServerSalt(10, 3, 48, -99))
    assert sv.pack_new_session_created(1, 2, 3) == bytes(tt.NewSessionCreated(1, 2, 3))
    assert sv.pack_pong(5, 6) == bytes(tt.Pong(5, 6))
    assert sv.pack_ping(6) == bytes(tf.PingRequest(6))
    assert sv.pack_destroy_session_result(9, destroyed=True) == bytes(tt.DestroySessionOk(9))
    assert sv.pack_destroy_session_result(9, destroyed=False) == bytes(tt.DestroySessionNone(9))
    assert sv.pack_msg_detailed_info(1, 3, 100) == bytes(tt.MsgDetailedInfo(1, 3, 100, 0))
    assert sv.pack_rpc_error(400, "PEER_ID_INVALID") == bytes(tt.RpcError(400, "PEER_ID_INVALID"))
    info = bytes([1, 4, 12])
    assert (
        sv.pack_msgs_state_info(77, info)
        == types.MsgsStateInfo(req_msg_id=77, info=info).to_bytes()
    )
    salts = [(100, 200, -1), (200, 300, 2)]
    expected = tt.FutureSalts(5, 150, [tt.FutureSalt(a, b, c) for a, b, c in salts])
    assert sv.pack_future_salts(5, 150, salts) == bytes(expected)


def test_readers_decode_generated_objects() -> None:
    assert sv.read_msg_ids(types.MsgsStateReq(msg_ids=[4, 8]).to_bytes()) == [4, 8]
    note = sv.read_bad_msg_notification(bytes(tt.BadServerSalt(10, 3, 48, -99)))
    assert note == sv.BadMsgNotification(10, 3, 48, -99)
    note = sv.read_bad_msg_notification(bytes(tt.BadMsgNotification(10, 3, 17)))
    assert note == sv.BadMsgNotification(10, 3, 17, None)
    assert sv.read_new_session_created(bytes(tt.NewSessionCreated(1, 2, 3))) == (
        sv.NewSessionCreated(1, 2, 3)
    )
    assert sv.read_ping(functions.Ping(ping_id=5).to_bytes()) == sv.PingRequest(5)
    body = functions.PingDelayDisconnect(ping_id=5, disconnect_delay=75).to_bytes()
    assert sv.read_ping(body) == sv.PingRequest(5, 75)
    assert sv.read_pong(bytes(tt.Pong(1, 2))) == sv.Pong(1, 2)
    assert sv.read_get_future_salts(functions.GetFutureSalts(num=3).to_bytes()) == 3
    salts = sv.read_future_salts(bytes(tt.FutureSalts(5, 150, [tt.FutureSalt(1, 2, 3)])))
    assert salts == sv.FutureSaltsInfo(5, 150, [(1, 2, 3)])
    assert sv.read_destroy_session(functions.DestroySession(session_id=-4).to_bytes()) == -4
    assert sv.read_rpc_error(bytes(tt.RpcError(420, "FLOOD_WAIT_3"))) == (420, "FLOOD_WAIT_3")
    wait = types.HttpWait(max_delay=1, wait_after=2, max_wait=3).to_bytes()
    assert sv.read_http_wait(wait) == sv.HttpWait(1, 2, 3)
    all_info = sv.read_msgs_all_info(bytes(tt.MsgsAllInfo([4, 8], "\x02\x04")))
    assert all_info == sv.MsgsInfo([4, 8], b"\x02\x04")
    detailed = sv.read_detailed_info(bytes(tt.MsgDetailedInfo(1, 3, 100, 0)))
    assert detailed == sv.DetailedInfo(1, 3, 100, 0)
    new_detailed = sv.read_detailed_info(bytes(tt.MsgNewDetailedInfo(3, 100, 0)))
    assert new_detailed == sv.DetailedInfo(None, 3, 100, 0)


def test_constructor_id_of_short_body_is_zero() -> None:
    assert sv.constructor_id(b"\x01\x02") == 0


@pytest.mark.parametrize(
    "reader, body",
    [
        (sv.read_msg_ids, bytes(tt.Pong(1, 2))),  # wrong constructor
        (sv.read_msg_ids, sv.pack_msg_ids(sv.MSGS_ACK_ID, [1])[:12]),  # truncated
        (sv.read_msg_ids, sv.pack_msg_ids(sv.MSGS_ACK_ID, [1])[:4] + b"\0" * 8),  # not a vector
        (sv.read_msg_ids, sv.pack_msg_ids(sv.MSGS_ACK_ID, [])[:8] + (8193).to_bytes(4, "little")),
        (sv.read_bad_msg_notification, bytes(tt.BadServerSalt(1, 2, 48, 3))[:20]),
        (sv.read_bad_msg_notification, bytes(tt.BadMsgNotification(1, 2, 3))[:16]),
        (sv.read_bad_msg_notification, bytes(tt.Pong(1, 2))),
        (sv.read_new_session_created, bytes(tt.NewSessionCreated(1, 2, 3))[:20]),
        (sv.read_pong, bytes(tt.Pong(1, 2))[:12]),
        (sv.read_destroy_session, bytes(tt.DestroySessionOk(1))[:8]),
        (sv.read_future_salts, bytes(tt.FutureSalts(5, 150, []))[:16] + (65).to_bytes(4, "little")),
        (sv.read_msgs_all_info, bytes(tt.MsgsAllInfo([4, 8], "\x02"))),
        (sv.read_detailed_info, bytes(tt.MsgDetailedInfo(1, 3, 100, 0))[:20]),
        (sv.read_detailed_info, bytes(tt.MsgNewDetailedInfo(3, 100, 0))[:12]),
        (sv.read_ping, b"\x00\x00"),
    ],
)
def test_malformed_service_bodies_raise_decode_errors(reader: object, body: bytes) -> None:
    with pytest.raises(TLDecodeError):
        reader(body)  # type: ignore[operator]
