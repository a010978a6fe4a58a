"""Telethon 1.45's transport codecs as oracles for our framers, in both directions.

Telethon's ``read_packet`` coroutines only await ``reader.readexactly``; the fake reader below
never suspends, so each coroutine runs to completion with a single ``send(None)``.
"""

from __future__ import annotations

from collections.abc import Coroutine
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telethon.network.connection import tcpobfuscated
from telethon.network.connection.tcpabridged import AbridgedPacketCodec
from telethon.network.connection.tcpfull import FullPacketCodec
from telethon.network.connection.tcpintermediate import (
    IntermediatePacketCodec,
    RandomizedIntermediatePacketCodec,
)
from telethon.network.connection.tcpmtproxy import MTProxyIO
from telethon.network.connection.tcpobfuscated import ObfuscatedIO

from tgcore.mtproto.transport import (
    Abridged,
    BaseFramer,
    Frame,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    Role,
    ServerTransport,
    TransportKind,
)
from tgcore.testing import SeededRandom


class FakeReader:
    def __init__(self, data: bytes = b"") -> None:
        self.data = bytearray(data)

    async def readexactly(self, n: int) -> bytes:
        assert len(self.data) >= n, "oracle asked for more bytes than were sent"
        chunk = bytes(self.data[:n])
        del self.data[:n]
        return chunk


class FakeWriter:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


def run(coro: Coroutine[Any, Any, bytes]) -> bytes:
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise AssertionError("the oracle coroutine suspended")


def words(low: int, high: int) -> st.SearchStrategy[bytes]:
    return st.integers(low, high).flatmap(lambda n: st.binary(min_size=4 * n, max_size=4 * n))


PAYLOADS = st.lists(words(5, 300), min_size=1, max_size=5)

PLAIN_PAIRS: list[tuple[type[BaseFramer], Any]] = [
    (Abridged, AbridgedPacketCodec),
    (Intermediate, IntermediatePacketCodec),
    (Full, FullPacketCodec),
]


@pytest.mark.parametrize(("ours", "theirs"), PLAIN_PAIRS)
@given(payloads=PAYLOADS)
def test_client_bytes_equal_telethon(
    ours: type[BaseFramer], theirs: Any, payloads: list[bytes]
) -> None:
    client, codec = ours(Role.CLIENT), theirs(None)
    assert client.preamble() == (codec.tag or b"")
    for payload in payloads:
        assert client.pack(payload) == codec.encode_packet(payload)


@pytest.mark.parametrize(("ours", "theirs"), PLAIN_PAIRS)
@given(payloads=PAYLOADS)
def test_server_decodes_telethon_client(
    ours: type[BaseFramer], theirs: Any, payloads: list[bytes]
) -> None:
    codec = theirs(None)
    wire = (codec.tag or b"") + b"".join(codec.encode_packet(p) for p in payloads)
    server = ServerTransport()
    assert server.feed(wire) == [Frame(p) for p in payloads]
    assert isinstance(server.framer, ours)


@pytest.mark.parametrize(("ours", "theirs"), PLAIN_PAIRS)
@given(payloads=PAYLOADS)
def test_telethon_client_decodes_server(
    ours: type[BaseFramer], theirs: Any, payloads: list[bytes]
) -> None:
    server, codec = ours(Role.SERVER), theirs(None)
    reader = FakeReader(b"".join(server.pack(p) for p in payloads))
    assert [run(codec.read_packet(reader)) for _ in payloads] == payloads
    assert not reader.data


@given(payloads=PAYLOADS)
def test_padded_against_telethon_randomized_intermediate(payloads: list[bytes]) -> None:
    codec = RandomizedIntermediatePacketCodec(None)
    server = PaddedIntermediate(Role.SERVER, rng=SeededRandom(1))
    events = server.feed(b"".join(codec.encode_packet(p) for p in payloads))
    for event, payload in zip(events, payloads, strict=True):
        assert isinstance(event, Frame)
        assert event.payload[: len(payload)] == payload and len(event.payload) - len(payload) <= 3
    # Our server pads by at most 3 bytes, which Telethon's `len % 4` stripping undoes exactly.
    reader = FakeReader(b"".join(server.pack(p) for p in payloads))
    assert [run(codec.read_packet(reader)) for _ in payloads] == payloads


def test_transport_error_reaches_telethon_as_four_bytes() -> None:
    for ours, theirs in PLAIN_PAIRS:
        reader = FakeReader(ours(Role.SERVER).pack_error(-404))
        assert run(theirs(None).read_packet(reader)) == (-404).to_bytes(4, "little", signed=True)


