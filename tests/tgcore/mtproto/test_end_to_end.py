"""Client and server, both built from the sans-IO core, talk over every transport in memory.

Handshake -> encrypted session -> ping/pong -> an RPC round trip in a container whose answer is
large enough to travel gzip-packed. Nothing but bytes crosses between the two sides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tgcore.crypto import AuthKey, RsaPrivateKey
from tgcore.mtproto.envelope import decrypt_server_message
from tgcore.mtproto.handshake import AuthKeyCreated, ClientHandshake, ServerHandshake
from tgcore.mtproto.session import (
    ClientSession,
    NewSession,
    PingReceived,
    RpcCall,
    RpcResult,
    SaltSchedule,
    SessionRouter,
)
from tgcore.mtproto.transport import (
    Abridged,
    Frame,
    Framer,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    Role,
    ServerTransport,
    strip_padding,
)
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import (
    GZIP_PACKED_ID,
    RPC_RESULT_ID,
    Reader,
    TLObject,
    functions,
    pack_object_vector,
    types,
)

KEY_PEM = Path(__file__).parent / "handshake" / "test_key_1.pem"

CLIENT_TRANSPORTS: dict[str, Callable[[], Framer]] = {
    "abridged": lambda: Abridged(Role.CLIENT),
    "intermediate": lambda: Intermediate(Role.CLIENT),
    "padded": lambda: PaddedIntermediate(Role.CLIENT),
    "full": lambda: Full(Role.CLIENT),
    "obfuscated-abridged": lambda: Obfuscated2(Role.CLIENT, Abridged),
    "obfuscated-intermediate": lambda: Obfuscated2(Role.CLIENT, Intermediate),
    "obfuscated-padded": lambda: Obfuscated2(Role.CLIENT, PaddedIntermediate),
}


class Link:
    """One connection: a client framer, a detecting server transport, and bytes between them."""

    def __init__(self, client_framer: Framer) -> None:
        self.client = client_framer
        self.server = ServerTransport()
        self.wire_bytes = 0

    def _payloads(self, framer: Framer | ServerTransport, data: bytes) -> list[bytes]:
        self.wire_bytes += len(data)
        out = []
        for event in framer.feed(data):
            assert isinstance(event, Frame)
            out.append(strip_padding(event.payload) if framer.padded else event.payload)
        return out

    def to_server(self, payloads: list[bytes]) -> list[bytes]:
        data = b"".join(self.client.pack(p) for p in payloads)
        return self._payloads(self.server, data)

    def to_client(self, payloads: list[bytes]) -> list[bytes]:
        data = b"".join(self.server.pack(p) for p in payloads)
        return self._payloads(self.client, data)


def _handshake(
    link: Link, key: RsaPrivateKey, clock: FakeClock, seed: int
) -> tuple[AuthKeyCreated, AuthKeyCreated]:
    server = ServerHandshake([key], rng=SeededRandom(seed), clock=clock, dc_id=2)
    client = ClientHandshake([key.public_key], dc_id=2, rng=SeededRandom(seed + 1), clock=clock)
    outgoing = [client.start()]
    server_done = client_done = None
    while client_done is None:
        replies: list[bytes] = []
        for message in link.to_server(outgoing):
            answer, done = server.receive(message)
            replies += answer
            server_done = server_done or done
        outgoing = []
        for message in link.to_client(replies):
            answer, client_done = client.receive(message)
            outgoing += answer
    assert server_done is not None
    return client_done, server_done


class Dispatcher:
    """The part of a server that answers RPCs: here, two API methods answered by hand."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def handle(self, call: RpcCall) -> bytes:
        request = Reader(call.body).read_object()
        self.calls.append(request)
        if isinstance(request, functions.help.GetNearestDc):
            return types.NearestDc(country="NL", this_dc=2, nearest_dc=2).to_bytes()
        assert isinstance(request, functions.users.GetUsers)
        # A large answer: a vector of many users, which the session compresses.
        users: list[TLObject] = [
            types.User(id=1000 + i, access_hash=i, first_name=f"user {i}", username=f"user{i}")
            for i in range(200)
        ]
        return pack_object_vector(users)


