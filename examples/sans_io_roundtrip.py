"""A client and a server built from tgcore's sans-IO core, talking through bytes only.

Run it: ``python examples/sans_io_roundtrip.py``. It creates an auth key over the abridged
transport, opens an encrypted session and sends a ping, printing what crosses the "wire".
No sockets are involved: you would put a socket (or Trio stream) where ``wire()`` is.
"""

from __future__ import annotations

import time

from tgcore.crypto import RsaPrivateKey
from tgcore.mtproto.handshake import ClientHandshake, ServerHandshake
from tgcore.mtproto.session import ClientSession, RpcResult, SaltSchedule, SessionRouter
from tgcore.mtproto.transport import Abridged, Frame, Role, ServerTransport
from tgcore.tl import functions

# Fingerprints and key ids are signed 64-bit on the wire; show them as unsigned hex.
_U64 = 0xFFFF_FFFF_FFFF_FFFF


def main() -> None:
    server_key = RsaPrivateKey.generate()
    print(f"server key fingerprint: {server_key.fingerprint & _U64:#018x}")

    client_framer, server_framer = Abridged(Role.CLIENT), ServerTransport()

    def wire(data: bytes, receiver: Abridged | ServerTransport) -> list[bytes]:
        """Deliver bytes to the other side's framer and return the complete frames."""
        return [e.payload for e in receiver.feed(data) if isinstance(e, Frame)]

    # 1. The auth-key handshake: plain messages, three round trips.
    client_hs = ClientHandshake([server_key.public_key], dc_id=2)
    server_hs = ServerHandshake([server_key], dc_id=2)
    to_server = [client_hs.start()]
    client_done = server_done = None
    while client_done is None:
        to_client = []
        for frame in wire(b"".join(map(client_framer.pack, to_server)), server_framer):
            replies, server_done = server_hs.receive(frame)
            to_client += replies
        to_server = []
        for frame in wire(b"".join(map(server_framer.pack, to_client)), client_framer):
            replies, client_done = client_hs.receive(frame)
            to_server += replies
    assert server_done is not None and client_done.auth_key == server_done.auth_key
    print(f"auth key created: id {client_done.auth_key.key_id & _U64:#018x}")

    # 2. An encrypted session: the server side routes payloads to sessions by auth key.
    salts = SaltSchedule()
    salts.set_current(server_done.first_salt, time.time())
    keys = {k.key_id: k for k in server_done.auth_keys}
    router = SessionRouter(auth_keys=keys.get, salts=lambda _key: salts)
    client = ClientSession(client_done.auth_key, client_done.first_salt)

    ping = client.send(functions.Ping(ping_id=42))
    answers = []
    for payload in wire(b"".join(map(client_framer.pack, client.data_to_send())), server_framer):
        routed = router.route(payload)
        answers += routed.session.data_to_send()
    for payload in wire(b"".join(map(server_framer.pack, answers)), client_framer):
        for event in client.receive(payload):
            if isinstance(event, RpcResult) and event.req_msg_id == ping:
                print(f"pong received: ping_id={event.result.ping_id}")


if __name__ == "__main__":
    main()
