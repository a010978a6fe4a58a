"""Server-side transport detection from the first bytes."""

from __future__ import annotations

import pytest

from tgcore.errors import LocalProtocolError, TransportError
from tgcore.mtproto.transport import (
    ERROR_MALFORMED,
    Abridged,
    BaseFramer,
    Frame,
    Framer,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    Role,
    ServerTransport,
    TransportKind,
    detect,
)
from tgcore.testing import SeededRandom

REQ_PQ_SIZE = 40  # a plain req_pq_multi: 20 bytes of envelope + 20 of body


@pytest.mark.parametrize(
    ("first", "kind"),
    [
        (b"\xef", TransportKind.ABRIDGED),
        (b"\xef\x0a", TransportKind.ABRIDGED),
        (b"\xee\xee\xee\xee", TransportKind.INTERMEDIATE),
        (b"\xdd\xdd\xdd\xdd\x28", TransportKind.PADDED_INTERMEDIATE),
        (b"\x34\x00\x00\x00\x00\x00\x00\x00", TransportKind.FULL),
    ],
)
def test_detect_tags(first: bytes, kind: TransportKind) -> None:
    assert detect(first) is kind
    assert detect(bytearray(first)) is kind


@pytest.mark.parametrize(
    "prefix",
    [
        b"",
        b"\xee",
        b"\xee\xee\xee",
        b"\xdd\xdd",
        b"GET",
        b"\x34\x00\x00\x00",
        b"\x34\x00\x00\x00\x00",
    ],
)
def test_detect_needs_more(prefix: bytes) -> None:
    assert detect(prefix) is None


@pytest.mark.parametrize("codec", [Abridged, Intermediate, PaddedIntermediate])
def test_detect_obfuscated_needs_64_bytes(codec: type[BaseFramer]) -> None:
    header = Obfuscated2(Role.CLIENT, codec, rng=SeededRandom(11)).preamble()
    for size in (4, 8, 63):
        assert detect(header[:size]) is None
    assert detect(header) is TransportKind.OBFUSCATED2
    assert detect(header + b"more") is TransportKind.OBFUSCATED2


def test_detect_obfuscated_with_secret() -> None:
    secret = bytes(range(16))
    header = Obfuscated2(Role.CLIENT, rng=SeededRandom(4), secret=secret).preamble()
    assert detect(header, secret=secret) is TransportKind.OBFUSCATED2
    with pytest.raises(TransportError):
        detect(header)  # without the secret the protocol id decrypts to noise


@pytest.mark.parametrize(
    "request_line",
    [
        b"POST /api HTTP/1.1\r\n",
        b"GET /api HTTP/1.1\r\n",
        b"HEAD / HTTP/1.1\r\n",
        b"OPTIONS * HTTP/1.1",
    ],
)
def test_http_is_rejected_clearly(request_line: bytes) -> None:
    with pytest.raises(TransportError, match="HTTP") as info:
        detect(request_line)
    assert info.value.code == ERROR_MALFORMED
    server = ServerTransport()
    with pytest.raises(TransportError, match="HTTP"):
        server.feed(request_line)
    with pytest.raises(TransportError, match="already failed"):
        server.feed(b"more")


def test_fake_tls_is_rejected() -> None:
    with pytest.raises(TransportError, match="TLS"):
        detect(b"\x16\x03\x01\x02\x00\x01\xfc\x03\x03")


def test_garbage_is_rejected_at_64_bytes() -> None:
    garbage = b"SSH-2.0-OpenSSH_9.6 " + bytes(range(44))
    assert detect(garbage[:63]) is None
    with pytest.raises(TransportError, match="unrecognised") as info:
        detect(garbage)
    assert info.value.code == ERROR_MALFORMED


def test_server_transport_detects_full_from_a_short_first_frame() -> None:
    client = Full(Role.CLIENT)
    first = client.pack(bytes(REQ_PQ_SIZE))
    assert len(first) == 52 < 64  # waiting for an obfuscated2 header would stall
    server = ServerTransport()
    assert server.feed(first) == [Frame(bytes(REQ_PQ_SIZE))]
    assert server.kind is TransportKind.FULL
    assert isinstance(server.framer, Full)


@pytest.mark.parametrize(
    ("cls", "kind"),
    [
        (Abridged, TransportKind.ABRIDGED),
        (Intermediate, TransportKind.INTERMEDIATE),
        (PaddedIntermediate, TransportKind.PADDED_INTERMEDIATE),
        (Full, TransportKind.FULL),
    ],
)
def test_server_transport_consumes_exactly_the_tag(
    cls: type[BaseFramer], kind: TransportKind
) -> None:
    client = cls(Role.CLIENT, rng=SeededRandom(1))
    server = ServerTransport()
    assert server.role is Role.SERVER
    assert server.preamble() == b""
    assert server.kind is None and server.framer is None
    with pytest.raises(LocalProtocolError, match="not been detected"):
        server.pack(b"abcd")
    with pytest.raises(LocalProtocolError):
        server.pack_error(-404)
    with pytest.raises(LocalProtocolError):
        server.pack_quick_ack(0x80000000)
    # The tag alone decides every plain framing but full.
    assert server.feed(client.preamble()) == []
    assert server.kind is (None if cls is Full else kind)
    events = server.feed(client.pack(bytes(range(48))))
    assert server.kind is kind
    assert isinstance(server.framer, cls)
    assert isinstance(events[0], Frame) and events[0].payload.startswith(bytes(range(48)))
    assert client.feed(server.pack(bytes(24))) != []
    assert len(client.feed(server.pack_error(-404))) == 1


def test_server_transport_obfuscated_exposes_framer() -> None:
    client = Obfuscated2(Role.CLIENT, Intermediate, rng=SeededRandom(8))
    server = ServerTransport(max_frame_size=1024)
    assert server.feed(client.pack(bytes(32), quick_ack=True)) == [Frame(bytes(32), True)]
    assert server.kind is TransportKind.OBFUSCATED2
    framer = server.framer
    assert isinstance(framer, Obfuscated2)
    assert framer.codec is Intermediate
    token = 0x80000000 | 12345
    assert client.feed(server.pack_quick_ack(token))[0].token == token  # type: ignore[union-attr]


def test_server_transport_rejects_bad_secret_eagerly() -> None:
    with pytest.raises(ValueError, match="secret"):
        ServerTransport(secret=b"short")


@pytest.mark.parametrize(
    ("client", "padded"),
    [
        (Abridged(Role.CLIENT), False),
        (Full(Role.CLIENT), False),
        (PaddedIntermediate(Role.CLIENT), True),
        (Obfuscated2(Role.CLIENT, Intermediate, rng=SeededRandom(1)), False),
        (Obfuscated2(Role.CLIENT, PaddedIntermediate, rng=SeededRandom(1)), True),
    ],
)
def test_padded_property_follows_the_detected_framing(client: Framer, padded: bool) -> None:
    assert client.padded is padded
    server = ServerTransport()
    assert server.padded is False
    server.feed(client.pack(bytes(20)))
    assert server.padded is padded
    assert server.framer is not None and server.framer.padded is padded


def test_obfuscated_server_padded_unknown_before_header() -> None:
    assert Obfuscated2(Role.SERVER).padded is False
    assert Obfuscated2(Role.SERVER, PaddedIntermediate).padded is True