@pytest.fixture(scope="module")
def server_key() -> RsaPrivateKey:
    return RsaPrivateKey.from_pem(KEY_PEM.read_bytes())


@pytest.mark.parametrize("transport", sorted(CLIENT_TRANSPORTS))
def test_handshake_then_encrypted_session(transport: str, server_key: RsaPrivateKey) -> None:
    clock = FakeClock()
    link = Link(CLIENT_TRANSPORTS[transport]())
    client_done, server_done = _handshake(link, server_key, clock, seed=len(transport))
    assert client_done.auth_key == server_done.auth_key
    assert client_done.first_salt == server_done.first_salt

    keys: dict[int, AuthKey] = {k.key_id: k for k in server_done.auth_keys}
    salts = SaltSchedule(rng=SeededRandom(7))
    salts.set_current(server_done.first_salt, clock())
    router = SessionRouter(
        auth_keys=keys.get, salts=lambda _key: salts, rng=SeededRandom(8), clock=clock
    )
    session = ClientSession(
        client_done.auth_key, client_done.first_salt, rng=SeededRandom(9), clock=clock
    )
    dispatcher = Dispatcher()

    def exchange() -> tuple[list[object], list[object]]:
        """Carry the client's output to the server, answer RPCs, carry the answers back.

        Returns the events seen by the server and by the client.
        """
        answers: list[bytes] = []
        server_events: list[object] = []
        for payload in link.to_server(session.data_to_send()):
            routed = router.route(payload)
            for event in routed.events:
                server_events.append(event)
                if isinstance(event, RpcCall):
                    routed.session.answer(event.msg_id, dispatcher.handle(event))
            answers += routed.session.data_to_send()
        client_events: list[object] = []
        for payload in link.to_client(answers):
            client_events += session.receive(payload)
        return server_events, client_events

    # Ping: answered by the session itself, with new_session_created first.
    ping_id = 0x5EED
    ping_msg = session.send(functions.Ping(ping_id=ping_id))
    server_events, events = exchange()
    assert any(isinstance(e, PingReceived) and e.ping_id == ping_id for e in server_events)
    assert any(isinstance(e, NewSession) for e in events)
    pong = [e for e in events if isinstance(e, RpcResult) and e.req_msg_id == ping_msg]
    assert len(pong) == 1
    assert isinstance(pong[0].result, types.Pong)
    assert pong[0].result.ping_id == ping_id

    # Two RPCs sent together travel in one msg_container; the big answer comes gzip_packed.
    nearest_msg = session.send(functions.help.GetNearestDc())
    users_msg = session.send(functions.users.GetUsers(id=[types.InputUserSelf()]))
    outgoing = session.data_to_send()
    assert len(outgoing) == 1, "both requests should share one encrypted container"
    server_payloads = link.to_server(outgoing)
    routed = router.route(server_payloads[0])
    calls = [e for e in routed.events if isinstance(e, RpcCall)]
    assert len(calls) == 2
    for call in calls:
        routed.session.answer(call.msg_id, dispatcher.handle(call))
    answers = routed.session.data_to_send()
    # The server's plaintext for the users answer is gzip_packed inside rpc_result.
    decrypted = [decrypt_server_message(client_done.auth_key, a) for a in answers]
    bodies = b"".join(m.body for m in decrypted)
    assert RPC_RESULT_ID.to_bytes(4, "little") in bodies
    assert GZIP_PACKED_ID.to_bytes(4, "little") in bodies

    results = {
        e.req_msg_id: e.result
        for payload in link.to_client(answers)
        for e in session.receive(payload)
        if isinstance(e, RpcResult)
    }
    assert results[nearest_msg] == types.NearestDc(country="NL", this_dc=2, nearest_dc=2)
    users = results[users_msg]
    assert [u.id for u in users] == [1000 + i for i in range(200)]
    assert users[199].username == "user199"
    assert not session.pending(), "every request was answered"
    assert link.wire_bytes > 0
