"""Round trips client -> server and server -> client for every transport, under any chunking."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tgcore.mtproto.transport import (
    Abridged,
    BaseFramer,
    Frame,
    Framer,
    Full,
    Intermediate,
    Obfuscated2,
    PaddedIntermediate,
    QuickAck,
    Role,
    ServerTransport,
    TransportErrorReceived,
    TransportEvent,
    TransportKind,
)
from tgcore.testing import SeededRandom

PLAIN: dict[str, type[BaseFramer]] = {
    "abridged": Abridged,
    "intermediate": Intermediate,
    "padded": PaddedIntermediate,
    "full": Full,
}
OBFUSCATED: dict[str, type[BaseFramer]] = {
    "obfuscated-abridged": Abridged,
    "obfuscated-intermediate": Intermediate,
    "obfuscated-padded": PaddedIntermediate,
}
KINDS = sorted([*PLAIN, *OBFUSCATED])
EXPECTED_KIND = {
    "abridged": TransportKind.ABRIDGED,
    "intermediate": TransportKind.INTERMEDIATE,
    "padded": TransportKind.PADDED_INTERMEDIATE,
    "full": TransportKind.FULL,
    **dict.fromkeys(OBFUSCATED, TransportKind.OBFUSCATED2),
}


def make_client(kind: str, seed: int = 7) -> Framer:
    if kind in PLAIN:
        return PLAIN[kind](Role.CLIENT, rng=SeededRandom(seed))
    return Obfuscated2(Role.CLIENT, OBFUSCATED[kind], rng=SeededRandom(seed))


def is_padded(kind: str) -> bool:
    return kind.endswith("padded")


def supports_quick_ack(kind: str) -> bool:
    return kind != "full"


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def feed_chunks(framer: Framer, chunks: Sequence[bytes]) -> list[TransportEvent]:
    events: list[TransportEvent] = []
    for chunk in chunks:
        events += framer.feed(chunk)
    return events


def check_payloads(kind: str, events: Sequence[TransportEvent], sent: Sequence[bytes]) -> None:
    assert len(events) == len(sent)
    for event, payload in zip(events, sent, strict=True):
        assert isinstance(event, Frame)
        if is_padded(kind):
            assert event.payload.startswith(payload)
            assert len(event.payload) - len(payload) <= 15
        else:
            assert event.payload == payload


def words(low: int, high: int) -> st.SearchStrategy[bytes]:
    return st.integers(low, high).flatmap(lambda n: st.binary(min_size=4 * n, max_size=4 * n))


# Up to 300 words crosses the 127-word boundary of the abridged long form.
PAYLOADS = st.lists(words(1, 300), min_size=1, max_size=6)
SERVER_PAYLOADS = st.lists(words(5, 300), min_size=1, max_size=6)


@given(data=st.data(), kind=st.sampled_from(KINDS), payloads=PAYLOADS)
def test_client_to_server_under_any_chunking(
    data: st.DataObject, kind: str, payloads: list[bytes]
) -> None:
    client = make_client(kind)
    flags = [supports_quick_ack(kind) and data.draw(st.booleans()) for _ in payloads]
    wire = b"".join(client.pack(p, quick_ack=f) for p, f in zip(payloads, flags, strict=True))
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=12))

    whole = ServerTransport().feed(wire)
    server = ServerTransport()
    chunked = feed_chunks(server, split(wire, cuts))

    assert chunked == whole
    check_payloads(kind, chunked, payloads)
    assert [e.quick_ack for e in chunked if isinstance(e, Frame)] == flags
    assert server.kind is EXPECTED_KIND[kind]


@given(data=st.data(), kind=st.sampled_from(KINDS), payloads=SERVER_PAYLOADS)
def test_server_to_client_under_any_chunking(
    data: st.DataObject, kind: str, payloads: list[bytes]
) -> None:
    client, twin = make_client(kind, seed=3), make_client(kind, seed=3)
    server = ServerTransport(rng=SeededRandom(9))
    assert server.feed(client.pack(b"first-frame!")) != []
    twin.pack(b"first-frame!")  # keeps the twin's state in step (full seq, padding rng)

    wire = b"".join(server.pack(p) for p in payloads)
    if supports_quick_ack(kind):
        wire += server.pack_quick_ack(0x80000000 | len(payloads))
    wire += server.pack_error(-429)
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=12))

    whole = twin.feed(wire)
    chunked = feed_chunks(client, split(wire, cuts))
    assert chunked == whole
    tail: list[TransportEvent] = [TransportErrorReceived(-429)]
    if supports_quick_ack(kind):
        tail.insert(0, QuickAck(0x80000000 | len(payloads)))
    assert chunked[len(payloads) :] == tail
    check_payloads(kind, chunked[: len(payloads)], payloads)


@pytest.mark.parametrize("kind", KINDS)
def test_byte_by_byte(kind: str) -> None:
    client = make_client(kind)
    payloads = [bytes(range(20)), bytes(600), b"\x01\x02\x03\x04" * 200]
    wire = b"".join(client.pack(p) for p in payloads)
    server = ServerTransport()
    events = feed_chunks(server, [wire[i : i + 1] for i in range(len(wire))])
    check_payloads(kind, events, payloads)


@pytest.mark.parametrize("kind", sorted(PLAIN))
def test_explicit_server_framer_after_tag(kind: str) -> None:
    cls = PLAIN[kind]
    client = cls(Role.CLIENT, rng=SeededRandom(1))
    server = cls(Role.SERVER, rng=SeededRandom(2))
    wire = client.pack(bytes(40)) + client.pack(bytes(range(200)))
    events = server.feed(wire[len(cls.TAG) :])
    check_payloads(kind, events, [bytes(40), bytes(range(200))])
    back = server.pack(bytes(range(100)))
    check_payloads(kind, client.feed(back), [bytes(range(100))])


@pytest.mark.parametrize("restrict", [False, True])
@pytest.mark.parametrize("codec", [Abridged, Intermediate, PaddedIntermediate])
def test_obfuscated_server_role_directly(codec: type[BaseFramer], restrict: bool) -> None:
    client = Obfuscated2(Role.CLIENT, codec, rng=SeededRandom(5), dc_id=-2)
    server = Obfuscated2(Role.SERVER, codec if restrict else None)
    assert server.codec is (codec if restrict else None)
    assert server.dc_id is None
    assert server.preamble() == b""
    header = client.preamble()
    assert len(header) == 64
    assert client.preamble() == b""
    assert server.feed(header[:10]) == []
    assert server.feed(header[10:]) == []
    assert server.codec is codec
    assert server.dc_id == -2
    events = server.feed(client.pack(bytes(range(40)), quick_ack=True))
    assert isinstance(events[0], Frame) and events[0].quick_ack
    assert events[0].payload.startswith(bytes(range(40)))
    reply = server.pack(bytes(range(24))) + server.pack_quick_ack(0x81234567)
    got = client.feed(reply)
    assert isinstance(got[0], Frame) and got[0].payload.startswith(bytes(range(24)))
    assert got[1] == QuickAck(0x81234567)
    assert client.feed(server.pack_error(-444)) == [TransportErrorReceived(-444)]


def test_obfuscated_header_and_first_frame_in_one_chunk_then_empty_feeds() -> None:
    client = Obfuscated2(Role.CLIENT, rng=SeededRandom(2))
    server = Obfuscated2(Role.SERVER)
    assert server.feed(client.preamble()) == []
    assert server.feed(b"") == []
    assert server.feed(client.pack(b"abcd" * 6)) == [Frame(b"abcd" * 6)]
    assert client.codec is Abridged
    assert client.dc_id is None