# -- obfuscated2 ---------------------------------------------------------------------------

OBFUSCATED_PAIRS: list[tuple[type[BaseFramer], Any]] = [
    (Abridged, AbridgedPacketCodec),
    (Intermediate, IntermediatePacketCodec),
    (PaddedIntermediate, RandomizedIntermediatePacketCodec),
]


def telethon_obfuscated(codec_cls: Any) -> tuple[Any, Any, FakeReader, FakeWriter]:
    reader, writer = FakeReader(), FakeWriter()
    connection = SimpleNamespace(_reader=reader, _writer=writer, packet_codec=codec_cls)
    io = ObfuscatedIO(connection)
    writer.write(bytes(io.header))
    return io, codec_cls(None), reader, writer


@pytest.mark.parametrize(("ours", "theirs"), OBFUSCATED_PAIRS)
@settings(deadline=None)  # Telethon's AES-CTR is pure Python (pyaes): slow on busy machines
@given(payloads=PAYLOADS)
def test_obfuscated_telethon_client_to_our_server_and_back(
    ours: type[BaseFramer], theirs: Any, payloads: list[bytes]
) -> None:
    io, codec, reader, writer = telethon_obfuscated(theirs)
    for payload in payloads:
        io.write(codec.encode_packet(payload))

    server = ServerTransport(rng=SeededRandom(2))
    events = server.feed(bytes(writer.data))
    assert server.kind is TransportKind.OBFUSCATED2
    assert isinstance(server.framer, Obfuscated2) and server.framer.codec is ours
    for event, payload in zip(events, payloads, strict=True):
        assert isinstance(event, Frame) and event.payload[: len(payload)] == payload

    reader.data += b"".join(server.pack(p) for p in payloads)
    assert [run(codec.read_packet(io)) for _ in payloads] == payloads
    assert not reader.data


@pytest.mark.parametrize(("ours", "theirs"), OBFUSCATED_PAIRS)
def test_obfuscated_client_bytes_equal_telethon(
    ours: type[BaseFramer], theirs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = SeededRandom(42)
    header_random = rng(64)
    # Same 64 random bytes for both: Telethon takes them from os.urandom, we from rng.
    monkeypatch.setattr(tcpobfuscated, "os", SimpleNamespace(urandom=lambda n: header_random))
    io, codec, reader, writer = telethon_obfuscated(theirs)
    ours_client = Obfuscated2(Role.CLIENT, ours, rng=lambda n: header_random)
    assert ours_client.preamble() == bytes(writer.data)
    if ours is not PaddedIntermediate:  # padding is random on both sides
        for payload in (bytes(range(40)), bytes(1000), bytes(range(200))):
            before = len(writer.data)
            io.write(codec.encode_packet(payload))
            assert ours_client.pack(payload) == bytes(writer.data[before:])
    # And Telethon reads what our server sends on the connection its header opened.
    server = Obfuscated2(Role.SERVER)
    server.feed(bytes(writer.data[:64]))
    reader.data += server.pack(bytes(range(24)))
    assert run(codec.read_packet(io)) == bytes(range(24))


@pytest.mark.parametrize(
    ("ours", "theirs", "secret"),
    [
        (Abridged, AbridgedPacketCodec, bytes(range(16))),
        (Intermediate, IntermediatePacketCodec, bytes(range(16, 32))),
        (PaddedIntermediate, RandomizedIntermediatePacketCodec, b"\xdd" + bytes(range(16))),
    ],
)
def test_mtproxy_telethon_client_to_our_server(
    ours: type[BaseFramer], theirs: Any, secret: bytes
) -> None:
    header, encryptor, decryptor = MTProxyIO.init_header(secret, -2, theirs)
    codec = theirs(None)
    payload = bytes(range(48))
    wire = bytes(header) + encryptor.encrypt(codec.encode_packet(payload))

    server = ServerTransport(secret=secret)
    events = server.feed(wire)
    framer = server.framer
    assert isinstance(framer, Obfuscated2)
    assert framer.codec is ours and framer.dc_id == -2
    assert isinstance(events[0], Frame) and events[0].payload[: len(payload)] == payload

    io = SimpleNamespace()
    reader = FakeReader(server.pack(bytes(range(20))))

    async def readexactly(n: int) -> bytes:
        return decryptor.encrypt(await reader.readexactly(n))  # type: ignore[no-any-return]

    io.readexactly = readexactly
    assert run(codec.read_packet(io)) == bytes(range(20))
