"""Client and server sessions talking to each other in memory, through the router; and Telethon's
own MTProto state as a client of our server session."""

from __future__ import annotations

import io
import logging
import struct
import time
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from session_support import AUTH_KEY
from telethon.crypto import AuthKey as TelethonAuthKey
from telethon.extensions import BinaryReader
from telethon.network.mtprotostate import MTProtoState
from telethon.tl import functions as tf
from telethon.tl import types as tt
from telethon.tl.core import MessageContainer

from tgcore.crypto import AuthKey
from tgcore.errors import SecurityError, TransportError
from tgcore.mtproto.session import (
    Acked,
    ClientSession,
    NewSession,
    PingReceived,
    RpcCall,
    RpcResult,
    SaltChanged,
    SaltSchedule,
    SessionConfig,
    SessionDestroyed,
    SessionRouter,
    UpdateReceived,
)
from tgcore.mtproto.session import _service as sv
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import functions, types

GET_FILE = functions.upload.GetFile(
    location=types.InputFileLocation(volume_id=1, local_id=2, secret=3, file_reference=b""),
    offset=0,
    limit=4096,
)
BIG_FILE = types.upload.File(type=types.storage.FileUnknown(), mtime=3, bytes=b"\x07" * 300_000)


class Net:
    """A router holding one auth key and any number of clients on it."""

    def __init__(self, clock: FakeClock, *, config: SessionConfig | None = None) -> None:
        self.clock = clock
        self.salts = SaltSchedule(SeededRandom(9))
        self.router = SessionRouter(
            auth_keys={AUTH_KEY.key_id: AUTH_KEY}.get,
            salts=lambda key: self.salts,
            rng=SeededRandom(10),
            clock=clock,
            config=config,
        )

    def client(self, seed: int = 1, salt: int = 0) -> ClientSession:
        return ClientSession(AUTH_KEY, salt=salt, rng=SeededRandom(seed), clock=self.clock)

    def up(self, client: ClientSession) -> list[object]:
        """Client payloads to the router; returns the server events."""
        events: list[object] = []
        for payload in client.data_to_send():
            events.extend(self.router.route(payload).events)
        return events

    def down(self, client: ClientSession) -> list[object]:
        """The client's server session output to the client; returns the client events."""
        session = self.router.get(AUTH_KEY.key_id, client.session_id)
        assert session is not None
        events: list[object] = []
        for payload in session.data_to_send():
            events.extend(client.receive(payload))
        return events


def test_full_flow(clock: FakeClock) -> None:
    net = Net(clock)
    client = net.client()
    ping = client.send(functions.Ping(ping_id=1))
    call = client.send(GET_FILE)
    # salt 0: everything bounces once with the right salt, then goes out again
    assert [type(e).__name__ for e in net.up(client)] == ["BadMessage"]
    assert net.down(client) == [SaltChanged(net.salts.current(clock()))]
    events = net.up(client)
    session = net.router.get(AUTH_KEY.key_id, client.session_id)
    assert session is not None
    pending = {p.msg_id: p.current_msg_id for p in client.pending()}
    assert events == [
        PingReceived(pending[ping], 1),
        RpcCall(pending[call], GET_FILE.to_bytes()),
    ]
    session.answer(pending[call], BIG_FILE)
    events = net.down(client)
    assert isinstance(events[0], NewSession)  # before any answer
    assert isinstance(events[1], RpcResult) and events[1].req_msg_id == ping
    assert events[1].result == types.Pong(msg_id=pending[ping], ping_id=1)
    assert events[2] == RpcResult(call, BIG_FILE.to_bytes(), GET_FILE, BIG_FILE)
    assert client.pending() == []
    # the client acknowledges new_session_created and the result with its next message
    client.send(functions.Ping(ping_id=2))
    events = net.up(client)
    acked = [e for e in events if isinstance(e, Acked)]
    assert len(acked) == 1 and len(acked[0].msg_ids) == 2
    net.down(client)


def test_big_result_travels_gzipped(clock: FakeClock) -> None:
    net = Net(clock)
    client = net.client(salt=net.salts.current(clock()))
    call = client.send(GET_FILE)
    (event,) = net.up(client)
    assert isinstance(event, RpcCall)
    session = net.router.get(AUTH_KEY.key_id, client.session_id)
    assert session is not None
    session.answer(event.msg_id, BIG_FILE)
    payloads = session.data_to_send()
    assert sum(map(len, payloads)) < 5_000  # 300 kB of one byte compress well
    events = [e for p in payloads for e in client.receive(p)]
    assert events[-1] == RpcResult(call, BIG_FILE.to_bytes(), GET_FILE, BIG_FILE)


