"""ClientSession: sending, answers, recovery from server notifications, and security checks."""

from __future__ import annotations

import pytest
from session_support import AUTH_KEY, SESSION_ID, FakeServer, bodies_of, cid, flatten, make_client

from tgcore.errors import LocalProtocolError, SecurityError
from tgcore.mtproto.envelope import decrypt_client_message
from tgcore.mtproto.msgid import MsgKind
from tgcore.mtproto.session import (
    STATE_NOT_RECEIVED,
    STATE_RECEIVED,
    STATE_TOO_HIGH,
    Acked,
    BadMessage,
    ClientSession,
    MalformedMessage,
    Message,
    NewSession,
    PendingRequest,
    PingReceived,
    RpcErrorReceived,
    RpcResult,
    SaltChanged,
    SessionConfig,
    UpdateReceived,
    gzip_pack,
    gzip_unpack,
    pack_container,
    pack_rpc_result,
)
from tgcore.mtproto.session import _service as sv
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import functions, types
from tgcore.tl.errors import TLDecodeError

QUERY = functions.help.GetConfig()
FILE = types.upload.File(type=types.storage.FileUnknown(), mtime=3, bytes=b"data")
GET_FILE = functions.upload.GetFile(
    location=types.InputFileLocation(volume_id=1, local_id=2, secret=3, file_reference=b""),
    offset=0,
    limit=4096,
)


def out(client: ClientSession) -> list[Message]:
    return flatten(client.data_to_send(), from_server=False)


# -- sending ------------------------------------------------------------------------------------


def test_single_request_goes_out_alone(clock: FakeClock) -> None:
    client = make_client(clock, salt=77)
    msg_id = client.send(QUERY)
    assert msg_id % 4 == 0
    (payload,) = client.data_to_send()
    message = decrypt_client_message(AUTH_KEY, payload)
    assert (message.salt, message.session_id, message.msg_id, message.seq_no) == (
        77,
        SESSION_ID,
        msg_id,
        1,
    )
    assert message.body == QUERY.to_bytes()
    assert client.data_to_send() == []
    assert client.pending() == [PendingRequest(msg_id, msg_id, QUERY, QUERY.to_bytes(), False)]


def test_several_requests_share_a_container(clock: FakeClock) -> None:
    client = make_client(clock)
    first = client.send(QUERY)
    ping = client.send(functions.Ping(ping_id=1))
    (payload,) = client.data_to_send()
    container = decrypt_client_message(AUTH_KEY, payload)
    assert cid(container.body) == sv.MSG_CONTAINER_ID and container.seq_no == 2
    inner = flatten([payload], from_server=False)
    assert [(m.msg_id, m.seq_no) for m in inner] == [(first, 1), (ping, 2)]
    assert container.msg_id > ping > first


def test_request_compression(clock: FakeClock) -> None:
    client = make_client(clock)
    client.send(b"\x15\xc4\xb5\x1c" + b"a" * 2000)
    client.send(b"\x15\xc4\xb5\x1c" + b"b" * 2000, gzip=False)
    client.send(b"\x15\xc4\xb5\x1c", gzip=True)
    client.send(sv.pack_ping(1) + b"\0" * 2000)  # not content-related: never packed
    bodies = [m.body for m in out(client)]
    assert cid(bodies[0]) == sv.GZIP_PACKED_ID
    assert gzip_unpack(bodies[0], max_size=10_000) == b"\x15\xc4\xb5\x1c" + b"a" * 2000
    assert bodies[1] == b"\x15\xc4\xb5\x1c" + b"b" * 2000
    assert gzip_unpack(bodies[2], max_size=100) == b"\x15\xc4\xb5\x1c"
    assert cid(bodies[3]) == sv.PING_ID


def test_content_related_override(clock: FakeClock) -> None:
    client = make_client(clock)
    client.send(functions.Ping(ping_id=1), content_related=True)
    client.send(QUERY, content_related=False)
    assert [m.seq_no for m in out(client)] == [1, 2]


# -- answers ------------------------------------------------------------------------------------


