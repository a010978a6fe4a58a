"""ServerSession: checks (each fed bad input), service messages, answers, acks, re-sends."""

from __future__ import annotations

import struct

import pytest
from session_support import AUTH_KEY, SESSION_ID, FakeClient, bodies_of, cid, flatten, make_server

from tgcore.errors import LocalProtocolError, SecurityError
from tgcore.mtproto.envelope import (
    DecryptedMessage,
    decrypt_server_message,
    encrypt_client_message,
)
from tgcore.mtproto.session import (
    STATE_ACKNOWLEDGED,
    STATE_ANSWERED,
    STATE_NO_ACK_NEEDED,
    STATE_NOT_RECEIVED,
    STATE_RECEIVED,
    STATE_RPC,
    STATE_TOO_HIGH,
    Acked,
    BadMessage,
    DestroySessionRequested,
    HttpWaitReceived,
    MalformedMessage,
    Message,
    PingReceived,
    RpcCall,
    SaltSchedule,
    ServerSession,
    SessionConfig,
    gzip_pack,
    gzip_unpack,
    pack_container,
    unpack_rpc_result,
)
from tgcore.mtproto.session import _service as sv
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import functions, types

QUERY = functions.help.GetConfig().to_bytes()


@pytest.fixture
def setup(clock: FakeClock) -> tuple[ServerSession, SaltSchedule, FakeClient]:
    server, salts = make_server(clock)
    return server, salts, FakeClient(clock, salts.current(clock()))


def sent(server: ServerSession) -> list[Message]:
    return flatten(server.data_to_send())


def notifications(messages: list[Message]) -> list[sv.BadMsgNotification]:
    return [
        sv.read_bad_msg_notification(m.body)
        for m in messages
        if cid(m.body) in (sv.BAD_MSG_NOTIFICATION_ID, sv.BAD_SERVER_SALT_ID)
    ]


# -- the normal flow ----------------------------------------------------------------------------


