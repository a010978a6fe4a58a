"""Helpers of the session tests: a fixed auth key, crafted client messages, decoded output."""

from __future__ import annotations

import struct

from tgcore.crypto import AuthKey
from tgcore.mtproto.envelope import (
    DecryptedMessage,
    decrypt_client_message,
    decrypt_server_message,
    encrypt_server_message,
)
from tgcore.mtproto.msgid import MsgIdGenerator, MsgKind
from tgcore.mtproto.session import (
    ClientSession,
    Message,
    SaltSchedule,
    ServerSession,
    SessionConfig,
    pack_container,
    unpack_container,
)
from tgcore.mtproto.session import _service as sv
from tgcore.testing import FakeClock, SeededRandom

AUTH_KEY = AuthKey(SeededRandom(7)(256))
SESSION_ID = 0x0123456789ABCDEF


def cid(body: bytes) -> int:
    """The constructor id of a body."""
    return int(struct.unpack_from("<I", body)[0])


def flatten(payloads: list[bytes], *, from_server: bool = True) -> list[Message]:
    """Decrypt payloads and list the messages in them, containers opened (container last)."""
    out: list[Message] = []
    for payload in payloads:
        if from_server:
            message = decrypt_server_message(AUTH_KEY, payload)
        else:
            message = decrypt_client_message(AUTH_KEY, payload)
        if cid(message.body) == sv.MSG_CONTAINER_ID:
            out.extend(unpack_container(message.body))
        else:
            out.append(Message(message.msg_id, message.seq_no, message.body))
    return out


def bodies_of(messages: list[Message], constructor: int) -> list[bytes]:
    """The bodies with this constructor id."""
    return [m.body for m in messages if cid(m.body) == constructor]


class FakeClient:
    """Crafts client messages for a server session by hand (any msg_id, seq_no, salt)."""

    def __init__(self, clock: FakeClock, salt: int, session_id: int = SESSION_ID) -> None:
        self.ids = MsgIdGenerator(clock)
        self.salt = salt
        self.session_id = session_id
        self.content = 0

    def next_id(self) -> int:
        return self.ids.next(MsgKind.CLIENT)

    def seq(self, content: bool) -> int:
        if content:
            self.content += 1
            return self.content * 2 - 1
        return self.content * 2

    def message(
        self,
        body: bytes,
        *,
        content: bool = True,
        msg_id: int | None = None,
        seq_no: int | None = None,
        salt: int | None = None,
    ) -> DecryptedMessage:
        """A decrypted client message with the next id and seq_no unless given."""
        return DecryptedMessage(
            self.salt if salt is None else salt,
            self.session_id,
            self.next_id() if msg_id is None else msg_id,
            self.seq(content) if seq_no is None else seq_no,
            body,
        )

    def inner(self, body: bytes, *, content: bool = True) -> Message:
        """A message for a container."""
        return Message(self.next_id(), self.seq(content), body)


def make_server(
    clock: FakeClock, *, config: SessionConfig | None = None, seed: int = 1
) -> tuple[ServerSession, SaltSchedule]:
    """A server session over :data:`AUTH_KEY` with its own salt schedule."""
    salts = SaltSchedule(SeededRandom(seed + 100))
    server = ServerSession(
        AUTH_KEY, SESSION_ID, salts=salts, rng=SeededRandom(seed), clock=clock, config=config
    )
    return server, salts


def make_client(
    clock: FakeClock, *, salt: int = 0, seed: int = 2, **kwargs: object
) -> ClientSession:
    """A client session over :data:`AUTH_KEY` with session id :data:`SESSION_ID`."""
    return ClientSession(
        AUTH_KEY,
        salt=salt,
        session_id=SESSION_ID,
        rng=SeededRandom(seed),
        clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )


def exchange(client: ClientSession, server: ServerSession) -> tuple[list[object], list[object]]:
    """Move everything queued on either side across once; returns (server events, client events)."""
    server_events: list[object] = []
    for payload in client.data_to_send():
        server_events.extend(server.receive_frame(payload))
    client_events: list[object] = []
    for payload in server.data_to_send():
        client_events.extend(client.receive(payload))
    return server_events, client_events


class FakeServer:
    """Crafts encrypted server messages for a client session by hand."""

    def __init__(self, clock: FakeClock, salt: int = 0, session_id: int = SESSION_ID) -> None:
        self.ids = MsgIdGenerator(clock)
        self.salt = salt
        self.session_id = session_id
        self.content = 0
        self.rng = SeededRandom(55)

    def seq(self, content: bool) -> int:
        if content:
            self.content += 1
            return self.content * 2 - 1
        return self.content * 2

    def inner(
        self, body: bytes, *, content: bool = True, kind: MsgKind = MsgKind.SERVER_REPLY
    ) -> Message:
        """A message for a container."""
        return Message(self.ids.next(kind), self.seq(content), body)

    def frame(
        self,
        body: bytes,
        *,
        content: bool = True,
        msg_id: int | None = None,
        seq_no: int | None = None,
        session_id: int | None = None,
        kind: MsgKind = MsgKind.SERVER_REPLY,
    ) -> bytes:
        """An encrypted server payload."""
        message = DecryptedMessage(
            self.salt,
            self.session_id if session_id is None else session_id,
            self.ids.next(kind) if msg_id is None else msg_id,
            self.seq(content) if seq_no is None else seq_no,
            body,
        )
        return encrypt_server_message(AUTH_KEY, message, self.rng)

    def container(self, items: list[Message], *, msg_id: int | None = None) -> bytes:
        """An encrypted container payload."""
        return self.frame(
            pack_container(items), content=False, msg_id=msg_id, kind=MsgKind.SERVER_PUSH
        )