def test_rpc_result_decoded_and_acknowledged(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    msg_id = client.send(GET_FILE)
    client.data_to_send()
    frame = server.frame(pack_rpc_result(msg_id, FILE.to_bytes()))
    (event,) = client.receive(frame)
    assert event == RpcResult(msg_id, FILE.to_bytes(), GET_FILE, FILE)
    assert client.pending() == [] and client.pending_acks == 1
    # the ack rides along with the next request
    next_id = client.send(QUERY)
    sent = out(client)
    assert sent[0].msg_id == next_id
    assert bodies_of(sent, sv.MSGS_ACK_ID) == [sv.pack_msg_ids(sv.MSGS_ACK_ID, [_last_id(server)])]


def _last_id(server: FakeServer) -> int:
    return server.ids.last


def test_gzipped_result_error_and_raw_requests(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    a = client.send(GET_FILE)
    b = client.send(QUERY)
    c = client.send(QUERY.to_bytes())
    client.data_to_send()
    big = types.upload.File(type=types.storage.FileUnknown(), mtime=3, bytes=b"\0" * 5000)
    events = client.receive(server.frame(pack_rpc_result(a, gzip_pack(big.to_bytes()))))
    assert events == [RpcResult(a, big.to_bytes(), GET_FILE, big)]
    events = client.receive(
        server.frame(pack_rpc_result(b, sv.pack_rpc_error(420, "FLOOD_WAIT_3")))
    )
    assert events == [RpcErrorReceived(b, 420, "FLOOD_WAIT_3", QUERY)]
    events = client.receive(server.frame(pack_rpc_result(c, b"\x15\xc4\xb5\x1c\0\0\0\0")))
    assert events == [RpcResult(c, b"\x15\xc4\xb5\x1c\0\0\0\0", None)]
    # answers to requests we do not know: reported with the raw id
    events = client.receive(server.frame(pack_rpc_result(12, b"\x15\xc4\xb5\x1c\0\0\0\0")))
    assert events == [RpcResult(12, b"\x15\xc4\xb5\x1c\0\0\0\0")]
    events = client.receive(server.frame(pack_rpc_result(16, sv.pack_rpc_error(500, "X"))))
    assert events == [RpcErrorReceived(16, 500, "X")]


def test_undecodable_result_is_reported(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    msg_id = client.send(GET_FILE)
    (event,) = client.receive(server.frame(pack_rpc_result(msg_id, sv.pack_pong(1, 2))))
    assert isinstance(event, RpcResult) and event.result is None
    assert isinstance(event.decode_error, TLDecodeError)


def test_undecodable_result_from_a_non_tl_error(clock: FakeClock) -> None:
    class Weird(functions.help.GetConfig):
        __slots__ = ()

        def read_result(self, reader: object) -> object:
            raise ValueError("boom")

    client = make_client(clock)
    server = FakeServer(clock)
    msg_id = client.send(Weird())
    (event,) = client.receive(server.frame(pack_rpc_result(msg_id, b"\0\0\0\0")))
    assert isinstance(event, RpcResult) and isinstance(event.decode_error, TLDecodeError)


def test_service_answers_outside_rpc_result(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    ping = functions.Ping(ping_id=9)
    ping_id = client.send(ping)
    salts_id = client.send(functions.GetFutureSalts(num=1))
    destroy = functions.DestroySession(session_id=42)
    destroy_id = client.send(destroy)
    other_destroy_id = client.send(functions.DestroySession(session_id=43))
    client.data_to_send()
    pong = sv.pack_pong(ping_id, 9)
    (event,) = client.receive(server.frame(pong, content=False))
    assert event == RpcResult(ping_id, pong, ping, types.Pong(msg_id=ping_id, ping_id=9))
    assert client.receive(server.frame(pong, content=False)) == []  # answered already
    salts = sv.pack_future_salts(salts_id, 100, [(1, 2, 3)])
    (event,) = client.receive(server.frame(salts, content=False))
    assert isinstance(event, RpcResult) and event.req_msg_id == salts_id
    assert isinstance(event.result, types.FutureSalts)
    assert client.receive(server.frame(salts, content=False)) == []
    ok = sv.pack_destroy_session_result(42, destroyed=True)
    (event,) = client.receive(server.frame(ok))
    assert event == RpcResult(destroy_id, ok, destroy, types.DestroySessionOk(session_id=42))
    assert client.receive(server.frame(ok)) == []  # nothing pending for 42 any more
    assert [p.msg_id for p in client.pending()] == [other_destroy_id]


# -- recovery -----------------------------------------------------------------------------------


def test_bad_server_salt_adopts_the_salt_and_resends(clock: FakeClock) -> None:
    client = make_client(clock, salt=0)
    server = FakeServer(clock)
    key = client.send(QUERY)
    ping = client.send(functions.Ping(ping_id=1))
    (payload,) = client.data_to_send()
    container_id = decrypt_client_message(AUTH_KEY, payload).msg_id
    # unrelated notifications change nothing
    assert client.receive(server.frame(sv.pack_bad_server_salt(4, 1, 555), content=False)) == []
    assert client.salt == 0
    events = client.receive(
        server.frame(sv.pack_bad_server_salt(container_id, 4, 555), content=False)
    )
    assert events == [SaltChanged(555)] and client.salt == 555
    (payload,) = client.data_to_send()
    again = decrypt_client_message(AUTH_KEY, payload)
    assert again.salt == 555
    resent = flatten([payload], from_server=False)
    assert [m.body for m in resent] == [QUERY.to_bytes(), functions.Ping(ping_id=1).to_bytes()]
    assert all(m.msg_id > container_id for m in resent)
    assert [p.msg_id for p in client.pending()] == [key, ping]
    assert [p.current_msg_id for p in client.pending()] == [m.msg_id for m in resent]
    # the answer to the new msg_id is reported under the original one
    (event,) = client.receive(server.frame(pack_rpc_result(resent[0].msg_id, b"\0\0\0\0")))
    assert isinstance(event, RpcResult) and event.req_msg_id == key
    # a bad_server_salt with the salt we already have: resent, no SaltChanged
    client.flush_acks()
    (payload,) = client.data_to_send()
    (ack,) = flatten([payload], from_server=False)
    assert (
        client.receive(server.frame(sv.pack_bad_server_salt(ack.msg_id, 2, 555), content=False))
        == []
    )
    assert bodies_of(out(client), sv.MSGS_ACK_ID)


@pytest.mark.parametrize("code, skew", [(16, 600.0), (17, -600.0)])
def test_wrong_clock_is_corrected_from_the_notification(code: int, skew: float) -> None:
    server_clock = FakeClock(1_700_000_000.0)
    client_clock = FakeClock(1_700_000_000.0 - skew)
    client = make_client(client_clock)
    server = FakeServer(server_clock)
    key = client.send(QUERY)
    client.data_to_send()
    # the notification's own time is far from ours, yet it is processed
    events = client.receive(server.frame(sv.pack_bad_msg_notification(key, 1, code), content=False))
    assert events == []
    assert client.time_offset == pytest.approx(skew, abs=1)
    (resent,) = out(client)
    assert abs(resent.msg_id / 2**32 - server_clock()) < 1
    # other messages far from our (corrected) time are still ignored
    stale = FakeServer(FakeClock(server_clock() - 1000))
    assert client.receive(stale.frame(pack_rpc_result(resent.msg_id, b"\0\0\0\0"))) == []


def test_wrong_clock_notification_inside_a_container() -> None:
    server_clock = FakeClock(1_700_000_000.0)
    client = make_client(FakeClock(1_700_000_000.0 + 900))
    server = FakeServer(server_clock)
    key = client.send(QUERY)
    client.data_to_send()
    note = server.inner(sv.pack_bad_msg_notification(key, 1, 17), content=False)
    other = server.inner(sv.pack_pong(1, 2), content=False)
    assert client.receive(server.container([note, other])) == []
    assert client.time_offset == pytest.approx(-900, abs=1)
    assert [m.body for m in out(client)] == [QUERY.to_bytes()]


def test_seq_no_notifications(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    key = client.send(QUERY)
    client.data_to_send()
    client.receive(server.frame(sv.pack_bad_msg_notification(key, 1, 32), content=False))
    (resent,) = out(client)
    assert resent.seq_no == 2 * 65 + 1
    client.receive(server.frame(sv.pack_bad_msg_notification(resent.msg_id, 1, 33), content=False))
    (again,) = out(client)
    assert again.seq_no > resent.seq_no and again.msg_id > resent.msg_id
    assert [p.msg_id for p in client.pending()] == [key]


def test_unrecoverable_codes_fail_the_requests(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    client.receive(server.frame(types.UpdatesTooLong().to_bytes()))  # an ack rides along
    a = client.send(QUERY)
    b = client.send(GET_FILE)
    (payload,) = client.data_to_send()
    container_id = decrypt_client_message(AUTH_KEY, payload).msg_id
    events = client.receive(
        server.frame(sv.pack_bad_msg_notification(container_id, 2, 64), content=False)
    )
    assert events == [BadMessage(a, 64, QUERY), BadMessage(b, 64, GET_FILE)]
    assert client.pending() == []
    assert client.data_to_send() == []


def test_cancelled_before_sending_and_many_service_messages(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    key = client.send(QUERY)
    client.send(GET_FILE)
    assert client.cancel(key)
    assert len(out(client)) == 2  # still sent, just not tracked
    for ping_id in range(300):  # more pongs than the session remembers
        client.receive(server.frame(sv.pack_ping(ping_id), content=False))
    assert len(bodies_of(out(client), sv.PONG_ID)) == 300


def test_new_session_created(clock: FakeClock) -> None:
    client = make_client(clock, salt=1)
    server = FakeServer(clock)
    lost = client.send(QUERY)
    client.data_to_send()
    kept = client.send(GET_FILE)
    client.data_to_send()
    note = sv.pack_new_session_created(kept, 123, 999)
    events = client.receive(server.frame(note, kind=MsgKind.SERVER_PUSH))
    assert events == [SaltChanged(999), NewSession(kept, 123, 999)]
    assert client.salt == 999
    sent = out(client)
    assert [m.body for m in sent if cid(m.body) != sv.MSGS_ACK_ID] == [QUERY.to_bytes()]
    assert [p.msg_id for p in client.pending()] == [lost, kept]
    # same salt again: no SaltChanged
    events = client.receive(server.frame(note, kind=MsgKind.SERVER_PUSH))
    assert events == [NewSession(kept, 123, 999)]


def test_acks_from_the_server(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    key = client.send(QUERY)
    client.data_to_send()
    events = client.receive(server.frame(sv.pack_msg_ids(sv.MSGS_ACK_ID, [key, 4]), content=False))
    assert events == [Acked((key, 4))]
    assert client.pending()[0].acked
    assert client.pending_acks == 0


def test_state_and_resend_requests_from_the_server(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    key = client.send(QUERY)
    client.data_to_send()
    seen = server.frame(sv.pack_pong(5, 5), content=False)
    client.receive(seen)
    seen_id = server.ids.last
    req = server.frame(
        sv.pack_msg_ids(sv.MSGS_STATE_REQ_ID, [seen_id, seen_id + 4000]), content=False
    )
    client.receive(req)
    (info,) = bodies_of(out(client), sv.MSGS_STATE_INFO_ID)
    assert info == sv.pack_msgs_state_info(
        server.ids.last, bytes([STATE_RECEIVED | 16, STATE_TOO_HIGH])
    )
    # resend of our own request: it goes out again
    client.receive(server.frame(sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, [key]), content=False))
    (resent,) = out(client)
    assert resent.body == QUERY.to_bytes() and resent.msg_id != key
    # resend of something unknown: a state answer instead
    client.receive(server.frame(sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, [8]), content=False))
    (info,) = out(client)
    assert cid(info.body) == sv.MSGS_STATE_INFO_ID
    # msgs_state_info from the server needs nothing
    assert client.receive(server.frame(sv.pack_msgs_state_info(1, b"\x04"), content=False)) == []
    assert client.data_to_send() == []


def test_all_info_and_detailed_info(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    a = client.send(QUERY)
    b = client.send(GET_FILE)
    client.data_to_send()
    states = bytes([STATE_NOT_RECEIVED, STATE_RECEIVED])
    body = sv.MSGS_ALL_INFO_ID.to_bytes(4, "little") + sv.pack_msg_ids(0, [a, b])[4:]
    body += bytes([len(states)]) + states + b"\0"
    assert client.receive(server.frame(body, content=False)) == []
    (resent,) = out(client)
    assert resent.body == QUERY.to_bytes()
    # detailed info about an answer we have: acknowledge it
    client.receive(server.frame(sv.pack_pong(1, 1), content=False))
    have = server.ids.last
    client.receive(server.frame(sv.pack_msg_detailed_info(a, have, 10), content=False))
    client.flush_acks()
    (ack,) = out(client)
    assert sv.read_msg_ids(ack.body) == [have]
    # ... and about one we missed: ask for it
    missing = have + 4000
    client.receive(server.frame(sv.pack_msg_detailed_info(a, missing, 10), content=False))
    (ask,) = out(client)
    assert ask.body == sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, [missing])


def test_server_ping_and_updates(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    events = client.receive(server.frame(sv.pack_ping(8), content=False, kind=MsgKind.SERVER_PUSH))
    ping_msg_id = server.ids.last
    assert events == [PingReceived(ping_msg_id, 8)]
    assert bodies_of(out(client), sv.PONG_ID) == [sv.pack_pong(ping_msg_id, 8)]
    update = types.UpdatesTooLong()
    (event,) = client.receive(server.frame(update.to_bytes(), kind=MsgKind.SERVER_PUSH))
    assert event == UpdateReceived(server.ids.last, update.to_bytes(), update)
    unknown = b"\x01\x02\x03\x04"
    (event,) = client.receive(server.frame(unknown, kind=MsgKind.SERVER_PUSH))
    assert event == UpdateReceived(server.ids.last, unknown, None)
    gz = gzip_pack(update.to_bytes())
    (event,) = client.receive(server.frame(gz, kind=MsgKind.SERVER_PUSH))
    assert event.obj == update  # type: ignore[union-attr]


def test_ack_threshold_and_flush(clock: FakeClock) -> None:
    client = make_client(clock, config=SessionConfig(ack_threshold=2))
    server = FakeServer(clock)
    client.receive(server.frame(types.UpdatesTooLong().to_bytes()))
    assert client.data_to_send() == []
    client.flush_acks()
    (ack,) = out(client)
    assert ack.seq_no % 2 == 0
    client.receive(server.frame(types.UpdatesTooLong().to_bytes()))
    client.receive(server.frame(types.UpdatesTooLong().to_bytes()))
    (ack,) = out(client)
    assert len(sv.read_msg_ids(ack.body)) == 2


def test_pending_resend_and_cancel(clock: FakeClock) -> None:
    client = make_client(clock)
    a = client.send(QUERY)
    client.data_to_send()
    b = client.send(GET_FILE)  # not sent yet: resend_pending leaves it alone
    client.resend_pending()
    client.resend_pending()  # twice in a row: still once
    (payload,) = client.data_to_send()
    container = decrypt_client_message(AUTH_KEY, payload)
    assert cid(container.body) == sv.MSG_CONTAINER_ID
    resent = flatten([payload], from_server=False)
    # the old request keeps its msg_id (so the server can tell it is a repeat)
    assert sorted((m.msg_id, m.body) for m in resent) == [
        (a, QUERY.to_bytes()),
        (b, GET_FILE.to_bytes()),
    ]
    assert [p.msg_id for p in client.pending()] == [a, b]
    assert [p.current_msg_id for p in client.pending()] == [a, b]
    # a lone re-sent request still travels in a container
    client.cancel(b)
    client.resend_pending()
    (payload,) = client.data_to_send()
    assert cid(decrypt_client_message(AUTH_KEY, payload).body) == sv.MSG_CONTAINER_ID
    assert client.cancel(a) and not client.cancel(a)
    assert client.pending() == []


def test_properties(clock: FakeClock) -> None:
    client = ClientSession(AUTH_KEY, rng=SeededRandom(3), clock=clock, time_offset=2.5)
    assert client.session_id == int.from_bytes(SeededRandom(3)(8), "little", signed=True)
    assert client.time_offset == 2.5 and client.auth_key == AUTH_KEY
    client.salt = 17
    assert client.salt == 17


# -- security checks ----------------------------------------------------------------------------


def test_wrong_session_id_is_refused(clock: FakeClock) -> None:
    client = make_client(clock)
    with pytest.raises(SecurityError):
        client.receive(FakeServer(clock).frame(sv.pack_pong(1, 2), session_id=SESSION_ID + 1))


def test_even_server_msg_id_is_refused(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    msg_id = server.ids.next(MsgKind.CLIENT)
    with pytest.raises(SecurityError):
        client.receive(server.frame(sv.pack_pong(1, 2), msg_id=msg_id))


def test_tampered_payload_is_refused(clock: FakeClock) -> None:
    client = make_client(clock)
    payload = bytearray(FakeServer(clock).frame(sv.pack_pong(1, 2)))
    payload[40] ^= 4
    with pytest.raises(SecurityError):
        client.receive(bytes(payload))


def test_replays_and_stale_messages_are_ignored(clock: FakeClock) -> None:
    client = make_client(clock, config=SessionConfig(msg_id_window=2))
    server = FakeServer(clock)
    update = types.UpdatesTooLong().to_bytes()
    early = server.ids.next(MsgKind.SERVER_PUSH)
    frame = server.frame(update)
    assert len(client.receive(frame)) == 1
    assert client.receive(frame) == []  # duplicate
    client.receive(server.frame(update))
    client.receive(server.frame(update))
    assert client.receive(server.frame(update, msg_id=early)) == []  # below the window
    old = FakeServer(FakeClock(clock() - 301))
    assert client.receive(old.frame(update)) == []
    new = FakeServer(FakeClock(clock() + 31))
    assert client.receive(new.frame(update)) == []


def test_bad_containers_from_the_server(clock: FakeClock) -> None:
    client = make_client(clock)
    server = FakeServer(clock)
    update = types.UpdatesTooLong().to_bytes()
    even = Message(server.ids.next(MsgKind.CLIENT), 1, update)
    (event,) = client.receive(server.container([even]))
    assert isinstance(event, MalformedMessage)
    container_id = server.ids.next(MsgKind.SERVER_PUSH)
    late = server.inner(update)
    (event,) = client.receive(server.container([late], msg_id=container_id))
    assert isinstance(event, MalformedMessage)
    truncated = server.frame(pack_container([server.inner(update)])[:-4], content=False)
    (event,) = client.receive(truncated)
    assert isinstance(event, MalformedMessage)
    # a good container with a message seen before: only the new one is processed
    seen = server.inner(update)
    client.receive(server.container([seen]))
    fresh = server.inner(update)
    events = client.receive(server.container([seen, fresh]))
    assert [e.msg_id for e in events] == [fresh.msg_id]  # type: ignore[union-attr]


def test_bombs_and_broken_service_messages(clock: FakeClock) -> None:
    client = make_client(clock, config=SessionConfig(max_gzip_size=1000))
    server = FakeServer(clock)
    bomb = gzip_pack(types.UpdatesTooLong().to_bytes() + b"\0" * 10_000)
    (event,) = client.receive(server.frame(bomb))
    assert isinstance(event, MalformedMessage)
    (event,) = client.receive(server.frame(sv.pack_pong(1, 2)[:8]))
    assert isinstance(event, MalformedMessage)
    key = client.send(QUERY)
    (event,) = client.receive(server.frame(pack_rpc_result(key, bomb)))
    assert isinstance(event, MalformedMessage)


def test_misaligned_bodies_are_caller_errors(clock: FakeClock) -> None:
    client = make_client(clock)
    with pytest.raises(LocalProtocolError):
        client.send(b"\x01\x02\x03")
    with pytest.raises(LocalProtocolError):
        client.send(b"\x01\x02\x03\x04\x05")


def test_empty_server_body_is_malformed(clock: FakeClock) -> None:
    client = make_client(clock)
    (event,) = client.receive(FakeServer(clock).frame(b""))
    assert isinstance(event, MalformedMessage)