def test_call_answer_and_new_session_created(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, salts, client = setup
    assert not server.started
    message = client.message(QUERY)
    assert server.receive(message) == [RpcCall(message.msg_id, QUERY)]
    assert server.started and server.pending_acks == 1
    answer_id = server.answer(message.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0")
    assert answer_id % 4 == 1
    payloads = server.data_to_send()
    assert len(payloads) == 1  # one container: new_session_created + rpc_result, no ack
    outer = decrypt_server_message(AUTH_KEY, payloads[0])
    assert outer.salt == salts.current(server.last_received) and outer.session_id == SESSION_ID
    assert outer.msg_id % 4 == 3 and outer.seq_no % 2 == 0
    created, result = flatten(payloads)
    info = sv.read_new_session_created(created.body)
    assert info == sv.NewSessionCreated(message.msg_id, server.unique_id, client.salt)
    assert created.msg_id % 4 == 3 and created.seq_no == 1
    assert result.msg_id == answer_id and result.seq_no == 3
    assert created.msg_id < result.msg_id < outer.msg_id
    assert unpack_rpc_result(result.body) == (message.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0")
    assert server.pending_acks == 0
    assert server.data_to_send() == []
    # a second call: no new_session_created this time
    second = client.message(QUERY)
    server.receive(second)
    server.answer_error(second.msg_id, 400, "CONFIG_BROKEN")
    (only,) = sent(server)
    req, error = unpack_rpc_result(only.body)
    assert req == second.msg_id and sv.read_rpc_error(error) == (400, "CONFIG_BROKEN")
    assert server.auth_key == AUTH_KEY and server.session_id == SESSION_ID


def test_answering_twice_is_a_local_error(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    message = client.message(QUERY)
    server.receive(message)
    server.answer(message.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0")
    with pytest.raises(LocalProtocolError):
        server.answer(message.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0")
    # answering something never received (e.g. forgotten) is allowed
    server.answer(4, b"\x15\xc4\xb5\x1c\0\0\0\0")


def test_large_results_are_gzipped(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    big = types.upload.File(type=types.storage.FileUnknown(), mtime=0, bytes=b"\0" * 100_000)
    calls = [client.message(QUERY) for _ in range(3)]
    for call in calls:
        server.receive(call)
    server.answer(calls[0].msg_id, big)
    server.answer(calls[1].msg_id, big, gzip=False)
    server.answer(calls[2].msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0", gzip=True)
    results = [unpack_rpc_result(b)[1] for b in bodies_of(sent(server), sv.RPC_RESULT_ID)]
    assert cid(results[0]) == sv.GZIP_PACKED_ID and len(results[0]) < 1000
    assert gzip_unpack(results[0], max_size=1 << 20) == big.to_bytes()
    assert results[1] == big.to_bytes()
    assert gzip_unpack(results[2], max_size=100) == b"\x15\xc4\xb5\x1c\0\0\0\0"


def test_gzipped_call_is_unpacked(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    message = client.message(gzip_pack(QUERY))
    assert server.receive(message) == [RpcCall(message.msg_id, QUERY)]


def test_gzip_bomb_call_is_dropped(clock: FakeClock) -> None:
    server, salts = make_server(clock, config=SessionConfig(max_gzip_size=1000))
    client = FakeClient(clock, salts.current(clock()))
    message = client.message(gzip_pack(QUERY + b"\0" * 5000))
    (event,) = server.receive(message)
    assert isinstance(event, MalformedMessage) and event.msg_id == message.msg_id


def test_push_is_cached_until_acked(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    server.receive(client.message(sv.pack_ping(1), content=False))
    sent(server)
    update = types.UpdatesTooLong()
    push_id = server.push(update)
    assert push_id % 4 == 3
    (pushed,) = sent(server)
    assert pushed.msg_id == push_id and pushed.seq_no % 2 == 1 and pushed.body == update.to_bytes()
    # the client asks for it again: sent again with the same msg_id, inside a container
    server.receive(client.message(sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, [push_id]), content=False))
    payloads = server.data_to_send()
    assert len(payloads) == 1
    assert flatten(payloads) == [pushed]
    # acknowledged: forgotten, so a resend request gets a state answer instead
    events = server.receive(
        client.message(sv.pack_msg_ids(sv.MSGS_ACK_ID, [push_id]), content=False)
    )
    assert events == [Acked((push_id,))]
    resend = client.message(sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, [push_id]), content=False)
    server.receive(resend)
    (info,) = sent(server)
    assert info.body == sv.pack_msgs_state_info(resend.msg_id, bytes([STATE_TOO_HIGH]))


def test_acks_ride_along_or_wait_for_the_threshold(clock: FakeClock) -> None:
    server, salts = make_server(clock, config=SessionConfig(ack_threshold=3))
    client = FakeClient(clock, salts.current(clock()))
    calls = [client.message(QUERY) for _ in range(3)]
    server.receive(calls[0])
    first = sent(server)  # new_session_created goes out, the ack rides along
    assert [cid(m.body) for m in first] == [sv.NEW_SESSION_CREATED_ID, sv.MSGS_ACK_ID]
    assert sv.read_msg_ids(first[1].body) == [calls[0].msg_id]
    server.receive(calls[1])
    assert server.data_to_send() == []  # one pending ack: below the threshold
    server.flush_acks()
    (ack,) = sent(server)
    assert sv.read_msg_ids(ack.body) == [calls[1].msg_id] and ack.seq_no % 2 == 0
    assert server.data_to_send() == []  # flush_acks is one-shot
    more = [client.message(QUERY) for _ in range(3)]
    for call in more:
        server.receive(call)
    (ack,) = sent(server)
    assert sv.read_msg_ids(ack.body) == [m.msg_id for m in more]
    state = client.message(sv.pack_msg_ids(sv.MSGS_STATE_REQ_ID, [more[0].msg_id]), content=False)
    server.receive(state)
    (info,) = sent(server)
    expected = STATE_RECEIVED | STATE_RPC | STATE_ACKNOWLEDGED
    assert info.body == sv.pack_msgs_state_info(state.msg_id, bytes([expected]))


def test_many_acks_are_split(
    setup: tuple[ServerSession, SaltSchedule, FakeClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _, client = setup
    monkeypatch.setattr(sv, "MAX_IDS_PER_MESSAGE", 2)
    calls = [client.message(QUERY) for _ in range(5)]
    for call in calls:
        server.receive(call)
    server.flush_acks()
    acks = bodies_of(sent(server), sv.MSGS_ACK_ID)
    assert [len(sv.read_msg_ids(a)) for a in acks] == [2, 2, 1]


# -- service messages ---------------------------------------------------------------------------


@pytest.mark.parametrize("content", [True, False])
def test_ping_either_parity(
    setup: tuple[ServerSession, SaltSchedule, FakeClient], content: bool
) -> None:
    server, _, client = setup
    ping = client.message(functions.Ping(ping_id=77).to_bytes(), content=content)
    assert server.receive(ping) == [PingReceived(ping.msg_id, 77)]
    pongs = bodies_of(sent(server), sv.PONG_ID)
    assert pongs == [sv.pack_pong(ping.msg_id, 77)]
    assert server.pending_acks == 0
    assert server.disconnect_deadline is None


def test_ping_delay_disconnect_sets_the_deadline(
    setup: tuple[ServerSession, SaltSchedule, FakeClient], clock: FakeClock
) -> None:
    server, _, client = setup
    body = functions.PingDelayDisconnect(ping_id=5, disconnect_delay=75).to_bytes()
    ping = client.message(body, content=False)
    assert server.receive(ping) == [PingReceived(ping.msg_id, 5, 75)]
    assert server.disconnect_deadline == clock() + 75
    clock.advance(60)
    server.receive(client.message(body, content=False))
    assert server.disconnect_deadline == clock() + 75


def test_get_future_salts(
    setup: tuple[ServerSession, SaltSchedule, FakeClient], clock: FakeClock
) -> None:
    server, salts, client = setup
    call = client.message(functions.GetFutureSalts(num=3).to_bytes())
    assert server.receive(call) == []
    (answer,) = bodies_of(sent(server), sv.FUTURE_SALTS_ID)
    info = sv.read_future_salts(answer)
    assert info.req_msg_id == call.msg_id and info.now == int(clock())
    assert [s[2] for s in info.salts] == [s.salt for s in salts.future(clock(), 3)]
    assert server.pending_acks == 0


def test_msgs_state_req(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    call = client.message(QUERY)
    server.receive(call)
    server.answer(call.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0")
    ack = client.message(sv.pack_msg_ids(sv.MSGS_ACK_ID, [12]), content=False)
    server.receive(ack)
    hole = client.next_id()
    later = client.message(QUERY)
    server.receive(later)
    sent(server)
    future = client.next_id() + 10_000
    query = [call.msg_id, ack.msg_id, hole, later.msg_id, future]
    req = client.message(sv.pack_msg_ids(sv.MSGS_STATE_REQ_ID, query), content=False)
    assert server.receive(req) == []
    (info,) = bodies_of(sent(server), sv.MSGS_STATE_INFO_ID)
    expected = [
        STATE_RECEIVED | STATE_RPC | STATE_ANSWERED | STATE_ACKNOWLEDGED,
        STATE_RECEIVED | STATE_NO_ACK_NEEDED,
        STATE_NOT_RECEIVED,
        STATE_RECEIVED | STATE_RPC | STATE_ACKNOWLEDGED,
        STATE_TOO_HIGH,
    ]
    assert info == sv.pack_msgs_state_info(req.msg_id, bytes(expected))


def test_resend_answer_request(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    call = client.message(QUERY)
    server.receive(call)
    answer_id = server.answer(call.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0")
    (original,) = [m for m in sent(server) if m.msg_id == answer_id]
    server.receive(
        client.message(sv.pack_msg_ids(sv.MSG_RESEND_ANS_REQ_ID, [call.msg_id]), content=False)
    )
    assert sent(server) == [original]
    # a request about an id we never answered: a state answer
    unknown = client.message(sv.pack_msg_ids(sv.MSG_RESEND_ANS_REQ_ID, [4]), content=False)
    server.receive(unknown)
    assert bodies_of(sent(server), sv.MSGS_STATE_INFO_ID)


def test_duplicate_query_gets_the_answer_again(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    call = client.message(QUERY)
    server.receive(call)
    assert server.receive(call) == []  # processing: dropped silently
    answer_id = server.answer(call.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0")
    first = sent(server)
    (answer,) = [m for m in first if m.msg_id == answer_id]
    # repeated inside a new container, as a client re-sending a lost query does
    container = client.message(
        pack_container([Message(call.msg_id, call.seq_no, QUERY)]), content=False
    )
    assert server.receive(container) == []
    assert sent(server) == [answer]


def test_destroy_session_and_http_wait(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    call = client.message(functions.DestroySession(session_id=99).to_bytes())
    assert server.receive(call) == [DestroySessionRequested(call.msg_id, 99)]
    answer_id = server.answer_destroy_session(call.msg_id, 99, destroyed=True)
    (answer,) = [m for m in sent(server) if m.msg_id == answer_id]
    assert answer.body == sv.pack_destroy_session_result(99, destroyed=True)
    wait = types.HttpWait(max_delay=0, wait_after=10, max_wait=25000).to_bytes()
    message = client.message(wait, content=False)
    assert server.receive(message) == [HttpWaitReceived(message.msg_id, 0, 10, 25000)]


def test_server_only_and_ignored_constructors(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    pong = client.message(sv.pack_pong(1, 2), content=False)
    (event,) = server.receive(pong)
    assert isinstance(event, MalformedMessage)
    info = client.message(sv.pack_msgs_state_info(4, b"\x01"), content=False)
    assert server.receive(info) == []
    broken = client.message(sv.pack_msg_ids(sv.MSGS_ACK_ID, [1, 2])[:-4], content=False)
    (event,) = server.receive(broken)
    assert isinstance(event, MalformedMessage) and event.msg_id == broken.msg_id


# -- security checks: each bad input is rejected ------------------------------------------------


def test_message_for_another_session_is_a_caller_bug(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, _ = setup
    with pytest.raises(LocalProtocolError):
        server.receive(DecryptedMessage(0, SESSION_ID + 1, 4, 1, QUERY))


def test_receive_frame_checks_session_and_key(
    setup: tuple[ServerSession, SaltSchedule, FakeClient], clock: FakeClock
) -> None:
    server, _, client = setup
    other = FakeClient(clock, client.salt, session_id=5)
    payload = encrypt_client_message(AUTH_KEY, other.message(QUERY), SeededRandom(0))
    with pytest.raises(SecurityError):
        server.receive_frame(payload)
    good = bytearray(encrypt_client_message(AUTH_KEY, client.message(QUERY), SeededRandom(0)))
    good[30] ^= 1
    with pytest.raises(SecurityError):
        server.receive_frame(bytes(good))
    message = client.message(QUERY)
    events = server.receive_frame(encrypt_client_message(AUTH_KEY, message, SeededRandom(0)))
    assert events == [RpcCall(message.msg_id, QUERY)]


@pytest.mark.parametrize("shift, code", [(-301, 16), (31, 17)])
def test_msg_id_time_window(
    setup: tuple[ServerSession, SaltSchedule, FakeClient], clock: FakeClock, shift: int, code: int
) -> None:
    server, _, client = setup
    msg_id = int((clock() + shift) * 2**32) & ~3
    message = client.message(QUERY, msg_id=msg_id)
    assert server.receive(message) == [BadMessage(msg_id, code)]
    (note,) = notifications(sent(server))
    assert note == sv.BadMsgNotification(msg_id, message.seq_no, code)
    assert not server.started


def test_msg_id_parity(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    msg_id = client.next_id() | 1
    assert server.receive(client.message(QUERY, msg_id=msg_id)) == [BadMessage(msg_id, 18)]
    container_id = client.next_id() | 2
    container = pack_container([client.inner(QUERY)])
    assert server.receive(client.message(container, msg_id=container_id, content=False)) == [
        BadMessage(container_id, 18)
    ]


def test_salt_checks(
    setup: tuple[ServerSession, SaltSchedule, FakeClient], clock: FakeClock
) -> None:
    server, salts, client = setup
    message = client.message(QUERY, salt=0)
    assert server.receive(message) == [BadMessage(message.msg_id, 48)]
    (note,) = notifications(sent(server))
    assert note == sv.BadMsgNotification(message.msg_id, message.seq_no, 48, salts.current(clock()))
    assert not server.started  # not processed
    old_salt = salts.current(clock())
    clock.advance(3600)
    assert salts.current(clock()) != old_salt
    ok = client.message(QUERY, salt=old_salt)  # in the grace period
    assert server.receive(ok) == [RpcCall(ok.msg_id, QUERY)]
    clock.advance(1800)
    late = client.message(QUERY, salt=old_salt)
    assert server.receive(late) == [BadMessage(late.msg_id, 48)]


def test_container_duplicate_id_is_19(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    body = pack_container([client.inner(QUERY)])
    container = client.message(body, content=False)
    assert len(server.receive(container)) == 1
    assert server.receive(container) == [BadMessage(container.msg_id, 19)]


def test_too_old_for_the_window_is_20(clock: FakeClock) -> None:
    server, salts = make_server(clock, config=SessionConfig(msg_id_window=2))
    client = FakeClient(clock, salts.current(clock()))
    early_id = client.next_id()
    early_container_id = client.next_id()
    for _ in range(3):
        server.receive(client.message(QUERY))
    early = client.message(QUERY, msg_id=early_id, seq_no=1)
    assert server.receive(early) == [BadMessage(early_id, 20)]
    container = client.message(pack_container([]), msg_id=early_container_id, content=False)
    assert server.receive(container) == [BadMessage(early_container_id, 20)]


def test_seq_no_checks(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    a_id, b_id, c_id = client.next_id(), client.next_id(), client.next_id()
    server.receive(client.message(QUERY, msg_id=a_id, seq_no=5))
    server.receive(client.message(QUERY, msg_id=c_id, seq_no=9))
    assert server.receive(client.message(QUERY, msg_id=b_id, seq_no=3)) == [BadMessage(b_id, 32)]
    assert server.receive(client.message(QUERY, msg_id=b_id, seq_no=11)) == [BadMessage(b_id, 33)]
    assert server.receive(client.message(QUERY, msg_id=b_id, seq_no=7)) == [RpcCall(b_id, QUERY)]
    ack = sv.pack_msg_ids(sv.MSGS_ACK_ID, [1])
    odd_ack = client.message(ack, seq_no=11)
    assert server.receive(odd_ack) == [BadMessage(odd_ack.msg_id, 34)]
    even_query = client.message(QUERY, seq_no=12)
    assert server.receive(even_query) == [BadMessage(even_query.msg_id, 35)]
    odd_container = client.message(pack_container([client.inner(QUERY)]), seq_no=13)
    assert server.receive(odd_container) == [BadMessage(odd_container.msg_id, 34)]
    # rejected messages were not recorded: the same ids can come again, numbered right
    assert server.receive(client.message(QUERY, msg_id=even_query.msg_id, seq_no=13)) == [
        RpcCall(even_query.msg_id, QUERY)
    ]


def test_container_rules_give_64(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    inner = client.inner(QUERY)
    container = client.message(pack_container([inner]), content=False)
    late = Message(container.msg_id + 4, 1, QUERY)
    bad = client.message(pack_container([late]), msg_id=container.msg_id, content=False)
    events = server.receive(bad)
    assert events[-1] == BadMessage(container.msg_id, 64)
    assert isinstance(events[0], MalformedMessage)
    nested = pack_container([Message(client.next_id(), 0, pack_container([]))])
    message = client.message(nested, content=False)
    assert server.receive(message)[-1] == BadMessage(message.msg_id, 64)
    truncated = client.message(pack_container([client.inner(QUERY)])[:-4], content=False)
    assert server.receive(truncated)[-1] == BadMessage(truncated.msg_id, 64)
    (note,) = notifications(sent(server))[-1:]
    assert note.error_code == 64


def test_container_is_checked_message_by_message(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    good = client.inner(QUERY)
    odd_parity = Message(client.next_id() | 1, client.seq(True), QUERY)
    ping = client.inner(sv.pack_ping(3), content=False)
    container = client.message(pack_container([good, odd_parity, ping]), content=False)
    events = server.receive(container)
    assert events == [
        BadMessage(odd_parity.msg_id, 18),
        RpcCall(good.msg_id, QUERY),
        PingReceived(ping.msg_id, 3),
    ]
    out = sent(server)
    (created,) = bodies_of(out, sv.NEW_SESSION_CREATED_ID)
    assert sv.read_new_session_created(created).first_msg_id == good.msg_id
    assert cid(out[0].body) in (sv.BAD_MSG_NOTIFICATION_ID, sv.NEW_SESSION_CREATED_ID)
    # an empty container is fine and starts nothing
    assert server.receive(client.message(pack_container([]), content=False)) == []


def test_new_session_created_again_for_an_older_message(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    early_id = client.next_id()
    late = client.message(QUERY, seq_no=3)
    server.receive(late)
    early = client.message(QUERY, msg_id=early_id, seq_no=1)
    assert server.receive(early) == [RpcCall(early_id, QUERY)]
    created = [
        sv.read_new_session_created(b) for b in bodies_of(sent(server), sv.NEW_SESSION_CREATED_ID)
    ]
    assert [c.first_msg_id for c in created] == [late.msg_id, early_id]


def test_raw_header_struct_is_stable() -> None:
    # rpc_result bodies start with the id and req_msg_id, as the client reads them
    body = struct.pack("<Iq", sv.RPC_RESULT_ID, 5) + b"\0" * 4
    assert unpack_rpc_result(body) == (5, b"\0" * 4)


def test_misaligned_answers_are_caller_errors(
    setup: tuple[ServerSession, SaltSchedule, FakeClient],
) -> None:
    server, _, client = setup
    message = client.message(QUERY)
    server.receive(message)
    with pytest.raises(LocalProtocolError):
        server.answer(message.msg_id, b"\x01\x02\x03\x04\x05")
    with pytest.raises(LocalProtocolError):
        server.push(b"")


def test_empty_body_is_malformed(setup: tuple[ServerSession, SaltSchedule, FakeClient]) -> None:
    server, _, client = setup
    message = client.message(b"")
    (event,) = server.receive(message)
    assert isinstance(event, MalformedMessage) and event.msg_id == message.msg_id