def test_lost_answer_is_sent_again_after_reconnect(clock: FakeClock) -> None:
    net = Net(clock)
    client = net.client(salt=net.salts.current(clock()))
    call = client.send(GET_FILE)
    (event,) = net.up(client)
    session = net.router.get(AUTH_KEY.key_id, client.session_id)
    assert session is not None and isinstance(event, RpcCall)
    session.answer(event.msg_id, b"\x15\xc4\xb5\x1c\0\0\0\0", gzip=False)
    session.data_to_send()  # lost with the connection
    client.resend_pending()
    assert net.up(client) == []  # a repeat: not dispatched again
    events = net.down(client)
    assert [e for e in events if isinstance(e, RpcResult)] == [
        RpcResult(call, b"\x15\xc4\xb5\x1c\0\0\0\0", GET_FILE, None, events[-1].decode_error)  # type: ignore[union-attr]
    ]


def test_state_and_resend_requests(clock: FakeClock) -> None:
    net = Net(clock)
    client = net.client(salt=net.salts.current(clock()))
    call = client.send(GET_FILE)
    (event,) = net.up(client)
    session = net.router.get(AUTH_KEY.key_id, client.session_id)
    assert session is not None and isinstance(event, RpcCall)
    net.down(client)
    state = client.send(sv.pack_msg_ids(sv.MSGS_STATE_REQ_ID, [call]))
    net.up(client)
    (result,) = [e for e in net.down(client) if isinstance(e, RpcResult)]
    assert result.req_msg_id == state
    assert isinstance(result.result, types.MsgsStateInfo)
    assert result.result.info == bytes([4 | 8 | 32])  # received, acked, being processed
    # an update lost on the way is asked for again by its id
    update = types.UpdatesTooLong()
    push_id = session.push(update)
    session.data_to_send()
    client.send(sv.pack_msg_ids(sv.MSG_RESEND_REQ_ID, [push_id]))
    assert [p.msg_id for p in client.pending()] == [call]  # no answer awaited for that one
    net.up(client)
    events = net.down(client)
    assert UpdateReceived(push_id, update.to_bytes(), update) in events


def test_destroy_session(clock: FakeClock) -> None:
    net = Net(clock)
    salt = net.salts.current(clock())
    old = net.client(seed=1, salt=salt)
    new = net.client(seed=2, salt=salt)
    old.send(functions.Ping(ping_id=1))
    net.up(old)
    assert len(net.router) == 1
    destroy = new.send(functions.DestroySession(session_id=old.session_id))
    destroy_unknown = new.send(functions.DestroySession(session_id=12345))
    destroy_self = new.send(functions.DestroySession(session_id=new.session_id))
    events = net.up(new)
    assert SessionDestroyed(AUTH_KEY.key_id, old.session_id) in events
    assert net.router.get(AUTH_KEY.key_id, old.session_id) is None
    results = {e.req_msg_id: e.result for e in net.down(new) if isinstance(e, RpcResult)}
    assert results == {
        destroy: types.DestroySessionOk(session_id=old.session_id),
        destroy_unknown: types.DestroySessionNone(session_id=12345),
        destroy_self: types.DestroySessionNone(session_id=new.session_id),
    }


