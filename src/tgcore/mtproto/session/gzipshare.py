"""gzip_packed bodies for one update pushed to many sessions, compressed once.

A server fans one update out to thousands of sessions. Their bodies are the same, or differ
only near the end (per-viewer access hashes in the ``users``/``chats`` vectors), while the
long part (the message text) comes first. :class:`SharedGzip` compresses the shared prefix
once and then builds each body's gzip stream from that compressed prefix plus the rest of the
body in stored (uncompressed) deflate blocks, so a session costs a CRC of its tail and a join.

The result is an ordinary gzip stream (RFC 1952) holding exactly the body, so any client's
``gzip_packed`` reader inflates it to the same bytes as :func:`gzip_pack` would.
Everything is deterministic: the same bodies in the same order give the same bytes.
"""

from __future__ import annotations

import struct
import zlib

from tgcore.mtproto.session._service import GZIP_PACKED_ID
from tgcore.mtproto.session.containers import maybe_gzip
from tgcore.tl.primitives import pack_bytes

__all__ = ["SharedGzip", "common_prefix_length"]

# gzip member header: magic, deflate, no flags, zero mtime, no extra flags, OS "unknown".
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_STORED_MAX = 0xFFFF
_ID = struct.pack("<I", GZIP_PACKED_ID)


def common_prefix_length(a: bytes, b: bytes) -> int:
    """How many leading bytes ``a`` and ``b`` share (binary search over slice compares)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _stored_blocks(data: bytes) -> bytes:
    """``data`` as deflate stored blocks, the last one final (byte-aligned input expected)."""
    out: list[bytes] = []
    start = 0
    while True:
        chunk = data[start : start + _STORED_MAX]
        start += len(chunk)
        final = start >= len(data)
        size = len(chunk)
        out.append(struct.pack("<BHH", 1 if final else 0, size, size ^ 0xFFFF))
        out.append(chunk)
        if final:
            return b"".join(out)


class _Prefix:
    """One prefix deflated once and flushed to a byte boundary, with its CRC."""

    __slots__ = ("crc", "data", "deflated")

    def __init__(self, data: bytes, level: int) -> None:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        self.data = data
        self.deflated = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        self.crc = zlib.crc32(data)

    def pack(self, body: bytes) -> bytes:
        tail = body[len(self.data) :]
        stream = b"".join(
            (
                _GZIP_HEADER,
                self.deflated,
                _stored_blocks(tail),
                struct.pack("<II", zlib.crc32(tail, self.crc), len(body) & 0xFFFFFFFF),
            )
        )
        return _ID + pack_bytes(stream)


class SharedGzip:
    """:func:`maybe_gzip` for many bodies that share a long prefix, compressing it once.

    Feed it the bodies of one fan-out in turn. A body of at most ``threshold`` bytes is
    returned as it is. When a body starts with the prefix learnt so far, it is packed from
    the once-compressed prefix. Otherwise its common prefix with the previous body is learnt
    (if at least ``min_prefix`` bytes long) or the body goes through :func:`maybe_gzip`.
    The rest of the body after the prefix is stored uncompressed, so the prefix is used only
    for bodies it makes at least half of (others go through :func:`maybe_gzip` too). As with
    :func:`maybe_gzip`, a packed body is used only when it is smaller.

    Push the result with ``ServerSession.push(body, gzip=False)``: it is final.
    """

    __slots__ = ("_last", "_level", "_min_prefix", "_prefix", "_threshold")

    def __init__(self, *, threshold: int = 512, level: int = 6, min_prefix: int = 256) -> None:
        self._threshold = threshold
        self._level = level
        self._min_prefix = min_prefix
        self._prefix: _Prefix | None = None
        self._last: bytes | None = None

    @property
    def prefix_length(self) -> int:
        """Length of the prefix currently compressed once (0: none yet)."""
        return 0 if self._prefix is None else len(self._prefix.data)

    def pack(self, body: bytes) -> bytes:
        """``body`` as gzip_packed when it is long and packing makes it smaller, else itself."""
        if len(body) <= self._threshold:
            return body
        prefix = self._prefix
        if prefix is None or not body.startswith(prefix.data):
            last, self._last = self._last, body
            length = 0 if last is None else common_prefix_length(last, body)
            if length < self._min_prefix:
                return maybe_gzip(body, threshold=self._threshold, level=self._level)
            prefix = self._prefix = _Prefix(body[:length], self._level)
        if 2 * len(prefix.data) < len(body):
            # The tail would go uncompressed and is the larger part: pack the body alone.
            return maybe_gzip(body, threshold=self._threshold, level=self._level)
        packed = prefix.pack(body)
        return packed if len(packed) < len(body) else body