def test_router_lookup_and_limits(clock: FakeClock) -> None:
    net = Net(clock)
    other_key = AuthKey(SeededRandom(8)(256))
    stranger = ClientSession(other_key, rng=SeededRandom(3), clock=clock)
    stranger.send(functions.Ping(ping_id=1))
    (payload,) = stranger.data_to_send()
    with pytest.raises(TransportError) as info:
        net.router.route(payload)
    assert info.value.code == -404
    with pytest.raises(TransportError):
        net.router.route(b"\0" * 64)  # a plain message is not for the router
    client = net.client()
    client.send(functions.Ping(ping_id=1))
    (payload,) = client.data_to_send()
    tampered = bytearray(payload)
    tampered[-1] ^= 1
    with pytest.raises(SecurityError):
        net.router.route(bytes(tampered))
    routed = net.router.route(payload)
    assert routed.created and routed.session.session_id == client.session_id
    client.send(functions.Ping(ping_id=2))
    (payload,) = client.data_to_send()
    assert not net.router.route(payload).created
    assert net.router.sessions(AUTH_KEY.key_id) == [routed.session]
    assert net.router.drop(AUTH_KEY.key_id, client.session_id)
    assert not net.router.drop(AUTH_KEY.key_id, client.session_id)
    assert not net.router.drop(77, 1)
    assert len(net.router) == 0
    # at most max_sessions_per_key sessions per key: the least recently used goes
    router = SessionRouter(
        auth_keys={AUTH_KEY.key_id: AUTH_KEY}.get,
        salts=lambda key: net.salts,
        clock=clock,
        rng=SeededRandom(1),
        max_sessions_per_key=2,
    )
    clients = [net.client(seed=s) for s in (11, 12, 13)]
    for c in clients:
        c.send(functions.Ping(ping_id=1))
        for p in c.data_to_send():
            router.route(p)
    assert [s.session_id for s in router.sessions(AUTH_KEY.key_id)] == [
        c.session_id for c in clients[1:]
    ]
    assert router.drop_key(AUTH_KEY.key_id) == 2 and len(router) == 0


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(max_size=3000), st.binary(max_size=3000)),
        min_size=1,
        max_size=8,
    )
)
def test_random_bodies_round_trip(pairs: list[tuple[bytes, bytes]]) -> None:
    clock = FakeClock()
    net = Net(clock, config=SessionConfig(max_container_bytes=4000))
    client = net.client(salt=net.salts.current(clock()))
    sent = {}
    for query, answer in pairs:
        # random bodies behind a constructor id no service message uses
        body = b"\x11\x22\x33\x44" + query + b"\0" * (-len(query) % 4)
        sent[client.send(body)] = (body, b"\x55\x66\x77\x88" + answer + b"\0" * (-len(answer) % 4))
    calls = [e for e in net.up(client) if isinstance(e, RpcCall)]
    assert [c.body for c in calls] == [b for b, _ in sent.values()]
    session = net.router.get(AUTH_KEY.key_id, client.session_id)
    assert session is not None
    for call, (_, answer) in zip(calls, sent.values(), strict=True):
        session.answer(call.msg_id, answer)
    results = [e for e in net.down(client) if isinstance(e, RpcResult)]
    assert {r.req_msg_id: r.body for r in results} == {k: a for k, (_, a) in sent.items()}


# -- Telethon's MTProtoState as the client ------------------------------------------------------


def test_telethon_state_talks_to_our_server_session() -> None:
    clock = FakeClock(time.time())  # Telethon checks server msg_ids against the real clock
    net = Net(clock)
    loggers: defaultdict[str, logging.Logger] = defaultdict(lambda: logging.getLogger("telethon"))
    state = MTProtoState(TelethonAuthKey(AUTH_KEY.key), loggers)

    def telethon_send(*requests: object) -> list[int]:
        buffer = io.BytesIO()
        ids = [state.write_data_as_message(buffer, bytes(r), True) for r in requests]
        data = buffer.getvalue()
        if len(requests) > 1:
            inner = struct.pack("<Ii", MessageContainer.CONSTRUCTOR_ID, len(requests)) + data
            buffer = io.BytesIO()
            state.write_data_as_message(buffer, inner, False)
            data = buffer.getvalue()
        for payload in [state.encrypt_message_data(data)]:
            events.extend(net.router.route(payload).events)
        return ids

    def telethon_receive() -> list[object]:
        session = net.router.get(AUTH_KEY.key_id, state.id)
        assert session is not None
        objs = []
        for payload in session.data_to_send():
            message = state.decrypt_message_data(payload)
            if isinstance(message.obj, MessageContainer):
                objs.extend(m.obj for m in message.obj.messages)
            else:
                objs.append(message.obj)
        return objs

    events: list[object] = []
    # Telethon starts with salt 0 and counts pings as content-related
    (ping_id,) = telethon_send(tf.PingRequest(5))
    (note,) = telethon_receive()
    assert isinstance(note, tt.BadServerSalt) and note.bad_msg_id == ping_id
    state.salt = note.new_server_salt
    events.clear()
    ping_id, call_id = telethon_send(tf.PingRequest(6), tf.help.GetConfigRequest())
    assert events == [PingReceived(ping_id, 6), RpcCall(call_id, bytes(tf.help.GetConfigRequest()))]
    session = net.router.get(AUTH_KEY.key_id, state.id)
    assert session is not None
    session.answer_error(call_id, 500, "INTERNAL")
    objs = telethon_receive()
    names = [type(o).__name__ for o in objs]
    assert names == ["NewSessionCreated", "Pong", "RpcResult"]
    assert objs[0].first_msg_id == ping_id and objs[0].server_salt == state.salt
    assert objs[1].msg_id == ping_id and objs[1].ping_id == 6
    assert objs[2].req_msg_id == call_id and objs[2].error.error_message == "INTERNAL"
    # a big answer: gzip_packed inside rpc_result, read by Telethon
    events.clear()
    (call_id,) = telethon_send(tf.help.GetConfigRequest())
    session.answer(call_id, BIG_FILE)
    (result,) = [o for o in telethon_receive() if type(o).__name__ == "RpcResult"]
    file = tt.upload.File.from_reader(BinaryReader(result.body[4:]))
    assert file.bytes == BIG_FILE.bytes
